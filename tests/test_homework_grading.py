"""Homework end to end with nbgrader: release every notebook with exercises (nothing leaks), run the
released notebooks unanswered (only the exercise checks fail, saying "not implemented yet"), and grade
a fixture class (tests/homework_fixtures/clip_class.py): every row of the CSV as expected."""
import csv
import os
import re

import nbformat
import pytest
from nbclient import NotebookClient

from homework_fixtures import clip_class
from rnnlib.homework.__main__ import main
from rnnlib.homework.grade import grade
from rnnlib.homework.release import THREADS, release
from rnnlib.homework.spec import HOMEWORK

pytest.importorskip("nbgrader")
KEYS = sorted(HOMEWORK)
# Running a notebook unanswered costs its full run time; by default only the quickest one (03) runs here,
# RNNLIB_HOMEWORK_ALL=1 runs every notebook with exercises.
UNANSWERED = KEYS if os.environ.get("RNNLIB_HOMEWORK_ALL") == "1" else ["03"]
NOT_YET = re.compile(r"not implemented yet", re.I)


def outside_solutions(nb):
    """Lines of the instructor notebook outside the solution regions (they may appear in the student copy)."""
    lines = {line.strip() for cell in nb.cells if cell.cell_type != "code" for line in cell.source.splitlines()}
    for cell in (cell for cell in nb.cells if cell.cell_type == "code"):
        inside = False
        for line in cell.source.splitlines():
            if "### BEGIN SOLUTION" in line:
                inside = True
            elif "### END SOLUTION" in line:
                inside = False
            elif not inside:
                lines.add(line.strip())
    return lines


def solution_lines(nb):
    """Non-blank lines inside the solution regions of the code cells."""
    lines = set()
    for cell in (cell for cell in nb.cells if cell.cell_type == "code"):
        inside = False
        for line in cell.source.splitlines():
            if "### END SOLUTION" in line:
                inside = False
            elif inside and line.strip():
                lines.add(line.strip())
            if "### BEGIN SOLUTION" in line:
                inside = True
    return lines


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """Every notebook with exercises, released through the command line entry point."""
    out = tmp_path_factory.mktemp("release")
    for key in KEYS:
        assert main(["release", key, "--out", str(out)]) == 0
    return {key: out / HOMEWORK[key].assignment / HOMEWORK[key].path.name for key in KEYS}


@pytest.mark.parametrize("key", KEYS)
def test_release_shows_no_solution_and_no_hidden_test(key, released):
    homework = HOMEWORK[key]
    instructor = nbformat.read(homework.path, as_version=4)
    secret = solution_lines(instructor) - outside_solutions(instructor)
    assert secret, "the instructor notebook has no solution lines"
    student = nbformat.read(released[key], as_version=4)
    assert released[key].name == homework.path.name and "notebooks" not in released[key].parts
    text = "\n".join(cell.source for cell in student.cells)
    code = "\n".join(cell.source for cell in student.cells if cell.cell_type == "code")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "run_path", "hidden.py"):
        assert marker not in code  # prose may name the markers, as the instructor notebook does
    assert "\u2060" not in text
    prose = [c.source for c in nbformat.read(homework.path, as_version=4).cells if c.cell_type == "markdown"]
    assert prose == [c.source for c in student.cells if c.cell_type == "markdown"]
    leaked = [line for line in secret if line in {l.strip() for l in text.splitlines()}]
    assert not leaked, f"solution lines in the student notebook: {leaked}"
    assert all(not cell.get("outputs") for cell in student.cells if cell.cell_type == "code")
    meta = [cell.metadata["nbgrader"] for cell in student.cells if "nbgrader" in cell.metadata]
    assert {m["grade_id"]: m.get("points") for m in meta if m["grade"]} == {
        ex.function: ex.points for ex in homework.exercises}
    stubs = [c.source for c in student.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(stubs) == len(homework.exercises) and all("raise NotImplementedError()" in s for s in stubs)


def check_cells(nb):
    """Index -> exercise name of each check cell: the first code cell after a solution cell naming its function."""
    found = {}
    for i, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("solution"):
            name = re.search(r"^def (\w+)\(", cell.source, re.M).group(1)
            j = next(j for j in range(i + 1, len(nb.cells))
                     if nb.cells[j].cell_type == "code" and re.search(rf"\b{name}\b", nb.cells[j].source))
            found[j] = name
    return found


@pytest.mark.parametrize("key", UNANSWERED)
def test_released_notebook_runs_unanswered_and_fails_only_at_the_checks(key, released, tmp_path, monkeypatch):
    for name, value in THREADS.items():  # as when grading: outputs are not compared here, errors are
        monkeypatch.setenv(name, value)
    nb = nbformat.read(released[key], as_version=4)
    NotebookClient(nb, timeout=300, allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}).execute()
    checks = check_cells(nb)
    wrong, failed_checks = [], set()
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type != "error":
                continue
            message = f"{out.ename}: {out.evalue}"
            if i in checks and NOT_YET.search(message):
                failed_checks.add(i)
            else:
                first = cell.source.splitlines()[0] if cell.source else ""
                wrong.append(f"cell {i} ({first[:60]!r}): {message[:200]}")
    assert not wrong, "cells that fail other than with 'not implemented yet' at a check:\n" + "\n".join(wrong)
    assert failed_checks == set(checks), f"check cells that did not fail unanswered: {set(checks) - failed_checks}"


def test_fixture_class_grades_as_expected(tmp_path):
    homework = clip_class.make_homework(tmp_path)
    student_copy = release(homework, tmp_path / "release")
    submissions = clip_class.write_class(student_copy, tmp_path / "submissions", homework.path)
    # the endless loop is graded on its own with a short per-cell timeout; everyone else gets a generous one,
    # so that a slow (busy) machine never turns an honest submission into "timed out"
    (tmp_path / "loop").mkdir()
    (submissions / "loop.ipynb").rename(tmp_path / "loop" / "loop.ipynb")
    written = []
    for folder, name, timeout in [(submissions, "grades.csv", 120), (tmp_path / "loop", "loop.csv", 15)]:
        out = tmp_path / "grades" / name
        rows = grade(homework, folder, out, timeout=timeout)
        with open(out, newline="", encoding="utf-8") as f:
            written.append(list(csv.DictReader(f)))
        assert written[-1] == rows
        assert list(rows[0]) == ["student", "status", "clip_by_norm", "total", "max_total", "seconds", "detail"]
    got = {row["student"]: row for row in written[0] + written[1]}
    assert set(got) == set(clip_class.EXPECTED)
    for student, (status, points, phrase) in clip_class.EXPECTED.items():
        row = got[student]
        assert (row["status"], row["clip_by_norm"], row["total"], row["max_total"]) == (status, points, points, "2"), row
        assert phrase in row["detail"], row
        html = tmp_path / "grades" / "feedback" / f"{student}.html"
        assert html.exists() == (status in ("graded", "timed out"))
        if html.exists():
            text = html.read_text(encoding="utf-8")
            if points == "2":  # the hidden part's source is cleared (a failing one's traceback quotes it)
                assert "run_path" not in text and "HIDDEN TESTS" not in text
            assert re.search(rf"Score: {points}(\.0)? / 2", text), student
    # the tampered checker passed the visible check in the student's kernel; the fresh one caught it
    assert "the notebook's check" in got["tampered"]["detail"]
    assert "write your own code: rnnlib.clipping.clip_by_global_norm" in got["reference"]["detail"]
