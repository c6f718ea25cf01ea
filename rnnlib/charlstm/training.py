"""Training the char-LSTM (rnnlib.charlstm.model.CharLSTM): Adam, a cosine schedule, clipping, carried state.

The training text is cut into N contiguous streams; each update reads the next T characters of
every stream, starting from the state the previous chunk left (detached: truncated BPTT), so the
model sees long context although gradients flow back only T steps. Every pass over the text starts
at a random offset in [0, T) and from a zero state. The learning rate warms up over the first
steps, then follows a cosine from lr down to floor*lr (default lr/10) over the budget: steps, or
the wall-clock seconds left for training once the final evaluation's time is set aside, so that
`--steps N` replays the schedule of a seconds run that made N updates. With `ema`, what is
evaluated and returned is an exponential moving average of the weights (Polyak averaging), which
smooths out the last updates' noise: after update k it moves towards the trained weights by
1 - min(ema, (1 + k) / (10 + k)), so it follows them closely at first.

`train_charlstm(..., seconds=S)` counts everything inside S: training, the periodic validation on
a slice of the validation text, and the final validation on all of it (training stops early enough
to leave time for it, estimated from the timed slice evaluations). It always makes at least one
update, so a budget too small for the evaluations overruns rather than returning an untrained model.
"""
from __future__ import annotations

import copy
import math
import time
from typing import NamedTuple

import numpy as np
import torch

from .._validate import check_positive_int
from .model import CharLSTM, as_index_tensor, evaluate_nats
from ..progress import progress as progress_bar
from ..seed import torch_seed
from ..threads import torch_threads

__all__ = ["CharLSTMRecord", "CharLSTMTrainResult", "EVAL_STREAMS", "lr_at", "short_run", "train_charlstm"]

EVAL_STREAMS = 64  # the loop scores validation text as 64 streams (evaluate_nats(..., streams=EVAL_STREAMS))


class CharLSTMRecord(NamedTuple):
    """One evaluation of train_charlstm, as its callback receives it."""

    step: int  # updates made so far
    seconds: float  # wall time since the start
    cpu_seconds: float  # this process's CPU time since the start, all threads: a load-independent gauge
    chars: int  # training characters read
    train_nats: float  # mean training loss since the previous record (nan at step 0)
    val_nats: float  # on the validation slice (the first eval_chars characters of val_data)


class CharLSTMTrainResult(NamedTuple):
    """What train_charlstm returns; the lists have one entry per evaluation (the first at step 0).

    - model: the trained CharLSTM (eval mode); with ema, the moving average of the weights.
    - steps, train_nats, val_nats, wall_seconds, cpu_seconds: the CharLSTMRecord fields of every
      evaluation; steps[-1] is the number of updates made, val_nats is on the validation slice.
    - final_val_nats: the loss on the whole validation data after training, nats/char.
    - seconds: total wall time, the final evaluation included.
    """
    model: CharLSTM
    steps: list
    train_nats: list
    val_nats: list
    wall_seconds: list
    cpu_seconds: list
    final_val_nats: float
    seconds: float


def lr_at(progress_fraction, lr, warmup_fraction=0.02, floor=0.1):
    """Learning rate at a fraction p in [0, 1] of the budget: linear warm-up from floor*lr to lr over the
    first warmup_fraction, then a cosine from lr down to floor*lr at p = 1."""
    p = min(max(float(progress_fraction), 0.0), 1.0)
    if p < warmup_fraction:
        return lr * (floor + (1 - floor) * p / warmup_fraction)
    q = (p - warmup_fraction) / (1 - warmup_fraction)
    return lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * q)))


def _batches(train, N, T, generator):
    """Endless (x, y, new_pass) chunks (N, T) from N streams, a random offset for every pass."""
    while True:
        offset = int(torch.randint(0, T, (1,), generator=generator))
        S = (len(train) - 1 - offset) // N
        x = train[offset: offset + N * S].view(N, S)  # (N, S)
        y = train[offset + 1: offset + N * S + 1].view(N, S)  # (N, S)
        for t in range(0, S - T + 1, T):
            yield x[:, t:t + T], y[:, t:t + T], t == 0


