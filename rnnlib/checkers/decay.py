"""Checker for how fast gradients shrink: a student's prediction against distances measured on real passes."""
from __future__ import annotations

import numpy as np

from ..jacobians import gradient_norm_curve
from .harness import call_student, fresh_rng

__all__ = ["check_shrink_steps"]


def _fresh_cases(rng, count=3):
    """(sigma_max, tol) pairs drawn from rng, none on a rounding edge (sigma_max**k == tol)."""
    cases = []
    while len(cases) < count:
        sigma, tol = float(rng.uniform(0.3, 0.95)), float(10 ** rng.uniform(-4, -1))
        k = np.log(tol) / np.log(sigma)
        if abs(k - round(k)) > 1e-3:
            cases.append((round(sigma, 4), tol))
    return tuple(cases)


def check_shrink_steps(student_fn, cases=((0.5, 1e-6), (0.7, 1e-2), (0.9, 1e-3), (0.95, 0.1)), rng=None):
    """Check a student's steps_to_shrink(sigma_max, tol) against distances measured on real passes.

    The measurement: W_hh = sigma_max * (random orthogonal), the linear recurrence, T = 80, and the
    first distance k at which ||dh_T / dh_{T-k}||_2 (true Jacobian products, rnnlib.jacobians)
    is below tol on every sequence. rng (a Generator or int) draws three fresh cases instead of `cases`
    (and a fresh measurement seed). Returns 0.0 (the answers are integers); raises AssertionError
    with a hint otherwise.
    """
    wrong, rng = [], fresh_rng(rng)
    if rng is not None:
        cases = _fresh_cases(rng)
    for sigma, tol in cases:
        seed = 7 if rng is None else int(rng.integers(1000))
        k_max = int(np.ceil(np.log(tol) / np.log(sigma))) + 5
        norms = gradient_norm_curve(sigma, "linear", "normal", T=max(80, k_max), seed=seed)  # (N, T + 1)
        measured = int(np.argmax(np.all(norms < tol, axis=0)))
        got = call_student(student_fn, {"sigma_max": sigma, "tol": tol}, "steps_to_shrink")
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer, float, np.floating)):
            raise AssertionError(f"steps_to_shrink({sigma}, {tol}) must return one number; got {type(got).__name__}")
        if got != measured:
            wrong.append((sigma, tol, got, measured))
    if wrong:
        sigma, tol, got, measured = wrong[0]
        hint = ("each step multiplies the norm by exactly sigma_max here, so after k steps it is "
                "sigma_max**k; find the smallest integer k with sigma_max**k < tol.")
        if got == measured - 1:
            hint = "off by one: at that k the norm is still at or above tol; you want the first k below it."
        elif isinstance(got, (float, np.floating)) and not float(got).is_integer():
            hint = "a distance is a whole number of steps: round up to the first integer k that gets below tol."
        raise AssertionError(f"steps_to_shrink is wrong for {len(wrong)} of {len(cases)} cases, e.g. "
                             f"sigma_max={sigma}, tol={tol:g}: you said {got}, the measured distance is "
                             f"{measured}. Hint: {hint}")
    listed = ", ".join(f"(σ_max={s:g}, tol={t:g})" for s, t in cases)
    print(f"steps_to_shrink: correct on all {len(cases)} cases {listed}.")
    return 0.0
