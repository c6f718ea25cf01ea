"""Command line for rnnlib.charlm (run as `python -m rnnlib.charlm`): train a character RNN on any UTF-8 text file and sample from it.

    python -m rnnlib.charlm --text PATH [--hidden 100] [--seq-length 25] [--batch-size 32]
        [--seconds S | --steps N] [--sample 300] [--seed 0] [--lr 0.1] [--max-norm 0.2]
        [--temperature 1.0] [--seed-text TEXT] [--eval-every 200]

The last 10% of the text is validation. A progress bar and samples go to stderr as training
runs; stdout ends with one line

    chars_per_s=<float> train_bpc=<float> val_bpc=<float>

(training characters per second of wall time in the training loop, the periodic evaluations and
samples included, and bits per character on the whole
training and validation parts at the end). Bad input ends with a one-line error and exit code 2;
a diverging run with exit code 1.
"""
from __future__ import annotations

import sys

import numpy as np

from ..cli import number, one_line_parser, run_command, write_above_bar
from ..text import Vocabulary, load_text, train_val_split
from .model import evaluate_nats, loss_report
from .sampling import sample
from .training import train_charlm

__all__ = ["main", "build_parser"]

PROG = "python -m rnnlib.charlm"


def build_parser():
    p, _ = one_line_parser(PROG, description="Train a character-level RNN (min-char-rnn done right) on a text file.")
    p.add_argument("--text", required=True, help="UTF-8 text file to learn from")
    p.add_argument("--hidden", type=number(int), default=100, help="hidden units H (default 100)")
    p.add_argument("--seq-length", type=number(int), default=25, help="BPTT steps T per chunk (default 25)")
    p.add_argument("--batch-size", type=number(int), default=32, help="parallel streams N (default 32)")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--seconds", type=number(float), help="wall-clock budget (default 60 s)")
    budget.add_argument("--steps", type=number(int), help="number of updates (reproducible)")
    p.add_argument("--sample", type=number(int, allow_zero=True), default=300,
                   help="characters per sample, 0 for none (default 300)")
    p.add_argument("--seed", type=number(int, allow_zero=True), default=0,
                   help="random seed for weights and samples (default 0)")
    p.add_argument("--lr", type=number(float), default=0.1, help="Adagrad learning rate (default 0.1)")
    p.add_argument("--max-norm", type=number(float), default=0.2,
                   help="global-norm clip of the mean loss's gradient (default 0.2 = 5/25, i.e. 5 on the loss "
                        "summed over 25 characters; use 5/T for another --seq-length)")
    p.add_argument("--temperature", type=number(float), default=1.0, help="sampling temperature > 0 (default 1)")
    p.add_argument("--seed-text", default=None, help="text to start samples with (default: the text's first character)")
    p.add_argument("--eval-every", type=number(int), default=200, help="steps between evaluations/samples")
    return p


def _run(args):
    text = load_text(args.text)
    train_text, val_text = train_val_split(text)
    vocab = Vocabulary(text)
    seed_text = text[0] if args.seed_text is None else args.seed_text
    rng = np.random.default_rng(args.seed)
    unknown = sorted({c for c in seed_text if c not in vocab.index})
    if not seed_text or unknown:  # reject a bad seed text before training, not after
        raise ValueError(f"--seed-text must be non-empty and use only characters of the text; "
                         f"got {seed_text!r}, with {unknown} not in the text")
    train, val = vocab.encode(train_text), vocab.encode(val_text)
    need = args.batch_size * args.seq_length + 1
    if len(train) < need:
        raise ValueError(f"text file is too short for --batch-size {args.batch_size} and --seq-length "
                         f"{args.seq_length}: its training part (first 90%) has {len(train)} characters; "
                         f"need at least N*T + 1 = {need}")
    print(f"{args.text}: {len(text):,} characters, V={len(vocab)}; train {len(train):,}, "
          f"validation {len(val):,} (last 10%)", file=sys.stderr)

    def show(record):
        if args.sample:
            text_out = sample(record.params, vocab, args.sample, seed_text, args.temperature, rng=rng)
            write_above_bar(f"--- sample at step {record.step} ---\n{seed_text}{text_out}\n")

    budget = {"steps": args.steps} if args.steps else {"seconds": args.seconds or 60.0}
    result = train_charlm(train, val, len(vocab), hidden_size=args.hidden, seq_length=args.seq_length,
                          batch_size=args.batch_size, lr=args.lr, max_norm=args.max_norm,
                          eval_every=args.eval_every, callback=show, rng=rng, progress=True, **budget)
    train_bpc = loss_report(evaluate_nats(result.params, train, streams=64)).bpc
    val_bpc = loss_report(result.val_nats[-1]).bpc
    print(f"chars_per_s={result.chars / result.seconds:.1f} train_bpc={train_bpc:.4f} val_bpc={val_bpc:.4f}")


def main(argv=None):
    """Run the command line; returns the exit code (0 ok, 1 diverged, 2 bad input)."""
    return run_command(PROG, build_parser(), _run, argv, bad_input=(ValueError,))
