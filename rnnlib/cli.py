"""What every rnnlib command line shares: messages above the progress bar, and exit codes.

Exit codes: 0 done, 1 training diverged (FloatingPointError), 2 bad input (one line on stderr,
no traceback).
"""
from __future__ import annotations

import sys

__all__ = ["write_above_bar", "run_command"]


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
