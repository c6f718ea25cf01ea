"""Autograde a folder of submissions with nbgrader; one CSV row per student, feedback HTML per student.

Statuses (the `status` column), so that a broken submission never looks like an honest zero:
- graded: the notebook ran; points per exercise as nbgrader scored the grade cells.
- timed out: a cell ran longer than the timeout (nbgrader interrupted it); the points of the
  exercises that still passed are kept, the `detail` column names the cell (no points if the kernel
  ignored the interrupt).
- could not be read: not a notebook (truncated or invalid JSON, no .ipynb, several); no points.
- crashed: the kernel died (e.g. os._exit, a segfault, out of memory) or nbgrader failed; no points.
"""
from __future__ import annotations

import csv
import re
import warnings
import shutil
import time
from pathlib import Path

import nbformat

from .release import course, grade_source, nbgrader_metadata
from .spec import get_homework

__all__ = ["grade", "collect_submissions", "STATUSES"]

STATUSES = ("graded", "timed out", "could not be read", "crashed")
TIMEOUT_NAMES = ("CellTimeoutError", "TimeoutError")


def _student_id(name):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "student"


def collect_submissions(folder):
    """[(student id, notebook path or None, why it cannot be read or '')], one per file or folder, sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"submissions must be a folder (one .ipynb file or one folder per student); got {str(folder)!r}")
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            notebooks = sorted(p for p in entry.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
            if len(notebooks) == 1:
                found.append((_student_id(entry.name), notebooks[0], ""))
            else:
                found.append((_student_id(entry.name), None, f"the folder holds {len(notebooks)} notebooks, expected 1"))
        elif entry.suffix == ".ipynb":
            found.append((_student_id(entry.stem), entry, ""))
    return found


def _readable(path):
    """'' if path is a notebook nbformat can read and validate, else why not (one line)."""
    try:
        nbformat.validate(nbformat.read(path, as_version=4))
    except Exception as exc:  # invalid JSON, a truncated file, a schema violation
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]
    return ""


def _restore_cells(nb, homework):
    """Give a submission the nbgrader cells it lacks (e.g. the course notebook itself, or a deleted grade
    cell): solution metadata on the cell that defines the function, a grade cell after its check cell.
    Returns the names of the exercises whose grade cell was added."""
    present = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
    added = []
    for ex in homework.exercises:
        if ex.function in present:
            continue
        defines = re.compile(rf"^def {re.escape(ex.function)}\(", re.M)
        mentions = re.compile(rf"\b{re.escape(ex.function)}\b")
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        solution = next((i for i in code if defines.search(nb.cells[i].source)), None)
        where = len(nb.cells)
        if solution is not None:
            if f"{ex.function}_solution" not in present:
                nb.cells[solution].metadata["nbgrader"] = nbgrader_metadata(f"{ex.function}_solution", solution=True)
            where = next((i for i in code if i > solution and mentions.search(nb.cells[i].source)), solution) + 1
        cell = nbformat.v4.new_code_cell(grade_source(ex))  # nbgrader puts the released source back anyway
        cell.metadata["nbgrader"] = nbgrader_metadata(ex.function, points=ex.points)
        if nb.nbformat_minor < 5:
            cell.pop("id", None)
        nb.cells.insert(where, cell)
        added.append(ex.function)
    return added


def _error_lines(nb, homework):
    """(timed-out cell descriptions, failed grade cells 'id: ename: evalue') of an autograded notebook."""
    timeouts, failed = [], []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error":
                continue
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            where = f"cell {i}" + (f" ({grade_id})" if grade_id else "")
            if out.get("ename") in TIMEOUT_NAMES + ("KeyboardInterrupt",) and where not in timeouts:
                timeouts.append(where)
            if cell.metadata.get("nbgrader", {}).get("grade") and out.get("ename") not in TIMEOUT_NAMES:
                evalue = " ".join(str(out.get("evalue", "")).split())[:300]
                failed.append(f"{grade_id}: {out.get('ename')}: {evalue}")
    return timeouts, failed


def _failure(result):
    """(status, reason) of an autograde run that did not finish."""
    text = (result.get("error") or "") + "\n" + (result.get("log") or "")
    if "DeadKernelError" in text or "Kernel died" in text:
        return "crashed", "the kernel died (os._exit, a segfault or out of memory?)"
    if "UnresponsiveKernelError" in text or "became unresponsive" in text:
        return "timed out", "a cell ran past the timeout and the kernel ignored the interrupt"
    if "CellTimeoutError" in text:  # a cell (or the one after an interrupted loop) ran past the timeout
        return "timed out", "a cell ran past the timeout and nbgrader stopped grading this notebook"
    lines = [line for line in text.splitlines() if line.strip()]
    return "crashed", "nbgrader failed: " + (lines[-1][:200] if lines else "no log")


def _grade_one(api, root, homework, student, path):
    """Autograde one readable submission; returns (status, points dict or None, detail)."""
    from nbgrader.api import Gradebook

    target = root / "submitted" / student / homework.assignment / homework.path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(path, as_version=4)
    restored = _restore_cells(nb, homework)
    nbformat.write(nb, target)
    result = api.autograde(homework.assignment, student)
    graded = root / "autograded" / student / homework.assignment / homework.path.name
    if not result["success"] or not graded.exists():
        status, reason = _failure(result)
        return status, None, reason
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(homework.path.stem, homework.assignment, student)
        points = {g.name: float(g.score) for g in notebook.grades}
    timeouts, failed = _error_lines(nbformat.read(graded, as_version=4), homework)
    feedback = api.generate_feedback(homework.assignment, student)
    detail = "; ".join(failed + [f"grade cell {name} was missing and was added back" for name in restored])
    if not feedback["success"]:
        detail = (detail + "; " if detail else "") + "no feedback HTML (generate_feedback failed)"
    if timeouts:
        return "timed out", points, f"timed out in {', '.join(timeouts)}" + (f"; {detail}" if detail else "")
    return "graded", points, detail


def grade(homework, submissions, out="grades.csv", feedback=None, timeout=120):
    """Grade every submission in a folder; write the CSV (and feedback/<student>.html); return the rows.

    Each row: student, status, one column of points per exercise, total, max_total, seconds, detail.
    Points are empty for 'could not be read' and 'crashed', so those never read as an honest zero.
    """
    homework = get_homework(homework)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds; got {timeout!r}")
    students = collect_submissions(submissions)
    out = Path(out)
    feedback = Path(feedback) if feedback is not None else out.parent / "feedback"
    names = [ex.function for ex in homework.exercises]
    rows = []
    with course(homework, timeout) as (api, root, homework), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's SQLAlchemy session warnings, not about the students
        for student, path, problem in students:
            start = time.perf_counter()
            problem = problem or _readable(path)
            if problem:
                status, points, detail = "could not be read", None, problem
            else:
                status, points, detail = _grade_one(api, root, homework, student, path)
            html = root / "feedback" / student / homework.assignment / f"{homework.path.stem}.html"
            if html.exists():
                feedback.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(html, feedback / f"{student}.html")
            row = {"student": student, "status": status}
            row.update({n: "" if points is None else f"{points.get(n, 0.0):g}" for n in names})
            row["total"] = "" if points is None else f"{sum(points.get(n, 0.0) for n in names):g}"
            row["max_total"] = f"{homework.max_points:g}"
            row["seconds"] = f"{time.perf_counter() - start:.1f}"
            row["detail"] = detail
            rows.append(row)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["student", "status", *names, "total", "max_total", "seconds", "detail"])
        writer.writeheader()
        writer.writerows(rows)
    return rows
