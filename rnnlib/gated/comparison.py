"""Comparing recurrent cells over seeds: the memory task and a short character-level run.

Every comparison trains one fresh model per (cell, seed) for a fixed number of steps and reports
all seeds, so that a ranking never rests on one run. The heavy version is a command (its code is
rnnlib.gated.compare),

    python -m rnnlib.gated.compare --seeds 5 --steps 200 --char-steps 150

and notebook 05 runs a small version live and asserts only ranges. `letter_frequency_nats` is the
character runs' trivial baseline: a model with no history at all, scored on the same windows.

A cell is named by a config string "name", "name:remember_bias" or "name:f<forget_bias>" (see
rnnlib.gated.variants.variant_layer), e.g. "lstm", "lstm:3", "gru:3", "mut2:3", "lstm:f1".
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import check_number, check_positive_int, check_rng
from ..progress import progress as progress_bar
from ..seed import torch_seed
from ..tasks import MemoryTask, train_sequence_classifier
from ..threads import torch_threads
from .variants import variant_layer

__all__ = ["SeedSpread", "parse_config", "config_layer", "letter_frequency_nats", "memory_runs", "accuracy_spread", "memory_comparison", "CharRecord", "char_run",
           "char_comparison", "format_table"]


class SeedSpread(NamedTuple):
    """One cell's results over seeds."""

    config: str
    values: np.ndarray  # (seeds,) one number per seed (accuracy or validation loss)

    @property
    def median(self):
        return float(np.median(self.values))

    @property
    def low(self):
        return float(self.values.min())

    @property
    def high(self):
        return float(self.values.max())


def parse_config(config):
    """'name', 'name:remember_bias' or 'name:f<forget_bias>' -> (name, remember_bias, forget_bias).

    E.g. "lstm" -> ("lstm", 0.0, 0.0), "gru:3" -> ("gru", 3.0, 0.0), "lstm:f1" -> ("lstm", 0.0, 1.0).
    Raises ValueError for anything else (which cells accept which bias is variant_layer's check).
    """
    if not isinstance(config, str) or not config or config.count(":") > 1:
        raise ValueError(f"config must be 'name', 'name:remember_bias' or 'name:f<forget_bias>', e.g. 'lstm:3'; got {config!r}")
    name, _, bias = config.partition(":")
    forget = bias.startswith("f")
    try:
        value = float(bias[forget:]) if bias else 0.0
    except ValueError:
        raise ValueError(f"config must be 'name', 'name:remember_bias' or 'name:f<forget_bias>' with a number after ':'; "
                         f"got {config!r}") from None
    return (name, 0.0, value) if forget else (name, value, 0.0)


def config_layer(config):
    """The layer factory (variant_layer) for a config string; ValueError for a bad config or cell name."""
    name, remember, forget = parse_config(config)
    layer = variant_layer(name, remember_bias=remember, forget_bias=forget)
    import torch

    with torch.random.fork_rng(devices=[]):  # torch's random state is left as it was
        layer(1, 1)  # a 1-unit layer: a bias the cell does not have is refused now, before any training
    return layer


def memory_runs(configs, gap, *, seeds=3, steps=200, lr=1e-2, batch_size=32, hidden_size=32, eval_size=1000,
                progress=True):
    """Train on MemoryTask(gap) for each config and seed (rnnlib.tasks' loop: Adam, clipping at norm 1).

    seeds: how many runs per config, with rng = 0 .. seeds-1; progress: a bar over the configs.
    Returns: dict config -> list of rnnlib.tasks.TrainResult (one per seed), models included.
    """
    seeds = check_positive_int("seeds", seeds)
    layers = {c: config_layer(c) for c in configs}  # validates every config before any training
    task = MemoryTask(gap)
    return {config: [train_sequence_classifier(layers[config], task, steps=steps, lr=lr, batch_size=batch_size,
                                               hidden_size=hidden_size, rng=s, eval_size=eval_size, progress=False)
                     for s in range(seeds)]
            for config in progress_bar(list(configs), desc=f"memory task, gap {gap}", unit="cell", enabled=progress)}


def accuracy_spread(runs):
    """dict config -> list of TrainResult (from memory_runs) -> dict config -> SeedSpread of accuracies."""
    return {c: SeedSpread(c, np.array([r.accuracy for r in rs])) for c, rs in runs.items()}


def memory_comparison(configs, gap, *, seeds=3, **kwargs):
    """Held-out accuracy on MemoryTask(gap) for each config and seed: dict config -> SeedSpread."""
    return accuracy_spread(memory_runs(configs, gap, seeds=seeds, **kwargs))


class CharRecord(NamedTuple):
    """What char_run hands its callback after each step."""

    step: int  # 0 .. steps-1
    loss: float  # training loss of this step's batch (nats per character)


