"""The command line `python -m rnnlib.gated.compare`: rnnlib.gated.comparison's tables over seeds.

    python -m rnnlib.gated.compare --seeds 5 --steps 200 --char-steps 150

trains one fresh model per (cell config, seed) on the memory task for each gap and on a text, and
prints every seed's result with the median and range. A cell config is "name" or
"name:remember_bias" or "name:f<forget_bias>", e.g. "lstm", "lstm:3", "gru:3", "mut2:3", "lstm:f1"
(rnnlib.gated.variants.variant_layer). The character table ends with the letter-frequency baseline
(no history), scored on the same windows.
Exit codes (rnnlib.cli.run_command): 0 done, 1 training diverged, 2 bad input (one line on stderr).
"""
from __future__ import annotations

import argparse
import sys

from ..cli import number, one_line_parser, run_command
from .comparison import char_comparison, config_layer, format_table, letter_frequency_nats, memory_comparison

__all__ = ["DEFAULT_CONFIGS", "build_parser", "main"]

DEFAULT_CONFIGS = ["rnn", "lstm", "lstm:3", "gru", "gru:3", "peephole:3", "coupled:3", "mut1:3", "mut2:3", "mut3:3"]


PROG = "python -m rnnlib.gated.compare"


def _gaps(text):
    """An argparse type: comma-separated non-negative ints, e.g. "20,60"."""
    gap = number(int, allow_zero=True)
    gaps = [gap(g) for g in text.split(",") if g]
    if not gaps:
        raise argparse.ArgumentTypeError(f"must name at least one gap; got {text!r}")
    return gaps


def build_parser():
    parser, _ = one_line_parser(PROG, description="Compare recurrent cells over seeds: the memory task and a "
                                                  "short character-level run.")
    parser.add_argument("--configs", default=",".join(DEFAULT_CONFIGS), help="comma-separated cell configs")
    parser.add_argument("--seeds", type=number(int), default=5, help="runs per config (rng 0 .. seeds-1)")
    parser.add_argument("--gaps", type=_gaps, default=[60], help="comma-separated memory-task gaps")
    parser.add_argument("--steps", type=number(int, allow_zero=True), default=200,
                        help="memory-task training steps (0: skip)")
    parser.add_argument("--char-steps", type=number(int, allow_zero=True), default=150,
                        help="character-model training steps (0: skip)")
    parser.add_argument("--text", default="sonnets_gut.txt", help="a file in assets/")
    return parser


def _run(args):
    configs = [c for c in args.configs.split(",") if c]
    if not configs:
        raise ValueError(f"--configs must name at least one cell config; got {args.configs!r}")
    for c in configs:  # every config checked before any training
        config_layer(c)
    for gap in args.gaps if args.steps else ():
        results = memory_comparison(configs, gap, seeds=args.seeds, steps=args.steps)
        print(f"memory task, gap {gap}, {args.steps} steps (chance 0.25):\n{format_table(results, 'accuracy')}\n", flush=True)
    if args.char_steps:
        from ..text import load_corpus

        text = load_corpus(args.text)
        chars = char_comparison(configs, text, seeds=args.seeds, steps=args.char_steps)
        print(f"{args.text}, {args.char_steps} steps, validation nats/char:\n{format_table(chars, 'val loss')}\n"
              f"letter frequencies, no history: {letter_frequency_nats(text):.3f}")


def main(argv=None):
    """The command line: memory-task and character-level comparisons over seeds, printed as tables.

    Returns the exit code (rnnlib.cli.run_command): 0 done, 1 training diverged, 2 bad input (one line
    on stderr).
    """
    return run_command(PROG, build_parser(), _run, argv, bad_input=(ValueError, OSError))


if __name__ == "__main__":
    sys.exit(main())
