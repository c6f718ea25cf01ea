"""Comparing recurrent cells over seeds: the memory task and a short character-level run.

Every comparison trains one fresh model per (cell, seed) for a fixed number of steps and reports
all seeds, so that a ranking never rests on one run. The heavy version is a command,

    python -m rnnlib.gated.compare --seeds 5 --steps 300 --char-steps 200

and notebook 05 runs a small version live and asserts only ranges.

A cell is named by a config string "name" or "name:remember_bias" (see rnnlib.gated.variants.variant_layer),
e.g. "lstm", "lstm:3", "gru:3", "mut2:3".
"""
from __future__ import annotations

import argparse
from typing import NamedTuple

import numpy as np

from .._validate import check_positive_int
from .variants import variant_layer
from ..progress import progress
from ..tasks import MemoryTask, train_sequence_classifier

__all__ = ["SeedSpread", "parse_config", "memory_runs", "accuracy_spread", "memory_comparison", "char_run", "char_comparison", "format_table", "main"]


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
    """'name' or 'name:remember_bias' -> (name, remember_bias). Raises ValueError for anything else."""
    if not isinstance(config, str) or not config or config.count(":") > 1:
        raise ValueError(f"config must be 'name' or 'name:remember_bias', e.g. 'lstm:3'; got {config!r}")
    name, _, bias = config.partition(":")
    try:
        return name, float(bias) if bias else 0.0
    except ValueError:
        raise ValueError(f"config must be 'name' or 'name:remember_bias' with a number after ':'; got {config!r}") from None


def _layer(config):
    name, bias = parse_config(config)
    return variant_layer(name, remember_bias=bias)


def memory_runs(configs, gap, seeds=3, steps=200, hidden_size=32, batch_size=32, lr=1e-2, eval_size=1000):
    """Train on MemoryTask(gap) for each config and seed (rnnlib.tasks' loop: Adam, clipping at norm 1).

    Returns: dict config -> list of rnnlib.tasks.TrainResult (seeds 0 .. seeds-1), models included.
    """
    seeds = check_positive_int("seeds", seeds)
    layers = {c: _layer(c) for c in configs}  # validates every config before any training
    task = MemoryTask(gap)
    return {config: [train_sequence_classifier(layers[config], task, hidden_size=hidden_size, steps=steps,
                                               batch_size=batch_size, lr=lr, seed=s, eval_size=eval_size)
                     for s in range(seeds)]
            for config in progress(list(configs), desc=f"memory task, gap {gap}", unit="cell")}


def accuracy_spread(runs):
    """dict config -> list of TrainResult (from memory_runs) -> dict config -> SeedSpread of accuracies."""
    return {c: SeedSpread(c, np.array([r.accuracy for r in rs])) for c, rs in runs.items()}


def memory_comparison(configs, gap, seeds=3, **kwargs):
    """Held-out accuracy on MemoryTask(gap) for each config and seed: dict config -> SeedSpread."""
    return accuracy_spread(memory_runs(configs, gap, seeds, **kwargs))


def char_run(config, text, steps=150, seq_len=64, batch_size=32, hidden_size=64, lr=5e-3, seed=0, val_windows=32):
    """Train a one-layer char model (one-hot -> cell -> linear) on the first 90% of text for `steps` steps.

    Deterministic given seed (one torch thread while it runs). Validation: the mean cross-entropy
    (nats per character) over `val_windows` fixed windows of length seq_len from the last 10%.
    Returns: (train_losses (steps,), val_loss float).
    """
    import torch

    from ..text import Vocabulary, train_val_split

    steps, seq_len = check_positive_int("steps", steps), check_positive_int("seq_len", seq_len)
    vocab = Vocabulary(text)
    ids = np.asarray(vocab.encode(text), dtype=np.int64)
    train, val = train_val_split(ids)
    V, threads = len(vocab), torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(seed)
        rnn = _layer(config)(V, hidden_size, batch_first=True)
        head = torch.nn.Linear(hidden_size, V)
        params = list(rnn.parameters()) + list(head.parameters())
        opt = torch.optim.Adam(params, lr=lr)
        rng = np.random.default_rng(seed)

        def loss_on(windows):  # windows: (N, seq_len + 1) int64
            x = torch.nn.functional.one_hot(torch.from_numpy(windows[:, :-1]), V).float()
            out, _ = rnn(x)
            logits = head(out)  # (N, T, V)
            return torch.nn.functional.cross_entropy(logits.reshape(-1, V), torch.from_numpy(windows[:, 1:]).reshape(-1))

        def windows(source, starts):
            return np.stack([source[s : s + seq_len + 1] for s in starts])

        losses = np.empty(steps)
        for step in range(steps):
            loss = loss_on(windows(train, rng.integers(0, len(train) - seq_len - 1, batch_size)))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            losses[step] = loss.item()
        starts = np.linspace(0, len(val) - seq_len - 1, val_windows).astype(int)
        with torch.no_grad():
            val_loss = loss_on(windows(val, starts)).item()
    finally:
        torch.set_num_threads(threads)
    return losses, float(val_loss)


def char_comparison(configs, text, seeds=3, **kwargs):
    """Validation loss (nats/char) of char_run for each config and seed. Returns dict config -> SeedSpread."""
    seeds = check_positive_int("seeds", seeds)
    for c in configs:
        _layer(c)
    return {c: SeedSpread(c, np.array([char_run(c, text, seed=s, **kwargs)[1] for s in range(seeds)]))
            for c in progress(list(configs), desc="character model", unit="cell")}


def format_table(results, what, fmt="{:.3f}"):
    """A text table: config, median, min, max and every seed's value."""
    lines = [f"{'cell':>10} {'median':>8} {'min':>8} {'max':>8}   {what} per seed"]
    for r in results.values():
        per_seed = " ".join(fmt.format(v) for v in r.values)
        lines.append(f"{r.config:>10} {fmt.format(r.median):>8} {fmt.format(r.low):>8} {fmt.format(r.high):>8}   {per_seed}")
    return "\n".join(lines)


DEFAULT_CONFIGS = ["rnn", "lstm", "lstm:3", "gru", "gru:3", "peephole:3", "coupled:3", "mut1:3", "mut2:3", "mut3:3"]


def main(argv=None):
    """The command line: memory-task and character-level comparisons over seeds, printed as tables."""
    parser = argparse.ArgumentParser(prog="python -m rnnlib.gated.compare", description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default=",".join(DEFAULT_CONFIGS), help="comma-separated cell configs")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--gaps", default="60", help="comma-separated memory-task gaps")
    parser.add_argument("--steps", type=int, default=200, help="memory-task training steps (0: skip)")
    parser.add_argument("--char-steps", type=int, default=150, help="character-model training steps (0: skip)")
    parser.add_argument("--text", default="sonnets_gut.txt", help="a file in assets/")
    args = parser.parse_args(argv)
    configs = [c for c in args.configs.split(",") if c]
    for gap in (int(g) for g in args.gaps.split(",") if args.steps):
        results = memory_comparison(configs, gap, seeds=args.seeds, steps=args.steps)
        print(f"memory task, gap {gap}, {args.steps} steps (chance 0.25):\n{format_table(results, 'accuracy')}\n", flush=True)
    if args.char_steps:
        from ..text import load_corpus

        chars = char_comparison(configs, load_corpus(args.text), seeds=args.seeds, steps=args.char_steps)
        print(f"{args.text}, {args.char_steps} steps, validation nats/char:\n{format_table(chars, 'val loss')}")


if __name__ == "__main__":
    main()