def char_run(config, text, *, steps=150, lr=5e-3, batch_size=32, hidden_size=64, rng=0, seq_len=64, val_windows=32,
             progress=True, callback=None):
    """Train a one-layer char model (one-hot -> cell -> linear) on the first 90% of text for `steps` steps.

    Deterministic given rng (np.random.Generator, an int seed or None; torch is seeded with
    rnnlib.seed.torch_seed(rng), the windows drawn from check_rng(rng)), with one torch thread while it
    runs (`with torch_threads(1)`, restored afterwards). Validation: the mean cross-entropy (nats per
    character) over `val_windows` fixed windows of length seq_len from the last 10%. progress: a bar
    over the steps; callback(record) gets a CharRecord after every step.
    Returns: (train_losses (steps,), val_loss float). Raises FloatingPointError naming the step, the
    loss and lr if the loss is not finite.
    """
    import torch

    from ..text import Vocabulary, train_val_split

    steps, seq_len = check_positive_int("steps", steps), check_positive_int("seq_len", seq_len)
    lr = check_number("lr", lr, 0, low_open=True)
    seed = torch_seed(rng)  # before check_rng: a Generator gives torch its next number first
    rng = check_rng("rng", rng)
    vocab = Vocabulary(text)
    ids = np.asarray(vocab.encode(text), dtype=np.int64)
    train, val = train_val_split(ids)
    V = len(vocab)
    with torch_threads(1):
        torch.manual_seed(seed)
        rnn = config_layer(config)(V, hidden_size, batch_first=True)
        head = torch.nn.Linear(hidden_size, V)
        params = list(rnn.parameters()) + list(head.parameters())
        opt = torch.optim.Adam(params, lr=lr)

        def loss_on(windows):  # windows: (N, seq_len + 1) int64
            x = torch.nn.functional.one_hot(torch.from_numpy(windows[:, :-1]), V).float()
            out, _ = rnn(x)
            logits = head(out)  # (N, T, V)
            return torch.nn.functional.cross_entropy(logits.reshape(-1, V), torch.from_numpy(windows[:, 1:]).reshape(-1))

        def windows(source, starts):
            return np.stack([source[s : s + seq_len + 1] for s in starts])

        losses = np.empty(steps)
        for step in progress_bar(range(steps), desc=config, unit="step", enabled=progress):
            loss = loss_on(windows(train, rng.integers(0, len(train) - seq_len - 1, batch_size)))
            if not torch.isfinite(loss):
                raise FloatingPointError(f"training diverged: loss is {loss.item()} at step {step}; lower lr (got {lr})")
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            losses[step] = loss.item()
            if callback is not None:
                callback(CharRecord(step, losses[step]))
        starts = np.linspace(0, len(val) - seq_len - 1, val_windows).astype(int)
        with torch.no_grad():
            val_loss = loss_on(windows(val, starts)).item()
    return losses, float(val_loss)


def letter_frequency_nats(text, *, seq_len=64, val_windows=32):
    """The trivial baseline of char_run: letter frequencies of the first 90% of text, no history at all.

    Scored exactly as char_run scores a model: the mean cross-entropy (nats per character) of the
    same `val_windows` windows of length seq_len from the last 10%. Frequencies get add-one smoothing.
    Returns: float.
    """
    from ..text import Vocabulary, train_val_split

    seq_len = check_positive_int("seq_len", seq_len)
    val_windows = check_positive_int("val_windows", val_windows)
    vocab = Vocabulary(text)
    train, val = train_val_split(np.asarray(vocab.encode(text), dtype=np.int64))
    counts = np.bincount(train, minlength=len(vocab)) + 1.0
    log_p = np.log(counts / counts.sum())  # (V,)
    starts = np.linspace(0, len(val) - seq_len - 1, val_windows).astype(int)
    targets = np.concatenate([val[s + 1 : s + seq_len + 1] for s in starts])
    return float(-log_p[targets].mean())


def char_comparison(configs, text, *, seeds=3, progress=True, **kwargs):
    """Validation loss (nats/char) of char_run for each config and seed (rng = 0 .. seeds-1).

    progress: a bar over the configs; kwargs: char_run's (steps, lr, batch_size, hidden_size, ...).
    Returns dict config -> SeedSpread.
    """
    seeds = check_positive_int("seeds", seeds)
    for c in configs:
        config_layer(c)
    return {c: SeedSpread(c, np.array([char_run(c, text, rng=s, progress=False, **kwargs)[1] for s in range(seeds)]))
            for c in progress_bar(list(configs), desc="character model", unit="cell", enabled=progress)}


def format_table(results, what, fmt="{:.3f}"):
    """A text table: config, median, min, max and every seed's value."""
    lines = [f"{'cell':>10} {'median':>8} {'min':>8} {'max':>8}   {what} per seed"]
    for r in results.values():
        per_seed = " ".join(fmt.format(v) for v in r.values)
        lines.append(f"{r.config:>10} {fmt.format(r.median):>8} {fmt.format(r.low):>8} {fmt.format(r.high):>8}   {per_seed}")
    return "\n".join(lines)
