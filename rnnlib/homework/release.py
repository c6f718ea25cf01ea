"""Student notebooks from the instructor notebooks: nbgrader metadata from the spec, then generate_assignment.

Everything nbgrader needs (course folder, nbgrader_config.py, gradebook database, Jupyter runtime
and IPython folders) lives in a private temporary folder that is deleted afterwards; no global
nbgrader or Jupyter state is read or written.
"""
from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import tempfile
from pathlib import Path

import nbformat

from .spec import get_homework

__all__ = ["assemble", "course", "release", "exercise_cells", "grade_source", "nbgrader_metadata", "student_copy",
           "GRADE_HEADER", "THREADS"]

STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
GRADE_HEADER = ("# Graded: {function} ({points} point{s}). When your work is graded, your function is tested on "
                "the check above and on fresh inputs.")
# One BLAS/OpenMP thread per grading kernel: on a busy machine multi-threaded BLAS on these small
# matrices was measured 19x slower (300 training steps: 116 s with 2 threads, 6 s with 1, load ~20 on 2 cores).
THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# nbgrader treats these words as delimiters wherever they appear, also in prose that mentions them; such
# cells get an invisible word joiner for nbgrader, taken out again in the released notebook.
DELIMITERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
JOINER = "\u2060"


def _defuse(text):
    for word in DELIMITERS:
        text = text.replace(word, word.replace(" ", JOINER + " ", 1))
    return text


def _restore(text):
    for word in DELIMITERS:
        text = text.replace(word.replace(" ", JOINER + " ", 1), word)
    return text


def exercise_cells(nb, exercise):
    """(solution cell index, check cell index) of an exercise, found by content; ValueError if absent."""
    defines = re.compile(rf"^def {re.escape(exercise.function)}\(", re.M)
    mentions = re.compile(rf"\b{re.escape(exercise.function)}\b")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "### BEGIN SOLUTION" in cell.source and defines.search(cell.source):
            for j in range(i + 1, len(nb.cells)):
                if nb.cells[j].cell_type == "code" and mentions.search(nb.cells[j].source):
                    return i, j
            raise ValueError(f"exercise {exercise.function}: no check cell after its solution cell {i}")
    raise ValueError(f"exercise {exercise.function}: no code cell with '### BEGIN SOLUTION' and "
                     f"'def {exercise.function}(' in the notebook")


