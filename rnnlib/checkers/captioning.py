"""Homework checkers for captioning: the masked temporal softmax loss and one step of beam search.

Both follow rnnlib.checkers: the student's function runs on seeded cases (on copies of its inputs),
its outputs are compared name by name with a reference, and a failure names what is wrong and why.
The loss is checked against torch's cross-entropy and autograd in float64, not against our own code.
The references are private: nothing a notebook imports above an exercise hands out its answer.

- temporal_softmax_loss(logits (N, T, V), y (N, T) int, mask (N, T) bool) -> (loss, dlogits):
  loss = sum_{n,t} mask[n,t] * (-log softmax(logits[n,t])[y[n,t]]) / N, the loss per caption: each caption's
  word losses summed, averaged over the N captions (padded steps count for nothing). rnnlib's decoder divides
  by the number of real tokens instead; this exercise asks for the other common convention.
- beam_step(scores (K,), logprobs (K, V), beam_width) -> (new_scores, parents, words), each (beam_width,),
  best first: the beam_width best of all K*V extensions scores[k] + logprobs[k, v].
"""
from __future__ import annotations

import numpy as np
import torch

from .harness import call_student, case_rng, compare_outputs, draw_sizes, fresh_rng, report_pass

__all__ = ["check_temporal_softmax_loss", "check_beam_step", "reference_toy_beams"]


def _torch_temporal_softmax_loss(logits, y, mask, per="caption"):
    """The reference: torch's cross-entropy per step, masked, summed and divided by N (per="caption") or by
    the number of real tokens (per="token"); its gradient by autograd. Returns (loss, dlogits)."""
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    n, t, v = z.shape
    per_step = torch.nn.functional.cross_entropy(z.reshape(-1, v), torch.as_tensor(y).reshape(-1).long(), reduction="none")
    m = torch.as_tensor(mask, dtype=torch.float64).reshape(-1)
    loss = (per_step * m).sum() / (n if per == "caption" else m.sum())
    loss.backward()
    return loss.item(), z.grad.numpy()


def _loss_cases(fresh=None):
    rng = case_rng(fresh, 11)
    for sizes in ((2, 3, 4), (3, 5, 7), (4, 6, 10)):
        n, t, v = draw_sizes(fresh, sizes, low=2, high=7)
        logits = rng.normal(size=(n, t, v)) * 3
        y = rng.integers(v, size=(n, t))
        mask = np.ones((n, t), dtype=bool)
        for i in range(n):  # caption i ends after a random length; the rest is padding
            mask[i, rng.integers(1, t + 1):] = False
        yield f"N={n}, T={t}, V={v}", {"logits": logits, "y": y, "mask": mask}


def check_temporal_softmax_loss(student_fn, rng=None):
    """Check student_fn(logits, y, mask) -> (loss, dlogits); AssertionError with a hint when wrong.

    Three seeded cases (rng, a Generator or int: three fresh ones) against torch."""
    errors = []
    for case, args in _loss_cases(fresh_rng(rng)):
        loss, dlogits = _torch_temporal_softmax_loss(**args)
        expected = {"loss": np.array(loss), "dlogits": dlogits}
        got = call_student(student_fn, args, "temporal_softmax_loss")
        if isinstance(got, (tuple, list)) and len(got) == 2 and np.size(got[0]) == 1:
            mine = float(np.asarray(got[0]).ravel()[0])
            if not np.isclose(mine, loss):  # a wrong loss: say which usual slip it is
                unmasked, _ = _torch_temporal_softmax_loss(args["logits"], args["y"], np.ones_like(args["mask"]))
                per_token, _ = _torch_temporal_softmax_loss(**args, per="token")
                if np.isclose(mine, unmasked):
                    raise AssertionError(f"temporal_softmax_loss (case {case}): the loss counts the padded steps; "
                                         "multiply each step's loss by mask[n, t] before summing.")
                if np.isclose(mine, per_token):
                    raise AssertionError(f"temporal_softmax_loss (case {case}): the loss is divided by the number of "
                                         "real tokens; divide by N, the number of captions, instead.")
        errors.append(compare_outputs(
            "temporal_softmax_loss", got, expected, case=case,
            hints={"loss": "sum -log softmax(logits)[y] over the steps where mask is True, then divide by N.",
                   "dlogits": "per step, (softmax(logits) - one_hot(y)) * mask / N; zero on padded steps."},
            shared_hint="compute the softmax stably (subtract each row's maximum) and divide by N = logits.shape[0] once."))
    return report_pass("temporal_softmax_loss", expected, errors)


