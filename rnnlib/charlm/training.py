"""Training loop for rnnlib.charlm: N streams, truncated BPTT, global-norm clipping, Adagrad.

Each of the N streams reads its own contiguous piece of the text (rnnlib.charlm.make_streams),
T characters per update; the hidden state at the end of one chunk is the initial state of the
next (truncated BPTT: the gradient stops at the chunk boundary, the state does not). At the end
of a pass through the text every stream starts again from h = 0. The budget is a number of
steps (reproducible) or of seconds (for benchmarks; at least one step is always taken).

At every evaluation, training and validation text are scored the same way: rnnlib.charlm.evaluate_nats
with the current weights on a fixed slice of the training text (its first len(val_data)
characters) and on the validation text, so their difference is a real generalization gap. The
running mean of the minibatch losses (weights changing while it is averaged) is kept separately.
"""
from __future__ import annotations

import math
import time
from typing import NamedTuple

import numpy as np

from .._validate import check_array, check_number, check_positive_int, check_rng
from ..clipping import clip_by_global_norm
from ..optim import Adagrad
from ..progress import progress as progress_bar
from .model import (PARAM_NAMES, charlm_backward, charlm_forward_unchecked, check_char_indices, check_params,
                    evaluate_nats, init_params, loss_report, make_streams)

__all__ = ["CharLMRecord", "CharLMTrainResult", "train_charlm", "keep_freed_memory"]


