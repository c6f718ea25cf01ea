"""How fast a class grades: N correct submissions of a notebook, graded as `grade` would; prints submissions/minute.

    python -m rnnlib.homework bench --n 100 [--notebook 04] [--jobs 2] [--record]

The submissions are the instructor notebook itself (every exercise answered), copied N times into a
temporary folder. With record=True each whole notebook is also run for the record (grade --record).
Timings depend on the machine and its load: shown, never asserted.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from .grade import grade
from .spec import get_homework

__all__ = ["bench"]


def bench(notebook="04", n=100, jobs=2, timeout=60, record=False):
    """Grade n correct copies of the notebook; print and return submissions per minute."""
    homework = get_homework(notebook)
    folder = Path(tempfile.mkdtemp(prefix="rnnlib-bench-"))
    try:
        for i in range(n):
            shutil.copyfile(homework.path, folder / f"student{i:04d}.ipynb")
        start = time.perf_counter()
        rows = grade(homework, folder, folder / "out" / "grades.csv", timeout=timeout, jobs=jobs, record=record)
        seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    full = sum(row["total"] == f"{homework.max_points:g}" for row in rows)
    ran = sum(row["record"].startswith("ran all") for row in rows)
    rate = 60 * n / seconds
    print(f"graded {n} submissions of notebook {homework.key} in {seconds:.1f} s with {jobs} job(s) on "
          f"{os.cpu_count()} CPUs{', whole notebooks run for the record' if record else ''}: {rate:.1f} "
          f"submissions per minute; {full} of {n} got full marks"
          + (f"; {ran} of {n} ran all their cells" if record else "")
          + f"; 100 submissions would take {100 / rate:.1f} minutes")
    return rate
