"""Command line: `python -m rnnlib.homework release NN` and `python -m rnnlib.homework grade NN SUBMISSIONS`.

Exit codes (rnnlib.cli.run_command): 0 done, 2 bad input (one line on stderr, no traceback).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from ..cli import number, one_line_parser, run_command
from .spec import HOMEWORK

PROG = "python -m rnnlib.homework"


def build_parser():
    parser, parser_class = one_line_parser(PROG, description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=parser_class)
    rel = commands.add_parser("release", help="write the student version of a notebook (nbgrader generate_assignment)")
    rel.add_argument("notebook", choices=sorted(HOMEWORK), help="the notebook's number")
    rel.add_argument("--out", default="release", help="folder for the student notebooks (default: release/)")
    gra = commands.add_parser("grade", help="autograde a folder of submissions into one CSV and feedback HTML")
    gra.add_argument("notebook", choices=sorted(HOMEWORK), help="the notebook's number")
    gra.add_argument("submissions", help="folder with one .ipynb file or one folder per student")
    gra.add_argument("--out", default=None, help="the CSV to write (default: grades/hwNN/grades.csv)")
    gra.add_argument("--feedback", default=None, help="folder for <student>.html (default: beside the CSV)")
    gra.add_argument("--timeout", type=number(float), default=120, help="seconds one cell may run (default: 120)")
    return parser


def _run(args):
    start = time.perf_counter()
    if args.command == "release":
        from .release import release

        path = release(args.notebook, args.out)
        print(f"wrote {path} ({time.perf_counter() - start:.1f} s)")
        return
    from .grade import grade

    out = Path(args.out) if args.out else Path("grades") / f"hw{args.notebook}" / "grades.csv"
    rows = grade(args.notebook, args.submissions, out, args.feedback, args.timeout)
    for row in rows:
        print(f"{row['student']}: {row['status']}, total {row['total'] or '-'} / {row['max_total']} "
              f"({row['seconds']} s){' - ' + row['detail'] if row['detail'] else ''}")
    print(f"wrote {out} ({len(rows)} submissions, {time.perf_counter() - start:.1f} s)")


def main(argv=None):
    """Run the command line on argv (None: sys.argv[1:]); return the exit code."""
    return run_command(PROG, build_parser(), _run, argv, bad_input=(ValueError, OSError))


if __name__ == "__main__":
    sys.exit(main())
