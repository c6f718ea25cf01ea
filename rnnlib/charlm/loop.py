"""The per-character loop, written the way min-char-rnn is: the benchmark baseline and the bug lab.

One character at a time, one-hot input vectors, matrix-vector products and per-step dictionaries
(xs, hs, ps), batch size 1. Vectors are 1-D, so W @ v here is the same as v @ W.T in the row
convention used elsewhere; the parameter dicts are those of rnnlib.charlm.

It also reproduces, behind switches, the bugs found in the slides' copies of min-char-rnn,
so that each can be shown doing damage (see BUGS). rnnlib.charlm is the correct, fast version;
the tests check that this loop with no bugs gives exactly its gradients times T: like min-char-rnn,
the loop differentiates the loss summed over the chunk's T characters, charlm their mean.
The checkers of notebook 02's exercises on this loop are in rnnlib.checkers.charloop.
"""
from __future__ import annotations

import functools
import math
import time
from typing import NamedTuple

import numpy as np

from .model import PARAM_NAMES, check_params, init_params
from ..clipping import clip_by_global_norm
from .._validate import check_rng
from ..optim import Adagrad
from ..progress import progress as progress_bar

__all__ = ["BUGS", "LoopRecord", "LoopTrainResult", "loop_loss_and_grads", "loop_step_backward",
           "loop_adagrad_update", "loop_train", "bug_gradient_errors"]

BUGS = {  # switch -> (what a slide wrote, what is right)
    "bias_sign": ("ys[t] = np.dot(why, hs[t]) - by", "ys[t] = np.dot(why, hs[t]) + by"),
    "tanh_grad": ("(i - hs[t].T) * dh   (read: (1 - h) * dh)", "(1 - hs[t] ** 2) * dh"),
    "dhnext_why": ("dhnext = np.dot(why.T, dhraw)", "dhnext = np.dot(whh.T, dhraw)"),
    "clip_in_loop": ("clipping inside the backward time loop", "clip once, after the loop"),
    "update_param": ("param -= -learning_rate * param / np.sqrt(mem + 1e-8)",
                     "param -= learning_rate * dparam / np.sqrt(mem + 1e-8)"),
}


def _check_bugs(bugs):
    unknown = sorted(set(bugs) - set(BUGS))
    if unknown:
        raise ValueError(f"bugs must be names from {sorted(BUGS)}; got unknown {unknown}")
    return frozenset(bugs)


def loop_step_backward(dy, h, h_prev, x, dh_next, params, bugs=()):
    """Backward pass of one character. 1-D vectors: dy (V,) = p - onehot(target), h, h_prev (H,),
    x (V,) one-hot, dh_next (H,) from the step after. Returns (grads dict for this step, dh_prev (H,))."""
    dh = params["W_hy"].T @ dy + dh_next  # (H,)
    da = (1.0 - h) * dh if "tanh_grad" in bugs else (1.0 - h * h) * dh  # (H,) through tanh
    back = params["W_hy"] if "dhnext_why" in bugs else params["W_hh"]
    grads = {"W_xh": np.outer(da, x), "W_hh": np.outer(da, h_prev), "b_h": da,
             "W_hy": np.outer(dy, h), "b_y": dy}
    return grads, back.T @ da  # dh_prev (H,); with the bug only defined when V == H


def loop_loss_and_grads(params, inputs, targets, h_prev, bugs=(), max_norm=None, step_backward=None):
    """Loss (summed over the chunk, nats) and gradients of one chunk, one character at a time.

    Inputs: params dict; inputs, targets: sequences of T character indices; h_prev (H,);
    bugs: switches from BUGS; max_norm: clip by global norm (after the loop, or at every step with
    the "clip_in_loop" bug); step_backward: replaces loop_step_backward (for exercises).
    Returns: (loss, grads dict, h_last (H,)).
    """
    bugs = _check_bugs(bugs)
    if step_backward is None:
        step_backward = functools.partial(loop_step_backward, bugs=bugs)
    V = params["W_hy"].shape[0]
    xs, hs, ps = {}, {-1: np.array(h_prev, dtype=params["W_hh"].dtype)}, {}
    b_y = -params["b_y"] if "bias_sign" in bugs else params["b_y"]
    loss = 0.0
    for t, c in enumerate(inputs):
        xs[t] = np.zeros(V, dtype=params["W_xh"].dtype)
        xs[t][c] = 1.0
        hs[t] = np.tanh(params["W_xh"] @ xs[t] + params["W_hh"] @ hs[t - 1] + params["b_h"])  # (H,)
        y = params["W_hy"] @ hs[t] + b_y  # (V,)
        e = np.exp(y - y.max())
        ps[t] = e / e.sum()
        loss -= math.log(ps[t][targets[t]])
    grads = {k: np.zeros_like(params[k]) for k in PARAM_NAMES}
    dh_next = np.zeros_like(hs[-1])
    for t in reversed(range(len(inputs))):
        dy = ps[t].copy()
        dy[targets[t]] -= 1.0
        step, dh_next = step_backward(dy, hs[t], hs[t - 1], xs[t], dh_next, params)
        for k in PARAM_NAMES:
            grads[k] += step[k]
        if max_norm is not None and "clip_in_loop" in bugs:
            grads, _ = clip_by_global_norm(grads, max_norm)
    if max_norm is not None and "clip_in_loop" not in bugs:
        grads, _ = clip_by_global_norm(grads, max_norm)
    return loss, grads, hs[len(inputs) - 1]


