"""Checker for clipping by global norm, which recognises the usual mistakes (squared norm, per-array, ...)."""
from __future__ import annotations

import numpy as np

from ..clipping import clip_by_global_norm, clip_elementwise, clip_squared_norm_erratum, global_norm
from ..gradcheck import rel_error
from .harness import call_student, compare_outputs, report_pass

__all__ = ["CLIP_MISTAKES", "check_clip_by_norm"]


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


def check_clip_by_norm(student_fn):
    """Check a student's clip_by_norm(grads, max_norm) -> list of clipped arrays (same order and shapes).

    Three seeded cases: global norm above max_norm, below it, and one where a single array carries
    most of the norm (per-array clipping gives a different answer). Compared with
    g * min(1, max_norm / ||g||) over all arrays together; a known mistake gets a specific hint.
    Returns the largest relative error; raises AssertionError otherwise.
    """
    errors = []
    cases = [("norm above max_norm", (4, 3), 3.0, 5.0), ("norm below max_norm", (3, 2), 0.05, 5.0),
             ("one large array", (5, 4), 1.0, 2.0)]
    for seed, (case, (H, D), scale, max_norm) in enumerate(cases):
        rng = np.random.default_rng(300 + seed)
        grads = [scale * rng.normal(size=(H, D)), scale * rng.normal(size=(H, H)), scale * rng.normal(size=H)]
        if case == "one large array":
            grads[1] = grads[1] * 20.0
        expected = dict(zip(("dW_xh", "dW_hh", "db_h"), _clip_reference(grads, max_norm)))
        total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
        originals = [g.copy() for g in grads]
        got = call_student(student_fn, {"grads": grads, "max_norm": max_norm}, "clip_by_norm")
        for name, before, after in zip(expected, originals, grads):
            if not np.array_equal(before, after):
                raise AssertionError(f"clip_by_norm changed the input gradient {name} in place; return new "
                                     f"arrays (g * factor), do not use g *= factor.")
        got = list(got) if isinstance(got, (tuple, list)) else got
        shared = None
        if isinstance(got, list) and len(got) == 3 and all(np.shape(g) == np.shape(e) for g, e in zip(got, expected.values())):
            for mode, hint in CLIP_MISTAKES.items():
                wrong = _clip_reference(grads, max_norm, mode)
                if all(rel_error(g, w) < 1e-6 for g, w in zip(got, wrong)) and any(
                        rel_error(w, e) > 1e-6 for w, e in zip(wrong, expected.values())):
                    shared = hint
        errors.append(compare_outputs("clip_by_norm", got, expected, shared_hint=shared,
                                      hints={n: shared for n in expected} if shared else None,
                                      case=f"{case}: global norm {total:.3g}, max_norm {max_norm}"))
    return report_pass("clip_by_norm", expected, errors)
