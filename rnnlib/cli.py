"""What every rnnlib command line shares: messages above the progress bar, and exit codes.

Exit codes: 0 done, 1 training diverged (FloatingPointError), 2 bad input (one line on stderr,
no traceback).
"""
from __future__ import annotations

import argparse
import math
import sys

__all__ = ["write_above_bar", "run_command", "one_line_parser", "number", "fraction"]


def one_line_parser(prog, **kwargs):
    """An argparse parser (and its subparsers) whose usage errors are one line: 'prog: error: ... (see --help)'."""

    class OneLineParser(argparse.ArgumentParser):
        def error(self, message):  # argparse would print the usage and the error; one line is enough
            self.exit(2, f"{prog}: error: {message} (see --help)\n")

    return OneLineParser(prog=prog, **kwargs), OneLineParser


def number(kind=int, allow_zero=False):
    """An argparse type: a positive (or, with allow_zero, non-negative) finite int or float."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
            what = "a non-negative" if allow_zero else "a positive"
            raise argparse.ArgumentTypeError(f"must be {what} {'integer' if kind is int else 'number'}; got {text!r}")
        return value
    return parse


def fraction(top, closed=True):
    """An argparse type: a float in [0, top] (or [0, top) when closed is False)."""
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is None or not (0 <= value <= top) or (value == top and not closed):
            raise argparse.ArgumentTypeError(f"must be a number in [0, {top:g}{']' if closed else ')'}; got {text!r}")
        return value
    return parse


def write_above_bar(message):
    """Print `message` to stderr without breaking a tqdm progress bar."""
    from tqdm.auto import tqdm

    tqdm.write(message, file=sys.stderr)


def run_command(prog, parser, run, argv=None, bad_input=(ValueError,)):
    """Parse argv with `parser`, call run(args); return the exit code (0 ok, 1 diverged, 2 bad input)."""
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help (0) or a one-line usage error (2), already printed
        return stop.code
    try:
        run(args)
    except bad_input as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2
    except FloatingPointError as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 1
    return 0
