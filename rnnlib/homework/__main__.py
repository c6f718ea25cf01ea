"""Command line: `python -m rnnlib.homework release NN` and `python -m rnnlib.homework grade NN SUBMISSIONS`."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .spec import HOMEWORK


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rnnlib.homework", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    rel = commands.add_parser("release", help="write the student version of a notebook (nbgrader generate_assignment)")
    rel.add_argument("notebook", choices=sorted(HOMEWORK), help="the notebook's number")
    rel.add_argument("--out", default="release", help="folder for the student notebooks (default: release/)")
    gra = commands.add_parser("grade", help="autograde a folder of submissions into one CSV and feedback HTML")
    gra.add_argument("notebook", choices=sorted(HOMEWORK), help="the notebook's number")
    gra.add_argument("submissions", help="folder with one .ipynb file or one folder per student")
    gra.add_argument("--out", default=None, help="the CSV to write (default: grades/hwNN/grades.csv)")
    gra.add_argument("--feedback", default=None, help="folder for <student>.html (default: beside the CSV)")
    gra.add_argument("--timeout", type=float, default=120, help="seconds one cell may run (default: 120)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    if args.command == "release":
        from .release import release

        path = release(args.notebook, args.out)
        print(f"wrote {path} ({time.perf_counter() - start:.1f} s)")
        return 0
    from .grade import grade

    out = Path(args.out) if args.out else Path("grades") / f"hw{args.notebook}" / "grades.csv"
    rows = grade(args.notebook, args.submissions, out, args.feedback, args.timeout)
    for row in rows:
        print(f"{row['student']}: {row['status']}, total {row['total'] or '-'} / {row['max_total']} "
              f"({row['seconds']} s){' - ' + row['detail'] if row['detail'] else ''}")
    print(f"wrote {out} ({len(rows)} submissions, {time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