def keep_freed_memory(pad_bytes=64 << 20):
    """Ask glibc's malloc to keep freed memory in the process instead of returning it to the OS.

    A training step allocates and frees arrays of a few hundred kB (hidden states, scores). By
    default glibc hands freed memory at the top of the heap back to the OS, so the next step
    page-faults it in again; on some machines (virtualized ones especially) that costs as much as
    the arithmetic. Command-line entry points (the charlm CLI, the benchmark) call this once; it is
    a process-wide setting, so library functions never do. Returns True if it was applied (glibc
    only), False elsewhere.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        M_TRIM_THRESHOLD, M_TOP_PAD = -1, -2  # from glibc's <malloc.h>
        return bool(libc.mallopt(M_TOP_PAD, pad_bytes) and libc.mallopt(M_TRIM_THRESHOLD, 4 * pad_bytes))
    except (OSError, AttributeError, TypeError):  # not glibc: nothing to tune
        return False


class CharLMRecord(NamedTuple):
    """One evaluation of train_charlm, as its callback receives it."""

    step: int  # updates made so far
    train_nats: float  # evaluate_nats(params, train_data[:len(val_data)])
    val_nats: float  # evaluate_nats(params, val_data)
    running_nats: float  # mean minibatch loss per character since the previous evaluation
    params: dict  # the parameters being trained (the live dict: copy it to keep this state)
    memory: dict  # Adagrad's running sums of squared (clipped) gradients, per parameter (live, like params)


class CharLMTrainResult(NamedTuple):
    """What train_charlm returns; the lists have one entry per evaluation."""

    params: dict
    steps: list  # step numbers at which we evaluated
    train_nats: list  # evaluate_nats(params, train_data[:len(val_data)]) at that step
    val_nats: list  # evaluate_nats(params, val_data) at that step
    chars: int  # training characters processed (steps * N * T)
    seconds: float  # wall time of the training loop (evaluations during it included, the final one not)
    running_nats: list  # mean minibatch loss per character since the previous evaluation
    grad_norms: list  # the global gradient norm of every step, before clipping (clipped where > max_norm)
    memory: dict  # Adagrad's running sums of squared (clipped) gradients at the end, per parameter


def train_charlm(train_data, val_data, V, *, steps=None, seconds=None, lr=0.1, batch_size=32, hidden_size=100,
                 seq_length=25, max_norm=0.2, eval_every=100, rng=None, progress=True, callback=None, params=None,
                 dtype=np.float32, eps=1e-8):
    """Train a character RNN with truncated BPTT, global-norm clipping and Adagrad.

    Inputs:
    - train_data, val_data: 1-D int arrays of character indices in [0, V).
    - V: vocabulary size; hidden_size (H), seq_length (T), batch_size (N streams), lr, max_norm.
      max_norm clips the gradient of the mean loss per character. The default 0.2 is 5 / 25: for
      T = 25 it is the same clip as a norm of 5 on the gradient of the loss summed over each
      stream's T characters and averaged over the N streams (min-char-rnn's loss, which
      rnnlib.charlm.loop keeps), T times larger; for another T pass 5 / T to keep that match. The
      training equals the summed version's only with eps / T**2 in place of its eps: Adagrad's step
      lr * g / sqrt(G + eps) is unchanged when g is T times larger and eps T**2 times larger.
    - steps or seconds: the budget; exactly one. Use steps for reproducible output. A seconds
      budget always runs at least one step, so every result has at least one evaluation.
    - eval_every: evaluate every this many steps (and at the end) on val_data and on the same
      number of characters from the start of train_data, with the same function (evaluate_nats).
    - rng: np.random.Generator, an int seed or None (fresh), for the initial weights (if params is None).
    - progress: show a tqdm.auto bar (rnnlib.progress; TQDM_DISABLE=1 turns it off).
    - callback(record): called after each evaluation with a CharLMRecord (step, train_nats, val_nats,
      running_nats, params, memory), e.g. to print a sample.
    - dtype of new params; eps: Adagrad's eps, inside the square root as in min-char-rnn (1e-8 there).
    - params: optional parameters to continue training from; they are updated IN PLACE (and
      returned as result.params), like min-char-rnn's weights.
    Returns: CharLMTrainResult. Raises FloatingPointError with a clear message if the loss is not finite.
    """
    if (steps is None) == (seconds is None):
        raise ValueError(f"give exactly one budget, steps or seconds; got steps={steps!r}, seconds={seconds!r}")
    if seconds is not None and not seconds > 0:
        raise ValueError(f"seconds must be positive; got {seconds!r}")
    steps = None if steps is None else check_positive_int("steps", steps)
    eval_every = check_positive_int("eval_every", eval_every)
    hidden_size, seq_length = check_positive_int("hidden_size", hidden_size), check_positive_int("seq_length", seq_length)
    batch_size = check_positive_int("batch_size", batch_size)
    lr, max_norm = check_number("lr", lr, 0, low_open=True), check_number("max_norm", max_norm, 0, low_open=True)
    eps = check_number("eps", eps, 0)
    params = init_params(V, hidden_size, check_rng("rng", rng), dtype) if params is None else params
    H = check_params(params)["H"]
    streams = make_streams(train_data, batch_size, seq_length)  # (N, S + 1)
    check_array("val_data", val_data, ("L",), kind="int")
    check_char_indices("train_data", streams, V)
    optimizer = Adagrad(params, lr=lr, eps=eps, eps_inside=True)  # min-char-rnn's form, in place on params
    memory = {k: state["sum"] for k, state in optimizer.state.items()}
    n_chunks = (streams.shape[1] - 1) // seq_length
    train_slice = np.asarray(train_data)[:max(len(val_data), 2)]  # scored like val_data
    result = CharLMTrainResult(params, [], [], [], 0, 0.0, [], [], memory)
    h, running, n_running, step = None, 0.0, 0, 0
    bar = progress_bar(total=steps, unit="step", desc="training", enabled=progress)
    start = time.perf_counter()
    while step < steps if steps is not None else (step == 0 or time.perf_counter() - start < seconds):
        k = step % n_chunks
        if k == 0:
            h = np.zeros((batch_size, H), dtype=params["W_hh"].dtype)  # new epoch: fresh state
        x = streams[:, k * seq_length:(k + 1) * seq_length]
        y = streams[:, k * seq_length + 1:(k + 1) * seq_length + 1]
        loss, cache = charlm_forward_unchecked(params, x, y, h)  # inputs validated once, above
        if not math.isfinite(loss):
            bar.close()
            raise FloatingPointError(f"training diverged: the loss is {loss} at step {step}; "
                                     f"try a smaller lr (now {lr}) or max_norm (now {max_norm})")
        grads = charlm_backward(cache)  # PARAM_NAMES and h0: the initial state is no parameter
        grads, norm = clip_by_global_norm({k: grads[k] for k in PARAM_NAMES}, max_norm)
        optimizer.step(grads)
        result.grad_norms.append(float(norm))
        h, step = cache.h_last, step + 1
        running, n_running = running + loss, n_running + 1
        bar.update(1)
        if step % eval_every == 0:
            _record(result, params, train_slice, val_data, step, running / n_running, callback)
            running, n_running = 0.0, 0
            bar.set_postfix(val_bpc=f"{loss_report(result.val_nats[-1]).bpc:.3f}")
    bar.close()
    elapsed = time.perf_counter() - start
    if n_running:
        _record(result, params, train_slice, val_data, step, running / n_running, callback)
    return result._replace(chars=step * batch_size * seq_length, seconds=elapsed)


def _record(result, params, train_slice, val_data, step, running_nats, callback):
    result.steps.append(step)
    result.running_nats.append(running_nats)
    result.train_nats.append(evaluate_nats(params, train_slice))
    result.val_nats.append(evaluate_nats(params, val_data))
    if callback is not None:
        callback(CharLMRecord(step, result.train_nats[-1], result.val_nats[-1], running_nats, params, result.memory))