def train_charlstm(train_data, val_data, V, *, steps=None, seconds=None, lr=8e-3, batch_size=32, hidden_size=256,
                   layers=1, embed_size=64, seq_length=32, beta2=0.99, warmup=0.02, floor=0.1, max_norm=1.0,
                   forget_bias=None, ema=0.995, rng=0, eval_every=100, eval_chars=10000, progress=True, callback=None,
                   threads=None, elapsed_before=0.0):
    """Train a CharLSTM on index sequences; give exactly one budget: steps (reproducible) or seconds.

    Inputs: train_data (L,), val_data (M,) int indices in [0, V); sizes; Adam lr with its schedule
    (lr_at: warm-up fraction `warmup`, cosine down to floor*lr) and betas (0.9, beta2), global-norm clip max_norm;
    forget_bias: if not None, the forget gates' bias starts at this value (torch's b_ih; b_hh's forget
    part at 0) instead of torch's uniform init; ema: None, or a decay in [0, 1) for the moving average of
    the weights that is evaluated and returned (0 keeps the trained weights); rng (an int seed, default 0,
    a np.random.Generator or None; rnnlib.seed.torch_seed) for the weights and the offsets; eval_every
    updates between evaluations on the first eval_chars characters of val_data; progress: a tqdm.auto bar;
    callback(record) called after each evaluation with a CharLSTMRecord; threads: torch threads while
    training (rnnlib.threads.torch_threads; None leaves torch's setting alone); elapsed_before: seconds
    already spent (e.g. the process's start-up), counted in the seconds budget and in the reported times.
    Returns: CharLSTMTrainResult (final_val_nats on all of val_data).
    Raises FloatingPointError naming the step, the loss and lr if the loss is not finite.
    """
    with torch_threads(threads):
        return _train(train_data, val_data, V, steps, seconds, lr, batch_size, hidden_size, layers, embed_size,
                      seq_length, beta2, warmup, floor, max_norm, forget_bias, ema, rng, eval_every, eval_chars,
                      progress, callback, elapsed_before)