def _reference_beam_step(scores, logprobs, beam_width):
    """The beam_width best extensions over all beams: (new_scores, parents, words), best first."""
    total = (np.asarray(scores)[:, None] + np.asarray(logprobs)).ravel()  # (K * V,)
    best = np.argsort(-total, kind="stable")[:beam_width]
    return total[best], best // logprobs.shape[1], best % logprobs.shape[1]


def _beam_cases(fresh=None):
    rng = case_rng(fresh, 5)
    for sizes in ((1, 6, 3), (3, 8, 3), (4, 10, 2)):
        k, v = draw_sizes(fresh, sizes[:2], low=1, high=8)
        v = max(v, 3)
        w = sizes[2] if fresh is None else int(fresh.integers(1, min(k * v, 8) + 1))
        scores = np.sort(rng.normal(size=k) - 2.0)[::-1].copy()
        logits = rng.normal(size=(k, v)) * 2
        logprobs = logits - np.log(np.exp(logits).sum(1, keepdims=True))
        if k > 1:  # one beam dominates: its two best words beat every other beam's best word
            logprobs[0] = np.log(np.r_[0.49, 0.49, np.full(v - 2, 0.02 / (v - 2))])
            scores[1:] = scores[0] - 5.0
        yield f"K={k}, V={v}, beam_width={w}", {"scores": scores, "logprobs": logprobs, "beam_width": w}


def check_beam_step(student_fn, rng=None):
    """Check student_fn(scores, logprobs, beam_width) -> (new_scores, parents, words).

    Three seeded cases (rng, a Generator or int: three fresh ones) against _reference_beam_step."""
    errors = []
    for case, args in _beam_cases(fresh_rng(rng)):
        new, parents, words = _reference_beam_step(**args)
        expected = {"new_scores": new, "parents": parents.astype(float), "words": words.astype(float)}
        got = call_student(student_fn, args, "beam_step")
        if isinstance(got, (tuple, list)) and len(got) == 3 and np.shape(got[0]) != new.shape:
            raise AssertionError(f"beam_step (case {case}): returned {np.shape(got[0])} scores; expected beam_width = "
                                 f"{args['beam_width']} of them: rank all K*V extensions together (one beam may have several children).")
        if isinstance(got, (tuple, list)) and len(got) == 3 and np.shape(got[1]) == parents.shape:
            if len(set(np.asarray(got[1]).tolist())) == len(got[1]) and len(set(parents.tolist())) < len(parents):
                raise AssertionError(f"beam_step (case {case}): every beam kept one child, but here the best "
                                     f"extensions come from beams {parents.tolist()}: rank all K*V extensions together.")
        errors.append(compare_outputs(
            "beam_step", got, expected, case=case, tol=1e-12,
            hints={"new_scores": "a new score is the parent's score plus the word's log-probability, best first.",
                   "parents": "the flat index i over K*V extensions has parent i // V.",
                   "words": "the flat index i over K*V extensions has word i % V."}))
    return report_pass("beam_step", expected, errors)



def reference_toy_beams(beam_width):
    """The beams rnnlib's own beam step keeps on the explorer's toy bigram model (checkers.explore.toy_beam_search):
    a list of (word indices, total log-probability), best first. The beam widget shows them beside the student's."""
    from .explore import toy_beam_search

    return toy_beam_search(_reference_beam_step, beam_width)
