"""Checker for clipping by global norm, which recognises the usual mistakes (squared norm, per-array, ...)."""
from __future__ import annotations

import numpy as np

from ..clipping import clip_by_global_norm, clip_elementwise, clip_squared_norm_erratum, global_norm
from ..gradcheck import rel_error
from .harness import TOL, call_student, case_rng, compare_outputs, draw_sizes, fresh_rng, report_pass

__all__ = ["CLIP_MISTAKES", "CLIP_TOL", "check_clip_by_norm"]


def _clip_reference(grads, max_norm, mode="global"):
    """Reference clipping and the usual mistakes, to recognise which one a student made.

    The right rule, the squared-norm erratum and element-wise clipping are rnnlib.clipping's (the
    erratum applied to all arrays stacked into one vector); the other two mistakes are only here.
    """
    if mode == "global":
        return clip_by_global_norm(grads, max_norm, eps=0.0)[0]
    if mode == "squared":
        flat = clip_squared_norm_erratum(np.concatenate([np.ravel(g) for g in grads]), max_norm)
        return [part.reshape(np.shape(g)) for part, g in zip(np.split(flat, np.cumsum([np.size(g) for g in grads])[:-1]), grads)]
    if mode == "per_array":
        return [clip_by_global_norm([g], max_norm, eps=0.0)[0][0] for g in grads]
    if mode == "always":  # rescales to max_norm even when the norm is already smaller
        return [g * max_norm / global_norm(grads) for g in grads]
    return clip_elementwise(grads, max_norm)  # "elementwise"


CLIP_MISTAKES = {
    "squared": "you compare and divide by the SQUARED norm (np.sum(g * g)); take its square root first.",
    "per_array": "you clip each array by its own norm; clip by the GLOBAL norm of all arrays together "
                 "(sqrt of the sum of every array's sum of squares), with one common factor.",
    "always": "you rescale even when the norm is below max_norm; leave those gradients unchanged "
              "(factor min(1, max_norm / norm)).",
    "elementwise": "you clip each entry (np.clip); that changes the direction. Rescale the whole "
                   "gradient by max_norm / norm instead.",
}


CLIP_TOL = 1e-5  # accepts the course's and torch's own rule, max_norm / (norm + 1e-6), on norms >= 1


def _clip_cases(rng):
    """(case label, grads, max_norm): the notebook's three fixed cases, or three fresh ones from rng."""
    fixed = [("norm above max_norm", (4, 3), 3.0, 5.0), ("norm below max_norm", (3, 2), 0.05, 5.0),
             ("one large array", (5, 4), 1.0, 2.0)]
    for seed, (case, sizes, scale, max_norm) in enumerate(fixed):
        H, D = draw_sizes(rng, sizes)
        r = case_rng(rng, 300 + seed)
        grads = [scale * r.normal(size=(H, D)), scale * r.normal(size=(H, H)), scale * r.normal(size=H)]
        if case == "one large array":
            grads[1] = grads[1] * 20.0
        if rng is not None:  # a global norm in [1, 10], max_norm below it, or above it for the second case
            norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
            grads = [g * (float(rng.uniform(1, 10)) / norm) for g in grads]
            norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
            factor = rng.uniform(1.1, 3.0) if case == "norm below max_norm" else rng.uniform(0.2, 0.9)
            max_norm = float(factor * norm)
        yield case, grads, max_norm


def check_clip_by_norm(student_fn, rng=None):
    """Check a student's clip_by_norm(grads, max_norm) -> list of clipped arrays (same order and shapes).

    Three seeded cases: global norm above max_norm, below it, and one where a single array carries
    most of the norm (per-array clipping gives a different answer); rng draws three fresh cases of the
    same kinds. Compared with g * min(1, max_norm / ||g||) over all arrays together, within CLIP_TOL, so
    that the ε of rnnlib's and torch's rule, max_norm / (||g|| + 1e-6), passes too; a known mistake
    gets a specific hint. Returns the largest relative error; raises AssertionError otherwise.
    """
    errors, rng = [], fresh_rng(rng)
    for case, grads, max_norm in _clip_cases(rng):
        expected = dict(zip(("dW_xh", "dW_hh", "db_h"), _clip_reference(grads, max_norm)))
        total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
        got = call_student(student_fn, {"grads": grads, "max_norm": max_norm}, "clip_by_norm")
        got = list(got) if isinstance(got, (tuple, list)) else got
        shared = None
        if isinstance(got, list) and len(got) == 3 and all(np.shape(g) == np.shape(e) for g, e in zip(got, expected.values())):
            for mode, hint in CLIP_MISTAKES.items():
                wrong = _clip_reference(grads, max_norm, mode)
                if all(rel_error(g, w) < CLIP_TOL for g, w in zip(got, wrong)) and any(
                        rel_error(w, e) > CLIP_TOL for w, e in zip(wrong, expected.values())):
                    shared = hint
        errors.append(compare_outputs("clip_by_norm", got, expected, shared_hint=shared, tol=CLIP_TOL,
                                      hints={n: shared for n in expected} if shared else None,
                                      case=f"{case}: global norm {total:.3g}, max_norm {max_norm:.3g}"))
    worst = max(max(e.values()) for e in errors)
    return report_pass("clip_by_norm", expected, errors, tol=TOL if worst <= TOL else CLIP_TOL)