def _train(train_data, val_data, V, steps, seconds, lr, batch_size, hidden_size, layers, embed_size, seq_length, beta2,
           warmup, floor, max_norm, forget_bias, ema, rng, eval_every, eval_chars, progress, callback, elapsed_before):
    start, cpu_start = time.perf_counter() - float(elapsed_before), time.process_time()
    V = check_positive_int("V", V)
    train, val = as_index_tensor("train_data", train_data, V), as_index_tensor("val_data", val_data, V)
    N, T = check_positive_int("batch_size", batch_size), check_positive_int("seq_length", seq_length)
    if (steps is None) == (seconds is None):
        raise ValueError(f"give exactly one budget: steps or seconds; got steps={steps!r}, seconds={seconds!r}")
    if steps is not None:
        steps = check_positive_int("steps", steps)
    elif not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"seconds must be a finite number > 0; got {seconds!r}")
    if len(train) < N * (T + 1) + 1:
        raise ValueError(f"train_data is too short for batch_size={N}, seq_length={T}: need at least "
                         f"N*(T+1) + 1 = {N * (T + 1) + 1} characters; got {len(train)}")
    eval_every, eval_chars = check_positive_int("eval_every", eval_every), check_positive_int("eval_chars", eval_chars)
    for name, value, ok, expected in [("warmup", warmup, lambda v: 0 <= v < 1, "in [0, 1)"),
                                      ("floor", floor, lambda v: 0 <= v <= 1, "in [0, 1]"),
                                      ("beta2", beta2, lambda v: 0 <= v < 1, "in [0, 1)"),
                                      ("ema", 0.0 if ema is None else ema, lambda v: 0 <= v < 1, "in [0, 1) (or None)"),
                                      ("forget_bias", 0.0 if forget_bias is None else forget_bias, math.isfinite,
                                       "finite (or None for torch's init)")]:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not ok(value):
            raise ValueError(f"{name} must be a number {expected}; got {value!r}")
    seed = torch_seed(rng)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = CharLSTM(V, embed_size=embed_size, hidden_size=hidden_size, layers=layers)
    if forget_bias is not None:
        _set_forget_bias(model, float(forget_bias))
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, beta2))
    averaged = model if ema is None else copy.deepcopy(model)  # what is evaluated and returned
    val_slice = val[: eval_chars + 1]
    history, state, losses, step = [], None, [], 0
    eval_rate = None  # seconds per validation character, measured
    bar = progress_bar(total=steps if steps else round(seconds), unit="step" if steps else "s", enabled=progress,
                       desc="char-LSTM")

    def record():
        nonlocal eval_rate
        t0 = time.perf_counter()
        v = evaluate_nats(averaged, val_slice, streams=EVAL_STREAMS)
        eval_rate = (time.perf_counter() - t0) / len(val_slice)
        rec = CharLSTMRecord(step, time.perf_counter() - start, time.process_time() - cpu_start, step * N * T,
                             float(np.mean(losses)) if losses else float("nan"), v)
        history.append(rec)
        losses.clear()
        if callback is not None:
            callback(rec)
        model.train()

    record()
    for x, y, new_pass in _batches(train, N, T, gen):
        elapsed = time.perf_counter() - start
        if steps is not None and step >= steps:
            break
        if seconds is not None:  # training time = the budget minus the final evaluation on all of val
            train_until = seconds - 1.3 * eval_rate * len(val) - 0.5
            if step > 0 and elapsed >= train_until:
                break  # (but always make one update)
        # the schedule runs over the training time, so a steps run with as many updates is the same run
        frac = step / steps if steps else elapsed / max(train_until, 1e-9)
        for group in opt.param_groups:
            group["lr"] = lr_at(frac, lr, warmup, floor)
        if new_pass:
            state = None
        logits, state = model(x, state)
        state = tuple(s.detach() for s in state)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        opt.step()
        if ema is not None:
            with torch.no_grad():
                weight = 1 - min(ema, (1 + step) / (10 + step))
                for a, p in zip(averaged.parameters(), model.parameters()):
                    a.lerp_(p, weight)
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            bar.close()
            raise FloatingPointError(f"training diverged at step {step}: loss {losses[-1]}; try a smaller lr (now {lr})")
        step += 1
        bar.update(1 if steps else round(time.perf_counter() - start) - bar.n)
        if step % eval_every == 0:
            record()
    if not history or history[-1].step != step:
        record()
    final = evaluate_nats(averaged, val, streams=EVAL_STREAMS)
    bar.close()
    columns = [list(column) for column in zip(*history)]  # the CharLSTMRecord fields, one list each
    steps_, wall, cpu, _, train_nats, val_nats = columns
    return CharLSTMTrainResult(averaged.eval(), steps_, train_nats, val_nats, wall, cpu, final,
                               time.perf_counter() - start)


def _set_forget_bias(model, value):
    H = model.hidden_size
    with torch.no_grad():
        for k in range(model.layers):  # torch's gate order i, f, g, o: the forget gate is rows H:2H
            getattr(model.lstm, f"bias_ih_l{k}")[H:2 * H].fill_(value)
            getattr(model.lstm, f"bias_hh_l{k}")[H:2 * H].zero_()


def short_run(text=None, *, steps=30, lr=1e-2, batch_size=32, hidden_size=128, seq_length=64, beta2=0.999, rng=0,
              eval_every=5, eval_chars=4000, progress=True, callback=None, threads=None):
    """A short live run for a notebook: a small char-LSTM (H=128) on the plays, 30 updates of 32 x 64 characters.

    Inputs: text (default: assets/shakespeare_plays_gut.txt), then train_charlstm's keywords: a steps
    budget, sizes, Adam's beta2 (torch's default here: notebook 05's margins for this run were measured
    with it, and with the trained weights themselves, no moving average), rng, progress, callback, threads.
    Returns: CharLSTMTrainResult; its val_nats (on a slice) fall.
    """
    from ..paths import asset_path
    from ..text import Vocabulary, load_text, train_val_split

    text = load_text(asset_path("shakespeare_plays_gut.txt")) if text is None else text
    vocab = Vocabulary(text)
    train, val = (vocab.encode(part) for part in train_val_split(text))
    return train_charlstm(train, val[: eval_chars + 1], len(vocab), steps=steps, lr=lr, batch_size=batch_size,
                          hidden_size=hidden_size, layers=1, seq_length=seq_length, beta2=beta2, ema=None, rng=rng,
                          eval_every=eval_every, eval_chars=eval_chars, progress=progress, callback=callback,
                          threads=threads)
