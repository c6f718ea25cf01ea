"""Command line: `python -m rnnlib.homework release NN`, `... grade NN SUBMISSIONS`, `... bench --n 100`.

Exit codes (rnnlib.cli.run_command): 0 done, 2 bad input (one line on stderr, no traceback, before any
grading), 130 stopped with Ctrl-C, 143 stopped by SIGTERM (`timeout`, `kill`, a closed terminal's SIGHUP
too): either way every sandbox is ended, every scratch folder removed, and the rows graded so far are in
the CSV (`--resume` goes on from there).
"""
from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

from ..cli import number, one_line_parser, run_command, write_above_bar
from .judge import RECORD_TIMEOUT
from .spec import HOMEWORK

PROG = "python -m rnnlib.homework"


def notebook_key(text):
    """'4' and '04' alike (as get_homework takes them); anything else stays as typed, for argparse's choices."""
    text = str(text).strip()
    return f"{int(text):02d}" if text.isdigit() and len(text) <= 3 else text


def build_parser():
    parser, parser_class = one_line_parser(PROG, description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=parser_class)
    rel = commands.add_parser("release", help="write the student version of a notebook (nbgrader generate_assignment)")
    rel.add_argument("notebook", type=notebook_key, choices=sorted(HOMEWORK), help="the notebook's number (4 or 04)")
    rel.add_argument("--out", default="release", help="folder for the student notebooks (default: release/)")
    gra = commands.add_parser("grade", help="grade a folder of submissions into one CSV and feedback HTML")
    gra.add_argument("notebook", type=notebook_key, choices=sorted(HOMEWORK), help="the notebook's number (4 or 04)")
    gra.add_argument("submissions", help="folder with one .ipynb file (or folder, or .zip) per student")
    gra.add_argument("--out", default=None, help="the CSV to write (default: grades/hwNN/grades.csv)")
    gra.add_argument("--feedback", default=None, help="folder for <id>.html (default: beside the CSV)")
    gra.add_argument("--timeout", type=number(float), default=60, help="seconds one exercise may run (default: 60)")
    gra.add_argument("--jobs", type=number(int), default=2, help="submissions graded at once (default: 2)")
    gra.add_argument("--resume", action="store_true", help="keep the rows already in the CSV, grade the rest")
    gra.add_argument("--salt", default="rnn-course", help="course salt of the fresh inputs' seeds (default: rnn-course)")
    gra.add_argument("--record", action="store_true",
                     help="also run each whole notebook, sandboxed, for the record column (no points; slower)")
    gra.add_argument("--record-timeout", type=number(float), default=RECORD_TIMEOUT,
                     help=f"seconds a whole notebook may run with --record (default: {RECORD_TIMEOUT})")
    ben = commands.add_parser("bench", help="grade a class of N correct submissions of a notebook; print submissions per minute")
    ben.add_argument("--n", type=number(int), default=100, help="submissions (default: 100)")
    ben.add_argument("--notebook", type=notebook_key, choices=sorted(HOMEWORK), default="04", help="the notebook (default: 04)")
    ben.add_argument("--jobs", type=number(int), default=2, help="submissions graded at once (default: 2)")
    ben.add_argument("--record", action="store_true", help="grade with --record (each whole notebook run too)")
    return parser


def _print_row(row):
    total = row["total"] or "-"
    write_above_bar(f"{row['id']}: {row['status']}, total {total} / {row['max_total']} ({row['seconds']} s)"
                    + (f" - flags: {row['flags']}" if row["flags"] else "")
                    + (f" - {row['detail'][:200]}" if row["detail"] else "")
                    + (f" - record: {row['record'][:120]}" if row.get("record") else ""))


def _run(args):
    start = time.perf_counter()
    if args.command == "release":
        from .release import release

        path = release(args.notebook, args.out)
        print(f"wrote {path} ({time.perf_counter() - start:.1f} s)")
        return
    if args.command == "bench":
        from .bench import bench

        bench(args.notebook, args.n, args.jobs, record=args.record)
        return
    from .grade import check_grading_inputs, grade

    out = Path(args.out) if args.out else Path("grades") / f"hw{args.notebook}" / "grades.csv"
    if args.out and not out.parent.is_dir():  # a typo'd folder is not created (the default one is)
        raise ValueError(f"out must be in an existing folder; {str(out.parent)!r} does not exist")
    check_grading_inputs(args.notebook, args.submissions, out, args.timeout, args.jobs, args.record_timeout,
                         args.resume)
    rows = grade(args.notebook, args.submissions, out, args.feedback, args.timeout, jobs=args.jobs,
                 resume=args.resume, salt=args.salt, progress=True, on_row=_print_row, record=args.record,
                 record_timeout=args.record_timeout)
    print(f"wrote {out} ({len(rows)} rows graded now, {time.perf_counter() - start:.1f} s)")


class Terminated(KeyboardInterrupt):
    """SIGTERM (or SIGHUP) while grading: stopped like Ctrl-C, exit 143."""


def _terminate(signum, frame):
    raise Terminated()


def main(argv=None):
    """Run the command line on argv (None: sys.argv[1:]); return the exit code."""
    previous = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            previous[sig] = signal.signal(sig, _terminate)
        except ValueError:  # not the main thread: leave the signals alone
            pass
    try:
        return run_command(PROG, build_parser(), _run, argv, bad_input=(ValueError, OSError))
    except KeyboardInterrupt as stop:
        print(f"{PROG}: stopped; the rows graded so far are written (--resume goes on)", file=sys.stderr)
        return 143 if isinstance(stop, Terminated) else 130
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


if __name__ == "__main__":
    sys.exit(main())
