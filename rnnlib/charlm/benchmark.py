"""Benchmark: characters per second of rnnlib.charlm against a per-character loop, same wall-clock budget.

Usage:
    python -m rnnlib.charlm.benchmark [--seconds 20] [--text PATH] [--hidden 100] [--seq-length 25] [--seed 0]
                               [--loop-dtype float64|float32]

It trains three models on the same text (default: the sonnets, assets/sonnets_gut.txt; the last 10%
is validation), each for the same wall-clock budget, one after the other in the same process:

- loop: rnnlib.charlm.loop.loop_train, the per-character baseline written the way min-char-rnn is
  (one-hot matrix-vector products, per-step dictionaries, batch 1, float64 like the original);
- charlm N=1 and charlm N=32: rnnlib.charlm.train_charlm with 1 and 32 streams (float32).

Part of the speed-up at batch 1 comes from float32 arithmetic alone: --loop-dtype float32 runs the
baseline in float32 too, a like-for-like comparison of the code (the default float64 is what
min-char-rnn uses). All use H=100, T=25, Adagrad lr 0.1 and the same gradient clipping: global norm 5 on the loop's
summed loss, 5/T on charlm's mean loss per character (0.2 for T=25). At N=1 the two therefore train
closely but not identically (Adagrad's eps weighs more next to charlm's smaller squared gradients).
For each model it prints the training characters per second (characters / time in the training
loop) and the validation bits per character after the budget (rnnlib.charlm.evaluate_nats, the same
function for all three), then the speed ratios against the loop. Timings depend on the machine
and on its load; run it on a quiet machine, and compare ratios from the same run only. Run as a
script, it first calls rnnlib.charlm.training.keep_freed_memory() (glibc keeps freed memory instead
of page-faulting it back in at every step), which helps all three models. The thread count of the
BLAS library matters (e.g. OMP_NUM_THREADS=1 for a single core); it is printed with the results.
This is a script, not a test: nothing here asserts a speed.
"""
from __future__ import annotations

import os
import sys

import numpy as np

from .model import evaluate_nats, loss_report
from .training import keep_freed_memory, train_charlm
from .loop import loop_train
from ..cli import number, one_line_parser, run_command
from ..paths import asset_path
from ..text import Vocabulary, load_text, train_val_split

__all__ = ["run_benchmark", "build_parser", "main"]

PROG = "python -m rnnlib.charlm.benchmark"


def run_benchmark(text, seconds=20.0, hidden_size=100, seq_length=25, seed=0, batch_sizes=(1, 32),
                  loop_dtype=np.float64, steps=None):
    """Train the loop baseline (in loop_dtype) and charlm (float32) at each batch size for `seconds` each.

    steps: if given, each model trains for this many updates instead of `seconds` (reproducible;
    what the tests use). A seconds budget always runs at least one update per model.
    Returns: list of dicts with keys name, chars, seconds, chars_per_s, val_bpc.
    """
    budget = {"seconds": seconds} if steps is None else {"steps": steps}
    vocab = Vocabulary(text)
    train, val = (vocab.encode(part) for part in train_val_split(text))
    rows = []
    run = loop_train(train, len(vocab), hidden_size=hidden_size, seq_length=seq_length, **budget,
                     rng=np.random.default_rng(seed), progress=False, dtype=np.dtype(loop_dtype).type)
    rows.append(_row(f"loop ({np.dtype(loop_dtype).name}, N=1)", run.chars, run.seconds,
                     evaluate_nats(run.params, val)))
    for n in batch_sizes:
        res = train_charlm(train, val, len(vocab), hidden_size=hidden_size, seq_length=seq_length, batch_size=n,
                           max_norm=5.0 / seq_length, **budget, eval_every=10**9, rng=np.random.default_rng(seed),
                           progress=False)
        rows.append(_row(f"charlm (float32, N={n})", res.chars, res.seconds, res.val_nats[-1]))
    return rows


def _row(name, chars, seconds, val_nats):
    return {"name": name, "chars": chars, "seconds": seconds, "chars_per_s": chars / seconds,
            "val_bpc": loss_report(val_nats).bpc}


def build_parser():
    p, _ = one_line_parser(PROG, description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=number(float), default=20.0, help="wall-clock budget per model (default 20)")
    p.add_argument("--text", default=None, help="UTF-8 text file (default: assets/sonnets_gut.txt)")
    p.add_argument("--hidden", type=number(int), default=100, help="hidden units H (default 100)")
    p.add_argument("--seq-length", type=number(int), default=25, help="BPTT steps T per chunk (default 25)")
    p.add_argument("--seed", type=number(int, allow_zero=True), default=0, help="seed for the weights (default 0)")
    p.add_argument("--loop-dtype", choices=["float64", "float32"], default="float64",
                   help="dtype of the per-character baseline (default float64, as in min-char-rnn)")
    return p


def _run(args):
    text = load_text(args.text if args.text else asset_path("sonnets_gut.txt"))
    rows = run_benchmark(text, args.seconds, args.hidden, args.seq_length, args.seed, loop_dtype=args.loop_dtype)
    threads = os.environ.get("OMP_NUM_THREADS", "unset (BLAS default)")
    print(f"H={args.hidden} T={args.seq_length} budget={args.seconds:g} s per model, OMP_NUM_THREADS={threads}")
    print(f"{'model':<28} {'chars':>10} {'chars/s':>10} {'ratio':>7} {'val bpc':>8}")
    base = rows[0]["chars_per_s"]
    for r in rows:
        print(f"{r['name']:<28} {r['chars']:>10,} {r['chars_per_s']:>10,.0f} {r['chars_per_s'] / base:>6.1f}x "
              f"{r['val_bpc']:>8.3f}")


def main(argv=None):
    """Run the benchmark's command line; returns the exit code (0 ok, 1 diverged, 2 bad input)."""
    return run_command(PROG, build_parser(), _run, argv, bad_input=(ValueError,))


if __name__ == "__main__":
    keep_freed_memory()  # a process-wide allocator setting, applied to all three models alike
    sys.exit(main())
