"""Training the numpy RNN language model of rnnlib.bptt with Adam and full BPTT: one run, and several seeds.

The model and its gradient are rnnlib.bptt's (init_rnn_lm, rnn_lm_loss_and_grads); the optimizer is
rnnlib.optim.Adam. Notebook 03 trains with it to compare truncated and full gradients on a model that
has learned something (rnnlib.truncation holds that comparison).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import check_array, check_number, check_positive_int, check_rng
from .bptt import PARAM_NAMES, check_rnn_lm_params, init_rnn_lm, rnn_lm_loss_and_grads
from .optim import Adam
from .progress import progress as progress_bar

__all__ = ["LMRecord", "train_rnn_lm", "train_seeds"]


class LMRecord(NamedTuple):
    """What train_rnn_lm hands its callback after each step."""

    step: int  # 0 .. steps-1
    loss: float  # the step's loss in nats per token (the mean that is differentiated)


def train_rnn_lm(params, x, targets, *, steps=200, lr=0.01, batch_size=8, rng=None, progress=True, callback=None):
    """Train with Adam (rnnlib.optim.Adam) and full BPTT for a fixed number of steps on windows of one
    long sequence.

    Inputs:
    - params: dict of parameters (not modified; a trained copy is returned).
    - x: (1, S, D) one long input sequence; targets: (1, S) its next tokens.
    - keyword-only: steps (number of updates), lr (Adam step size), batch_size (windows per update),
      rng (np.random.Generator, an int seed or None) choosing window starts (length 32, or S if
      shorter), progress (a bar over the steps; off when TQDM_DISABLE is set), callback (called as
      callback(record) with an LMRecord after every step).
    Returns: (trained params dict, (steps,) array of losses in nats per token: the mean that is
    differentiated). Raises FloatingPointError naming the step, the loss and lr if the loss becomes
    NaN or infinite.
    """
    steps = check_positive_int("steps", steps)
    batch_size = check_positive_int("batch_size", batch_size)
    lr = check_number("lr", lr, 0, low_open=True)
    check_rnn_lm_params(params)
    rng = check_rng("rng", rng)
    x = check_array("x", x, (1, "S", "D"))
    targets = check_array("targets", targets, (1, x.shape[1]), kind="int")
    window = min(32, x.shape[1])
    p = {name: np.array(params[name], dtype=np.float64) for name in PARAM_NAMES}
    opt = Adam(p, lr=lr)
    losses = np.empty(steps)
    h0 = np.zeros((batch_size, p["W_hh"].shape[0]))  # (N, H)
    for i in progress_bar(range(steps), desc="training", unit="step", enabled=progress):
        starts = rng.integers(0, x.shape[1] - window + 1, size=batch_size)
        idx = starts[:, None] + np.arange(window)  # (N, window)
        loss, grads = rnn_lm_loss_and_grads(p, x[0, idx], targets[0, idx], h0, reduction="mean")
        if not np.isfinite(loss):
            raise FloatingPointError(f"training diverged: loss is {loss} at step {i}; lower lr (got {lr})")
        losses[i] = loss
        opt.step({name: grads[name] for name in PARAM_NAMES})
        if callback is not None:
            callback(LMRecord(i, float(loss)))
    return p, losses


def train_seeds(x, targets, *, hidden_size, seeds, steps=200, lr=0.01, batch_size=8, progress=True):
    """Untrained and trained models for several seeds, to show a training result is not one lucky run.

    Inputs: x (1, S, V) one-hot text and targets (1, S), as train_rnn_lm; keyword-only: hidden_size (H);
    seeds: (init seed, training seed) pairs; steps, lr, batch_size: as train_rnn_lm; progress: a bar
    over the runs.
    Returns: list of (untrained params, trained params, (steps,) losses), one per pair.
    """
    hidden_size = check_positive_int("hidden_size", hidden_size)
    x = check_array("x", x, (1, "S", "V"))
    seeds = [tuple(pair) for pair in seeds]
    if not seeds or any(len(pair) != 2 for pair in seeds):
        raise ValueError(f"seeds must be a non-empty list of (init seed, training seed) pairs; got {seeds!r}")
    runs = []
    for init_seed, train_seed in progress_bar(seeds, desc="seeds", unit="run", enabled=progress):
        V = x.shape[2]
        untrained = init_rnn_lm(V, hidden_size, V, np.random.default_rng(init_seed))
        trained, losses = train_rnn_lm(untrained, x, targets, steps=steps, lr=lr, batch_size=batch_size,
                                       rng=np.random.default_rng(train_seed), progress=False)
        runs.append((untrained, trained, losses))
    return runs