def loop_adagrad_update(params, grads, memory, lr=0.1, bugs=()):
    """Adagrad one parameter at a time, in place; the "update_param" bug uses the parameter, not its gradient."""
    bugs = _check_bugs(bugs)
    for k in PARAM_NAMES:
        memory[k] += grads[k] * grads[k]
        if "update_param" in bugs:
            params[k] -= -lr * params[k] / np.sqrt(memory[k] + 1e-8)
        else:
            params[k] -= lr * grads[k] / np.sqrt(memory[k] + 1e-8)


class LoopRecord(NamedTuple):
    """One update of loop_train, as its callback receives it."""

    step: int  # updates made so far
    train_nats: float  # mean loss per character (nats) of the chunk just trained on
    params: dict  # the parameters being trained (the live dict)


class LoopTrainResult(NamedTuple):
    """What loop_train returns: one record per update (steps 1, 2, ...)."""

    params: dict
    steps: list  # step number of each record
    train_nats: list  # mean loss per character (nats) of every chunk
    chars: int  # characters trained on
    seconds: float


def loop_train(data, V, *, steps=None, seconds=None, lr=0.1, hidden_size=100, seq_length=25, max_norm=5.0,
               bugs=(), rng=None, progress=True, callback=None, params=None, dtype=np.float64):
    """Train with the per-character loop, min-char-rnn style (batch 1, h carried, reset each pass).

    Budget: steps or seconds (exactly one; a seconds budget always runs at least one step). rng: a
    np.random.Generator, an int seed or None, for the initial weights (if params is None); progress: a
    tqdm.auto bar; callback(record) after every update with a LoopRecord. Batch size 1: no batch_size.
    Raises FloatingPointError naming the step, the loss and lr if the loss is not finite.
    Returns: LoopTrainResult.
    """
    if (steps is None) == (seconds is None):
        raise ValueError(f"give exactly one budget, steps or seconds; got steps={steps!r}, seconds={seconds!r}")
    params = init_params(V, hidden_size, check_rng("rng", rng), dtype) if params is None else params
    H = check_params(params)["H"]
    data = np.asarray(data)
    optimizer = Adagrad(params, lr=lr, eps=1e-8, eps_inside=True)  # min-char-rnn's Adagrad, in place on params
    losses, p, h, step = [], 0, np.zeros(H, dtype), 0
    bar = progress_bar(total=steps, unit="step", desc="loop", enabled=progress)
    start = time.perf_counter()
    while step < steps if steps is not None else (step == 0 or time.perf_counter() - start < seconds):
        if p + seq_length + 1 > len(data):
            p, h = 0, np.zeros(H, dtype)  # back to the start of the text with a fresh state
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # divergence is reported below
            loss, grads, h = loop_loss_and_grads(params, data[p:p + seq_length], data[p + 1:p + seq_length + 1],
                                                 h, bugs, max_norm)
            if "update_param" in bugs:  # the catalogued mistake needs the hand-written update that makes it
                loop_adagrad_update(params, grads, {k: s["sum"] for k, s in optimizer.state.items()}, lr, bugs)
            else:
                optimizer.step(grads)
        if not math.isfinite(loss) or not all(np.isfinite(params[k]).all() for k in PARAM_NAMES):
            bar.close()
            raise FloatingPointError(f"training diverged at step {step} (bugs={sorted(bugs)}): loss {loss:.4g}, "
                                     f"all parameters finite: {all(np.isfinite(params[k]).all() for k in PARAM_NAMES)}; "
                                     f"lr {lr}")
        losses.append(loss / seq_length)
        p, step = p + seq_length, step + 1
        bar.update(1)
        if callback is not None:
            callback(LoopRecord(step, losses[-1], params))
    bar.close()
    return LoopTrainResult(params, list(range(1, step + 1)), losses, step * seq_length, time.perf_counter() - start)


def bug_gradient_errors(bug, params, inputs, targets, h_prev):
    """Gradient check of the loop with one bug switched on (None: no bug).

    Compares the loop's analytic gradients with centered differences of its own forward loss
    (which, for "bias_sign", is the buggy forward). Returns dict name -> relative error.
    """
    from ..gradcheck import gradcheck

    bugs = () if bug is None else (bug,)
    _, grads, _ = loop_loss_and_grads(params, inputs, targets, h_prev, bugs)
    return gradcheck(lambda **p: loop_loss_and_grads(p, inputs, targets, h_prev, bugs)[0],
                     {k: params[k] for k in PARAM_NAMES}, grads)
