"""Command line for rnnlib.charlstm.model: train a char-LSTM (torch, float32, CPU) on a UTF-8 text file.

    python -m rnnlib.charlstm --text PATH [--seconds 100 | --steps N] [--seed 0] [--hidden 256]
        [--layers 1] [--embed 64] [--seq-length 32] [--batch-size 32] [--lr 0.008] [--beta2 0.99] [--warmup 0.02]
        [--floor 0.1] [--ema 0.995] [--forget-bias B] [--eval-every 300] [--eval-chars 10000] [--save PATH]
        [--sample N] [--threads 2]

The defaults are the fastest-learning configuration found for a 100 s budget on 2 CPU cores
(compared by steps: see docs/benchmarks.md).

The last 10% of the text is validation. A progress bar and one line per evaluation (wall time,
step, training loss, validation loss on the first 10,000 validation characters) go to stderr;
stdout ends with exactly one line

    seconds=<wall time> val_nats=<loss on ALL of the validation part> val_bpc=<the same in bits>

The seconds budget is counted from the start of the python process (Linux /proc; elsewhere from
the start of the command line's own code), so it covers the imports, reading the text, training,
the periodic evaluations and the final evaluation on the whole validation part (training stops
early enough to leave time for it); `seconds=` on the last line is measured the same way. The
cosine schedule runs over the training time, so `--steps N` replays a `--seconds` run that made N
updates (same batches, same schedule), which is how configurations are compared on a busy machine.
Bad input ends with a one-line error and exit code 2; a diverging run with exit code 1.
"""
from __future__ import annotations

import argparse
import math
import os
import sys

from .model import sample, save_checkpoint
from ..cli import fraction, number, one_line_parser, run_command, write_above_bar
from .training import train_charlstm
from ..text import Vocabulary, load_text, train_val_split

__all__ = ["build_parser", "main"]

PROG = "python -m rnnlib.charlstm"


def _finite(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number; got {text!r}")
    return value


def _seconds_since_process_start():
    """Wall time since this process started (Linux /proc), so that start-up and imports count in --seconds."""
    try:
        with open("/proc/self/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])  # field 22, starttime, in clock ticks
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0  # elsewhere: from here on


def build_parser():
    p, _ = one_line_parser(PROG, description="Train a character-level LSTM (torch, CPU) on a text file; "
                                              "the last 10% is validation.")
    p.add_argument("--text", required=True, help="UTF-8 text file to learn from")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--seconds", type=number(float), help="wall-clock budget, final evaluation included (default 100)")
    budget.add_argument("--steps", type=number(int), help="number of updates (reproducible)")
    p.add_argument("--seed", type=number(int, allow_zero=True), default=0, help="seed for weights and batches (default 0)")
    p.add_argument("--hidden", type=number(int), default=256, help="LSTM units per layer H (default 256)")
    p.add_argument("--layers", type=number(int), default=1, help="stacked LSTM layers (default 1)")
    p.add_argument("--embed", type=number(int), default=64, help="embedding size D (default 64)")
    p.add_argument("--seq-length", type=number(int), default=32, help="BPTT steps T per chunk (default 32)")
    p.add_argument("--batch-size", type=number(int), default=32, help="parallel streams N (default 32)")
    p.add_argument("--lr", type=number(float), default=8e-3, help="Adam peak learning rate (default 0.008)")
    p.add_argument("--beta2", type=fraction(1.0, closed=False), default=0.99,
                   help="Adam's second-moment decay (default 0.99; torch's default is 0.999)")
    p.add_argument("--warmup", type=fraction(1.0, closed=False), default=0.02,
                   help="fraction of the budget for the linear warm-up (default 0.02)")
    p.add_argument("--floor", type=fraction(1.0), default=0.1,
                   help="the cosine ends at floor x lr (default 0.1)")
    p.add_argument("--ema", type=fraction(1.0, closed=False), default=0.995,
                   help="decay of the moving average of the weights that is evaluated and saved "
                        "(default 0.995; 0 for the trained weights themselves)")
    p.add_argument("--forget-bias", type=_finite, default=None,
                   help="initial forget-gate bias (default: torch's uniform init)")
    p.add_argument("--eval-every", type=number(int), default=300,
                   help="updates between evaluations (default 300: about ten points in a 100 s run)")
    p.add_argument("--eval-chars", type=number(int), default=10000,
                   help="validation characters read at each evaluation during training (default 10000; "
                        "the final line always reads all of the last 10%%)")
    p.add_argument("--save", default=None, help="write the trained model here (float16 checkpoint)")
    p.add_argument("--sample", type=number(int, allow_zero=True), default=0,
                   help="characters to sample at the end (temperature 0.8), 0 for none (default 0)")
    p.add_argument("--threads", type=number(int), default=2, help="torch CPU threads (default 2)")
    return p


def _run(args):
    text = load_text(args.text)
    vocab = Vocabulary(text)
    train, val = (vocab.encode(part) for part in train_val_split(text))
    need = args.batch_size * (args.seq_length + 1) + 1
    if len(train) < need:
        raise ValueError(f"text file is too short for --batch-size {args.batch_size} and --seq-length "
                         f"{args.seq_length}: its training part (first 90%) has {len(train)} characters; "
                         f"need at least N*(T+1) + 1 = {need}")
    print(f"{args.text}: {len(text):,} characters, V={len(vocab)}; train {len(train):,}, validation "
          f"{len(val):,} (last 10%); H={args.hidden} x {args.layers} layer(s), N={args.batch_size}, "
          f"T={args.seq_length}, {args.threads} threads", file=sys.stderr)

    def show(rec):
        write_above_bar(f"{rec.seconds:7.1f} s  step {rec.step:5d}  train {rec.train_nats:.4f}  "
                        f"val(slice) {rec.val_nats:.4f} nats/char ({rec.val_nats / math.log(2):.3f} bpc)")

    budget = {"steps": args.steps} if args.steps else {"seconds": args.seconds or 100.0}
    result = train_charlstm(train, val, len(vocab), lr=args.lr, batch_size=args.batch_size, hidden_size=args.hidden,
                            layers=args.layers, embed_size=args.embed, seq_length=args.seq_length, beta2=args.beta2,
                            warmup=args.warmup, floor=args.floor, forget_bias=args.forget_bias, ema=args.ema or None,
                            rng=args.seed, eval_every=args.eval_every, eval_chars=args.eval_chars, progress=True,
                            callback=show, threads=args.threads, elapsed_before=_seconds_since_process_start(),
                            **budget)
    if args.save:
        meta = {"text": os.path.basename(args.text), "steps": result.steps[-1], "seed": args.seed,
                "val_nats": result.final_val_nats}
        save_checkpoint(args.save, result.model, vocab, meta)
        write_above_bar(f"saved {args.save}")
    if args.sample:
        write_above_bar("--- sample (temperature 0.8) ---\n" + sample(result.model, vocab, args.sample, "\n", 0.8, rng=args.seed))
    final = result.final_val_nats
    print(f"seconds={result.seconds:.1f} val_nats={final:.4f} val_bpc={final / math.log(2):.4f}")


def main(argv=None):
    """Run the command line; returns the exit code (0 ok, 1 diverged, 2 bad input)."""
    return run_command(PROG, build_parser(), _run, argv, bad_input=(ValueError, OSError))
