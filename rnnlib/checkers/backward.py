"""Checkers for the backward pass of the tanh RNN: one step (rnn_step_backward) and the BPTT loop (rnn_backward)."""
from __future__ import annotations

import numpy as np

from ..gradcheck import rel_error
from ..rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from .harness import TOL, call_student, case_rng, compare_outputs, draw_sizes, fresh_rng, report_pass

__all__ = ["check_rnn_step_backward", "check_rnn_backward"]


STEP_HINTS = {
    "dx": "dx = da @ W_xh with da = dh_next * (1 - h_next**2); check the term that multiplies x.",
    "dh_prev": "check the term that multiplies h_prev: in row form dh_prev = da @ W_hh "
               "(the column form's W_hh^T da, transposed), not da @ W_hh.T.",
    "dW_xh": "dW_xh = da.T @ x, shape (H, D): one outer product per example, summed over the batch.",
    "dW_hh": "check the term that multiplies h_prev: dW_hh = da.T @ h_prev, shape (H, H).",
    "db_h": "db_h = da summed over the batch (axis 0), shape (H,).",
}
STEP_SHARED = "da = dh_next * (1 - h_next**2), the tanh derivative written with the cached output h_next."


def check_rnn_step_backward(student_fn, rng=None):
    """Check a student's rnn_step_backward(dh_next, cache) -> (dx, dh_prev, dW_xh, dW_hh, db_h).

    Runs it on three seeded cases (D != H, so transposes show up) against rnnlib.rnn.rnn_step_backward;
    rng (a Generator or int) draws three fresh cases of random sizes instead.
    Returns the largest relative error; raises AssertionError naming the wrong gradient otherwise.
    """
    errors, rng = [], fresh_rng(rng)
    for seed, sizes in enumerate([(2, 3, 4), (3, 5, 2), (1, 4, 4)]):
        N, D, H = draw_sizes(rng, sizes)
        r = case_rng(rng, 100 + seed)
        h_next, cache = rnn_step_forward(r.normal(size=(N, D)), r.normal(size=(N, H)),
                                         r.normal(scale=0.5, size=(H, D)), r.normal(scale=0.5, size=(H, H)),
                                         r.normal(scale=0.5, size=H))
        dh_next = r.normal(size=h_next.shape)  # (N, H)
        expected = dict(zip(("dx", "dh_prev", "dW_xh", "dW_hh", "db_h"), rnn_step_backward(dh_next, cache)))
        got = call_student(student_fn, {"dh_next": dh_next, "cache": cache}, "rnn_step_backward")
        errors.append(compare_outputs("rnn_step_backward", got, expected, STEP_HINTS, STEP_SHARED,
                                      case=f"N={N}, D={D}, H={H}"))
    return report_pass("rnn_step_backward", expected, errors)


SHARED_WEIGHTS_HINT = "W_xh, W_hh and b_h are shared by every step, so add (+=) each step's share; do not overwrite it."
LOOP_HINTS = {
    "dx": "store each step's dx in dx[:, t].",
    "dh0": "dh0 is the gradient carried out of the first step (t = 0): return the carry after the loop.",
    "dW_xh": SHARED_WEIGHTS_HINT,
    "dW_hh": SHARED_WEIGHTS_HINT,
    "db_h": SHARED_WEIGHTS_HINT,
}
LOOP_SHARED = ("go backwards in time (t = T-1 down to 0) and give step t the sum dh[:, t] + the gradient "
               "carried back from step t + 1.")
CARRY_HINT = ("dx is right at the last step but wrong before it: step t must receive dh[:, t] plus the "
              "dh_prev that step t + 1 returned (the carry).")


def check_rnn_backward(student_fn, rng=None):
    """Check a student's BPTT loop rnn_backward(dh, cache) -> (dx, dh0, dW_xh, dW_hh, db_h).

    `cache` is rnnlib's RNNCache (x, h0, h, W_xh, W_hh). Three seeded cases against
    rnnlib.rnn.rnn_backward (rng: three fresh cases of random sizes instead). Returns the largest
    relative error; raises AssertionError otherwise.
    """
    errors, rng = [], fresh_rng(rng)
    for seed, sizes in enumerate([(2, 4, 3, 5), (3, 1, 2, 3), (1, 6, 4, 4)]):
        N, T, D, H = draw_sizes(rng, sizes)
        r = case_rng(rng, 200 + seed)
        h, cache = rnn_forward(r.normal(size=(N, T, D)), r.normal(size=(N, H)),
                               r.normal(scale=0.5, size=(H, D)), r.normal(scale=0.5, size=(H, H)),
                               r.normal(scale=0.5, size=H))
        dh = r.normal(size=h.shape)  # (N, T, H)
        expected = dict(zip(("dx", "dh0", "dW_xh", "dW_hh", "db_h"), rnn_backward(dh, cache)))
        got = call_student(student_fn, {"dh": dh, "cache": cache}, "rnn_backward")
        hints, shared = dict(LOOP_HINTS), LOOP_SHARED
        if isinstance(got, (tuple, list)) and got and np.shape(got[0]) == expected["dx"].shape and T > 1:
            dx = np.asarray(got[0], dtype=np.float64)
            last_right = rel_error(dx[:, -1], expected["dx"][:, -1]) <= TOL
            if last_right and rel_error(dx, expected["dx"]) > TOL:  # a specific diagnosis beats the generic one
                hints["dx"] = shared = CARRY_HINT
        errors.append(compare_outputs("rnn_backward", got, expected, hints, shared,
                                      case=f"N={N}, T={T}, D={D}, H={H}"))
    return report_pass("rnn_backward", expected, errors)