def nbgrader_metadata(grade_id, *, solution=False, points=None):
    meta = {"schema_version": 3, "grade_id": grade_id, "solution": solution, "grade": points is not None,
            "locked": not solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def grade_source(exercise):
    """The grade cell: a visible line saying what is graded. The grading itself runs outside the notebook
    (rnnlib.homework.judge), so the cell holds no test, hidden or not."""
    return GRADE_HEADER.format(function=exercise.function, points=exercise.points,
                               s="" if exercise.points == 1 else "s")


INSTRUCTOR_NOTE = re.compile(r"\s*\(This is the instructor version(?:[^()]|\([^()]*\))*\)")
STUDENT_NOTE = " (Until you write your code, its check says \"not implemented yet\" and the notebook goes on.)"
SHOWS_SOURCE = re.compile(r"^(\s*)(.*\binspect\.getsource\(.*)$", re.M)


def student_copy(nb, homework):
    """The student's notebook from nbgrader's release: check cells print a one-line verdict instead of
    raising (Run All reaches the end), no word of an instructor version, no printed source."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = INSTRUCTOR_NOTE.sub(STUDENT_NOTE, cell.source)
        elif cell.cell_type == "code" and "nbgrader" not in cell.metadata:
            cell.source = SHOWS_SOURCE.sub(r"\1pass  # (the source is shown after the exercises are due)", cell.source)
    for ex in homework.exercises:
        defines = re.compile(rf"^def {re.escape(ex.function)}\(", re.M)
        mentions = re.compile(rf"\b{re.escape(ex.function)}\b")
        start = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and defines.search(c.source)), None)
        if start is None:
            continue
        check = next((j for j in range(start + 1, len(nb.cells)) if nb.cells[j].cell_type == "code"
                      and mentions.search(nb.cells[j].source) and "nbgrader" not in nb.cells[j].metadata), None)
        if check is not None:
            body = "\n".join("    " + line if line.strip() else line for line in nb.cells[check].source.splitlines())
            nb.cells[check].source = (f"from rnnlib.checkers import verdict  # a failed check prints one line\n"
                                      f"with verdict({ex.function!r}):\n{body}")
    return nb


def assemble(homework):
    """The instructor notebook with nbgrader metadata and grade cells added (the nbgrader 'source')."""
    homework = get_homework(homework)
    nb = nbformat.read(homework.path, as_version=4)
    found = sorted((exercise_cells(nb, ex) + (ex,) for ex in homework.exercises), key=lambda t: t[1], reverse=True)
    for solution, check, ex in found:  # from the bottom up, so earlier indices stay valid
        nb.cells[solution].metadata["nbgrader"] = nbgrader_metadata(f"{ex.function}_solution", solution=True)
        cell = nbformat.v4.new_code_cell(grade_source(ex))
        cell.metadata["nbgrader"] = nbgrader_metadata(ex.function, points=ex.points)
        nb.cells.insert(check + 1, cell)
    for cell in nb.cells:
        cell.pop("id", None)  # nbgrader and nbformat assign fresh ids
        if "nbgrader" not in cell.metadata:
            cell.source = _defuse(cell.source)
    nb.nbformat_minor = 4
    return nb


def _create_gradebook(db_url):
    """Create nbgrader's database with its tables and alembic head, in-process.

    nbgrader would otherwise ask for the head by running the `alembic` command in a subprocess
    (seconds, and only when the venv's bin/ is on PATH); the result is the same database.
    """
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory
    from nbgrader.api import Base
    from nbgrader.dbutil import ALEMBIC_DIR
    from sqlalchemy import create_engine, text

    alembic = AlembicConfig()
    alembic.set_main_option("script_location", ALEMBIC_DIR)
    head = ScriptDirectory.from_config(alembic).get_current_head()
    engine = create_engine(db_url)
    try:
        Base.metadata.create_all(bind=engine)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head})
    finally:
        engine.dispose()


@contextlib.contextmanager
def course(homework, timeout=60):
    """A private nbgrader course folder with the assignment generated; yields (api, root, homework)."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.apps import NbGraderAPI
    from nbgrader.preprocessors import ClearHiddenTests, GetGrades
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    homework = get_homework(homework)
    root = Path(tempfile.mkdtemp(prefix="rnnlib-homework-"))
    env = dict(JUPYTER_RUNTIME_DIR=str(root / "runtime"), IPYTHONDIR=str(root / "ipython"), TQDM_DISABLE="1",
               **THREADS)
    saved = {k: os.environ.get(k) for k in env}
    try:
        os.environ.update(env)
        config = Config()
        config.CourseDirectory.root = str(root)
        config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
        _create_gradebook(config.CourseDirectory.db_url)
        config.Execute.timeout = max(1, math.ceil(timeout))  # nbgrader takes whole seconds
        config.ClearSolutions.code_stub = {"python": STUB}
        config.Exchange.root = str(root / "exchange")
        # feedback shows the graded notebook and its errors, not the hidden part's source
        config.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
        (root / "nbgrader_config.py").write_text(
            f"c = get_config()  # written for the record; the API gets the same settings directly\n"
            f"c.CourseDirectory.root = {str(root)!r}\nc.Execute.timeout = {max(1, math.ceil(timeout))}\n")
        source = root / "source" / homework.assignment
        source.mkdir(parents=True)
        nbformat.write(assemble(homework), source / homework.path.name)
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        result = api.generate_assignment(homework.assignment)
        if not result["success"]:
            raise RuntimeError(f"nbgrader generate_assignment failed:\n{result.get('log')}\n{result.get('error')}")
        yield api, root, homework
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(root, ignore_errors=True)


def release(homework, out="release"):
    """Write the student version of a notebook to out/<assignment>/<notebook>.ipynb; return its path."""
    with course(homework) as (_, root, homework):
        made = root / "release" / homework.assignment / homework.path.name
        target = Path(out) / homework.assignment / homework.path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nb = nbformat.read(made, as_version=4)
        for cell in nb.cells:
            if "nbgrader" not in cell.metadata:
                cell.source = _restore(cell.source)
        nbformat.write(student_copy(nb, homework), target)
    return target
