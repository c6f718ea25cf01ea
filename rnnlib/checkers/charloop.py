"""Checkers for notebook 02's exercises on the per-character loop (rnnlib.charlm.loop), min-char-rnn style.

- check_step_backward(step_backward): one character's backward step, run inside the loop and compared
  with the vectorized rnnlib.charlm, with a hint when the result is the slides' tanh bug;
- check_adagrad_step(adagrad_step): min-char-rnn's Adagrad update, recognising the slides' update bug.
"""
from __future__ import annotations

import numpy as np

from ..charlm import PARAM_NAMES, charlm_backward, charlm_forward, init_params
from ..charlm.loop import loop_loss_and_grads
from .. import optim
from ..gradcheck import rel_error
from .harness import NOT_IMPLEMENTED, call_student, case_rng, compare_outputs, draw_sizes, fresh_rng, report_pass

__all__ = ["check_step_backward", "check_adagrad_step"]


def _problem(V=5, H=4, T=6, seed=3, rng=None):
    rng = case_rng(rng, seed)
    params = init_params(V, H, rng, np.float64, scale=0.5)
    params["b_h"] += rng.normal(scale=0.5, size=H)
    params["b_y"] += rng.normal(scale=0.5, size=V)
    inputs, targets = rng.integers(0, V, T), rng.integers(0, V, T)
    return params, inputs, targets, rng.normal(scale=0.5, size=H)


def check_step_backward(step_backward, rng=None):
    """Check a student's one-character backward step against the vectorized rnnlib.charlm.

    Runs loop_loss_and_grads with step_backward on a fixed problem (V=5, H=4, T=6), each call on
    copies of its arguments (rnnlib.checkers.call_student refuses a function that changes them),
    compares every gradient with T times charlm_backward's (the loop's loss is the sum over the T
    characters, charlm's their mean) and names the wrong ones with their relative
    error, with a hint when the error looks like one of the slides' bugs. Raises AssertionError if
    any gradient is wrong; otherwise prints one line and returns the largest relative error. rng (a
    Generator or int) draws a fresh problem of random sizes instead.
    """
    rng = fresh_rng(rng)
    V, H, T = draw_sizes(rng, (5, 4, 6), low=2, high=7)
    params, inputs, targets, h0 = _problem(V, H, T, rng=rng)
    _, cache = charlm_forward(params, inputs[None], targets[None], h0[None])
    want = {f"d{k}": len(inputs) * v for k, v in charlm_backward(cache).items() if k in PARAM_NAMES}

    def guarded(dy, h, h_prev, x, dh_next, params):
        args = {"dy": dy, "h": h, "h_prev": h_prev, "x": x, "dh_next": dh_next, "params": params}
        out = call_student(step_backward, args, "step_backward")
        if out is None:
            raise AssertionError(NOT_IMPLEMENTED.format(what="step_backward") + " (it returned None)")
        return out

    try:
        _, got, _ = loop_loss_and_grads(params, inputs, targets, h0, step_backward=guarded)
    except AssertionError as err:
        if isinstance(err.__cause__, NotImplementedError):
            raise AssertionError(NOT_IMPLEMENTED.format(what="step_backward")) from None
        if isinstance(err.__cause__, ValueError):  # a shape error inside the student's function
            raise AssertionError(f"{err}. With V={V} and H={H}, dh_prev must come from W_hh, the only (H, H) "
                                 "matrix") from None
        raise
    got = {f"d{k}": got[k] for k in PARAM_NAMES}
    _, tanh_bug, _ = loop_loss_and_grads(params, inputs, targets, h0, bugs={"tanh_grad"})
    through_tanh = ("the output layer is right, so look at the path back through tanh (tanh'(a) = "
                    "1 - h**2, not 1 - h) and through W_hh.")
    if all(rel_error(got[f"d{k}"], tanh_bug[k]) < 1e-7 for k in PARAM_NAMES):
        through_tanh = "this is the slides' tanh bug: tanh'(a) = 1 - tanh(a)^2 = 1 - h**2, not 1 - h."
    hints = {name: through_tanh for name in ("dW_xh", "dW_hh", "db_h")}
    errors = compare_outputs("step_backward", got, want, hints=hints)
    return report_pass("step_backward", want, [errors])


def check_adagrad_step(adagrad_step, rng=None):
    """Check a student's adagrad_step(param, grad, memory, lr) -> None (in place on param and memory).

    The reference is rnnlib.optim.adagrad_step in min-char-rnn's form (eps = 1e-8 inside the root).
    rng (a Generator or int) draws fresh arrays of a random shape instead of the fixed (3, 2) ones."""
    rng = fresh_rng(rng)
    shape = draw_sizes(rng, (3, 2))
    r = case_rng(rng, 4)
    param, grad, memory = r.normal(size=shape), r.normal(size=shape), r.random(shape)
    want, want_memory = param.copy(), memory.copy()
    optim.adagrad_step(want, grad, want_memory, 0.1, 1e-8, eps_inside=True)
    bug = param + 0.1 * param / np.sqrt(want_memory + 1e-8)
    p, m = param.copy(), memory.copy()
    try:
        adagrad_step(p, grad.copy(), m, 0.1)
    except NotImplementedError:
        raise AssertionError(NOT_IMPLEMENTED.format(what="adagrad_step")) from None
    except Exception as exc:  # the student's bug: a failed check, the traceback kept
        raise AssertionError(f"adagrad_step raised {type(exc).__name__}: {exc}") from exc
    if np.array_equal(p, param) and np.array_equal(m, memory):
        raise AssertionError(NOT_IMPLEMENTED.format(what="adagrad_step") + " (param and memory are unchanged)")
    for name, before, after, update in (("memory", memory, m, "memory += grad * grad"),
                                        ("param", param, p, "param -= lr * grad / np.sqrt(memory + 1e-8)")):
        if np.array_equal(before, after):
            raise AssertionError(f"{name} is unchanged: update it in place ({update}); `{name} = ...` only "
                                 "gives a new array to a local name, which the caller never sees")
    if rel_error(m, want_memory) > 1e-9:
        raise AssertionError(f"memory is wrong (rel. error {rel_error(m, want_memory):.2f}); it should add grad**2")
    if rel_error(p, bug) < 1e-9:
        raise AssertionError("this is the slides' update bug: the step must use the gradient, "
                             "param -= lr * grad / sqrt(memory + eps)")
    if rel_error(p, want) > 1e-9:
        raise AssertionError(f"param is wrong after the update (rel. error {rel_error(p, want):.2f})")
    print("adagrad_step: memory and parameter updates correct")
