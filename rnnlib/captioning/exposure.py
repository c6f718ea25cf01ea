"""Exposure bias, measured: the next word given the true prefix against the next word given the model's own.

A captioner trained with teacher forcing always reads a true prefix. Running free, it reads its own words;
after its first mistake the prefix is one it never saw in training. To see what that costs, take the same
test image and the same position t twice:

- own prefix: the first t words of the model's greedy caption (right or wrong so far);
- true prefix: the first t words of the reference caption nearest to that own prefix;

and score the model's top word both times against the same set of right words.

Which words are right after a prefix that already holds a mistake? Errors in this world are wrong words in
the right place ("a small red circle" for "a small green circle"), so we align by position: the references
nearest to the own prefix are those that differ from it in the fewest of its t positions (Hamming distance;
among references that reach position t, counting <end> as a word), and the right words at t are what those
references say there (`nearest_next`). After a correct prefix (distance 0) they are exactly the words that
may follow it in some reference (analysis.valid_next), and the true prefix is the own prefix: the two
conditions differ only where the model has already gone wrong. Positions past the model's <end>, or past
every reference, have no data and are not counted.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from .._validate import check_positive_int
from ..plotting import figure_or_new
from .evaluation import decode_images
from .world import MAX_LEN, CaptionVocab

__all__ = ["nearest_references", "nearest_next", "ExposureCases", "exposure_cases", "ExposureCurves",
           "exposure_curves", "exposure_summary", "draw_exposure"]

END = "<end>"


def nearest_references(references, prefix):
    """The references (word lists) that reach position len(prefix) and differ
    from prefix in the fewest positions.

    A reference reaches position t when it has a word there, <end> counted
    (len(reference) >= t). Returns (indices into references, in order; the
    distance); ([], None) when no reference reaches t.
    """
    t = len(prefix)
    dist = {j: sum(a != b for a, b in zip(list(ref) + [END], prefix))
            for j, ref in enumerate(references) if len(ref) >= t}
    if not dist:
        return [], None
    best = min(dist.values())
    return [j for j, d in dist.items() if d == best], best


def nearest_next(references, prefix):
    """The right words after prefix: what the nearest references (nearest_references) say at position len(prefix).

    Returns a set of words (<end> where a nearest reference ends there); empty when no reference reaches it.
    """
    idx, _ = nearest_references(references, prefix)
    t = len(prefix)
    return {(list(references[j]) + [END])[t] for j in idx}


class ExposureCases(NamedTuple):
    """One row per (test caption, position) with data; what exposure_cases returns."""
    image: np.ndarray  # (M,) int: which image of the split
    position: np.ndarray  # (M,) int: t, the 0-based position of the word predicted (t = 0: the first word)
    own_ok: np.ndarray  # (M,) bool: the model's own prefix (its first t words) starts some reference
    own_right: np.ndarray  # (M,) bool: its top word given its own prefix is one of the right words
    true_right: np.ndarray  # (M,) bool: its top word given the nearest reference's prefix is one of them


def _top_words(model, images, sequences, vocab):
    """Teacher-forced argmax words: sequences (word lists) of images -> list of word lists (one per position)."""
    tokens = torch.from_numpy(np.stack([vocab.encode(s, MAX_LEN) for s in sequences]))
    with torch.no_grad():
        logits, _ = model(images, tokens[:, :-1])
    top = logits.argmax(-1).numpy()  # (N, MAX_LEN - 1)
    return [[vocab.symbols[k] for k in row] for row in top]


def exposure_cases(model, data, hypotheses=None):
    """Score a captioner's next word given its own prefix and given the true one, at every position with data.

    Inputs: model (a torch captioner); data (a CaptionData split); hypotheses (the model's greedy captions of
    data, word lists; decoded here when None). Positions t = 0 .. len(caption) of each caption (the last one
    is where the model said <end>) that some reference reaches.
    Returns: ExposureCases (one row per caption and position).
    """
    vocab = CaptionVocab()
    if hypotheses is None:
        hypotheses = decode_images(model, data.images)
    if len(hypotheses) != len(data.references):
        raise ValueError(f"hypotheses must hold one caption per image ({len(data.references)}); got {len(hypotheses)}")
    own_top = _top_words(model, data.images, [list(h)[:MAX_LEN - 2] for h in hypotheses], vocab)
    r = max(len(refs) for refs in data.references)
    flat = [refs[j % len(refs)] for refs in data.references for j in range(r)]  # every reference, R per image
    ref_top = _top_words(model, np.repeat(data.images, r, axis=0), flat, vocab)
    rows = []
    for i, (hyp, refs) in enumerate(zip(hypotheses, data.references)):
        words = list(hyp)[:MAX_LEN - 2] + [END]
        for t in range(len(words)):
            near, dist = nearest_references(refs, words[:t])
            if not near:
                break
            right = {(list(refs[j]) + [END])[t] for j in near}
            true = ref_top[i * r + near[0]][t]
            rows.append((i, t, dist == 0, own_top[i][t] in right, true in right))
    cols = list(zip(*rows)) if rows else [(), (), (), (), ()]
    return ExposureCases(*(np.array(c, dtype=d) for c, d in zip(cols, (int, int, bool, bool, bool))))


class ExposureCurves(NamedTuple):
    """Per position t (0-based) of the predicted word: accuracies and how many cases each rests on."""
    true_prefix: np.ndarray  # (P,) accuracy given the true prefix, over all cases at t
    own_prefix: np.ndarray  # (P,) accuracy given the model's own prefix, over the same cases
    own_wrong: np.ndarray  # (P,) accuracy given its own prefix, over the cases whose own prefix holds a mistake
    true_for_wrong: np.ndarray  # (P,) accuracy given the true prefix, over those same cases
    count: np.ndarray  # (P,) int: cases at t
    count_wrong: np.ndarray  # (P,) int: cases at t whose own prefix holds a mistake


def _rate(hits, mask):
    n = mask.sum()
    return hits[mask].mean() if n else np.nan


def exposure_curves(cases, min_count=1):
    """Per-position accuracies from ExposureCases; a position with fewer than min_count cases is NaN.

    P = 1 + the largest position in cases. Curves over positions with no data are NaN, never 0.
    """
    if not isinstance(cases, ExposureCases):
        raise ValueError(f"cases must be the ExposureCases that exposure_cases returns; got {type(cases).__name__}")
    min_count = check_positive_int("min_count", min_count)
    p = int(cases.position.max()) + 1 if len(cases.position) else 0
    out = {k: np.full(p, np.nan) for k in ("true_prefix", "own_prefix", "own_wrong", "true_for_wrong")}
    count, count_wrong = np.zeros(p, int), np.zeros(p, int)
    for t in range(p):
        at = cases.position == t
        wrong = at & ~cases.own_ok
        count[t], count_wrong[t] = at.sum(), wrong.sum()
        if count[t] >= min_count:
            out["true_prefix"][t], out["own_prefix"][t] = _rate(cases.true_right, at), _rate(cases.own_right, at)
        if count_wrong[t] >= min_count:
            out["own_wrong"][t] = _rate(cases.own_right, wrong)
            out["true_for_wrong"][t] = _rate(cases.true_right, wrong)
    return ExposureCurves(count=count, count_wrong=count_wrong, **out)


def exposure_summary(cases):
    """Pooled over positions, a dict: accuracy given a correct own prefix ("own_ok"), given an own prefix that
    holds a mistake ("own_wrong"), and given the true prefix on those same cases ("true_for_wrong"); the number
    of cases ("n_ok", "n_wrong"); and, among the wrong-prefix cases, how many the true prefix gets right and the
    own prefix wrong ("only_true") and the reverse ("only_own"). Accuracies are NaN where there are no cases."""
    if not isinstance(cases, ExposureCases):
        raise ValueError(f"cases must be the ExposureCases that exposure_cases returns; got {type(cases).__name__}")
    ok, wrong = cases.own_ok, ~cases.own_ok
    return {"own_ok": float(_rate(cases.own_right, ok)), "own_wrong": float(_rate(cases.own_right, wrong)),
            "true_for_wrong": float(_rate(cases.true_right, wrong)), "n_ok": int(ok.sum()), "n_wrong": int(wrong.sum()),
            "only_true": int((wrong & cases.true_right & ~cases.own_right).sum()),
            "only_own": int((wrong & cases.own_right & ~cases.true_right).sum())}


def draw_exposure(curves, fig=None, title="Next word: true prefix vs the model's own"):
    """Per-position accuracy given the true prefix and given the model's own, over all cases (left) and over the
    cases whose own prefix already holds a mistake (right). curves: one ExposureCurves or a list (one per
    training seed: thin lines, their median thick). Positions without data are left out; legend below."""
    runs = [curves] if isinstance(curves, ExposureCurves) else list(curves)
    if not runs or not all(isinstance(c, ExposureCurves) for c in runs):
        raise ValueError("curves must be an ExposureCurves or a non-empty list of them")
    fig = figure_or_new(fig, (8.5, 4.0))
    axes = fig.subplots(1, 2, sharey=True)
    pairs = (("true_prefix", "own_prefix", "all captions"), ("true_for_wrong", "own_wrong", "own prefix already wrong"))
    styles = (("true prefix (teacher forcing)", "tab:blue", "o-"), ("own prefix (free running)", "tab:red", "s-"))
    for ax, (a, b, name) in zip(axes, pairs):
        for field, (label, colour, marker) in zip((a, b), styles):
            p = max(len(getattr(c, field)) for c in runs)
            ys = np.full((len(runs), p), np.nan)
            for k, c in enumerate(runs):
                ys[k, :len(getattr(c, field))] = getattr(c, field)
            t = np.arange(1, p + 1)
            for y in ys if len(runs) > 1 else ():
                ax.plot(t, y, "-", color=colour, alpha=0.3, lw=1)
            with np.errstate(all="ignore"):
                med = np.array([np.median(col[~np.isnan(col)]) if (~np.isnan(col)).any() else np.nan for col in ys.T])
            ax.plot(t[~np.isnan(med)], med[~np.isnan(med)], marker, color=colour, lw=2, ms=5, label=label)
        ax.set_title(name, fontsize=12)
        ax.set_xlabel("word position t", fontsize=11)
        ax.set_ylim(-0.02, 1.02)
        ax.tick_params(labelsize=10)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("top word right (fraction)", fontsize=11)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=11, frameon=False)
    fig.suptitle(title, fontsize=13)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig
