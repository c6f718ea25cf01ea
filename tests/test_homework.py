"""Homework: the spec finds every exercise, release hides solutions and hidden tests, the traps and
fresh imports work, and a fixture class grades exactly as expected (tests/homework_fixtures)."""
import re
import subprocess
import sys
import types

import nbformat
import numpy as np
import pytest

from rnnlib.bptt import step_caches
from rnnlib.lstm import LSTMStepCache, sigmoid
from rnnlib.rnn import rnn_step_backward
from rnnlib.homework import hidden
from rnnlib.homework.release import assemble, exercise_cells
from rnnlib.homework.spec import HOMEWORK, NOTEBOOKS, get_homework

KEYS = sorted(HOMEWORK)
SETUP = {"np": np, "step_caches": step_caches, "rnn_step_backward": rnn_step_backward,  # what solution cells use
         "LSTMStepCache": LSTMStepCache, "sigmoid": sigmoid}


def test_every_notebook_with_solutions_has_a_spec_entry():
    with_solutions = {p.name for p in NOTEBOOKS.glob("*.ipynb") if "### BEGIN SOLUTION" in p.read_text()}
    assert with_solutions == {hw.path.name for hw in HOMEWORK.values()}


@pytest.mark.parametrize("key", KEYS)
def test_spec_covers_every_solution_cell_and_adds_one_grade_cell_each(key):
    homework = HOMEWORK[key]
    nb = nbformat.read(homework.path, as_version=4)
    solution_cells = {i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "### BEGIN SOLUTION" in c.source}
    assert {exercise_cells(nb, ex)[0] for ex in homework.exercises} == solution_cells
    built = assemble(homework)
    meta = [c.metadata.get("nbgrader") for c in built.cells if "nbgrader" in c.metadata]
    grades = {m["grade_id"]: m["points"] for m in meta if m["grade"]}
    assert grades == {ex.function: ex.points for ex in homework.exercises}
    assert sum(m["solution"] for m in meta) == len(homework.exercises)
    for i, cell in enumerate(built.cells):  # each grade cell sits right after its exercise's check cell
        if cell.metadata.get("nbgrader", {}).get("grade"):
            assert re.search(rf"\b{cell.metadata['nbgrader']['grade_id']}\b", built.cells[i - 1].source)


def test_get_homework_names_the_choices():
    assert get_homework(4) is HOMEWORK["04"]
    with pytest.raises(ValueError, match=r"notebook must be one of .*'01'"):
        get_homework("01")


def test_traps_catch_aliases_and_default_arguments_and_restore():
    from rnnlib import clipping

    alias = clipping.clip_by_global_norm
    sneaky = types.FunctionType((lambda g, m, f=clipping.clip_by_global_norm: f(g, m)).__code__, {}, "sneaky",
                                (clipping.clip_by_global_norm,))
    grads = [np.ones(3)]
    with hidden.traps(["rnnlib.clipping:clip_by_global_norm"]):
        for call in (alias, sneaky, clipping.clip_by_global_norm):
            with pytest.raises(RuntimeError, match="write your own code: rnnlib.clipping.clip_by_global_norm"):
                call(grads, 1.0)
    clipped, norm = alias(grads, 1.0)  # restored, defaults included
    assert norm == pytest.approx(np.sqrt(3)) and np.allclose(clipped[0], 1 / (np.sqrt(3) + 1e-6))


def test_fresh_modules_ignore_a_checker_patched_in_the_kernel(monkeypatch):
    import rnnlib.checkers

    monkeypatch.setattr(rnnlib.checkers, "check_clip_by_norm", lambda fn: 0.0)
    before = dict(sys.modules)
    fresh = hidden.fresh_modules(["rnnlib.checkers"])["rnnlib.checkers"]
    assert fresh is not rnnlib.checkers and sys.modules == before
    with pytest.raises(AssertionError, match="clip_by_norm"):
        fresh.check_clip_by_norm(lambda grads, max_norm: list(grads))


@pytest.mark.parametrize("key", KEYS)
def test_hidden_tests_pass_the_reference_and_fail_a_wrong_answer(key, capsys):
    """Run every grade cell's hidden part in-process on the notebook's own solutions, then on a wrong one."""
    homework = HOMEWORK[key]
    nb = nbformat.read(homework.path, as_version=4)
    namespace = dict(SETUP)
    for ex in homework.exercises:
        exec(nb.cells[exercise_cells(nb, ex)[0]].source, namespace)
    for ex in homework.exercises:
        spec = dict(function=ex.function, test=ex.test, checker=ex.checker, references=list(ex.references),
                    uses=dict(ex.uses))
        hidden.grade(namespace=namespace, **spec)
        right = namespace[ex.function]
        namespace[ex.function] = lambda *args: (_ for _ in ()).throw(ValueError("wrong"))
        with pytest.raises(AssertionError):
            hidden.grade(namespace=namespace, **spec)
        namespace[ex.function] = right
    assert "the graded tests pass" in capsys.readouterr().out


def test_cli_help_names_both_commands():
    result = subprocess.run([sys.executable, "-m", "rnnlib.homework", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "release" in result.stdout and "grade" in result.stdout


@pytest.mark.parametrize("argv, message", [
    (["grade", "99", "subs"], "argument notebook: invalid choice: '99'"),
    (["grade", "03", "subs", "--timeout", "-1"], "argument --timeout: must be a positive number; got '-1'"),
    (["grade", "03", "no/such/folder", "--out", "{tmp}/grades.csv"], "submissions must be a folder"),
    (["--bad"], "the following arguments are required: command"),
])
def test_cli_bad_input_exits_2_with_one_line(capsys, tmp_path, argv, message):
    from rnnlib.homework.__main__ import main

    assert main([a.format(tmp=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m rnnlib.homework: error: ") and err.count("\n") == 1 and message in err


def test_python_m_returns_the_exit_code():
    result = subprocess.run([sys.executable, "-m", "rnnlib.homework", "grade", "99", "x"], capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.count("\n") == 1


def loop_on_my_step(dh, cache):
    """A student's BPTT loop built on their own my_rnn_step_backward (looked up when called)."""
    caches, carry = step_caches(cache), np.zeros_like(dh[:, 0])
    dx, grads = np.zeros(cache.x.shape), None
    for t in reversed(range(dh.shape[1])):
        dx[:, t], carry, *step = my_rnn_step_backward(dh[:, t] + carry, caches[t])  # noqa: F821
        grads = step if grads is None else [g + s for g, s in zip(grads, step)]
    return (dx, carry, *grads)


def test_each_exercise_is_graded_on_its_own():
    """A loop that calls the student's step is graded with the reference step: a wrong step costs only its own points."""
    loop = next(ex for ex in HOMEWORK["03"].exercises if ex.function == "my_rnn_backward")
    namespace = loop_on_my_step.__globals__  # the loop looks up my_rnn_step_backward here, as in a kernel
    namespace["my_rnn_backward"] = loop_on_my_step
    namespace["my_rnn_step_backward"] = wrong_step = lambda dh_next, cache: (0, 0, 0, 0, 0)
    try:
        with pytest.raises(AssertionError):  # without the substitution the wrong step sinks the loop
            hidden.grade(function=loop.function, test=loop.test, checker=loop.checker,
                         references=list(loop.references), uses={}, namespace=namespace)
        hidden.grade(function=loop.function, test=loop.test, checker=loop.checker,
                     references=list(loop.references), uses=dict(loop.uses), namespace=namespace)
        assert namespace["my_rnn_step_backward"] is wrong_step  # put back afterwards
    finally:
        del namespace["my_rnn_backward"], namespace["my_rnn_step_backward"]


def test_collect_submissions_and_failure_statuses(tmp_path):
    from rnnlib.homework.grade import failure_status, collect_submissions, grade

    (tmp_path / "bob").mkdir()
    for name in ("a.ipynb", "b.ipynb"):
        (tmp_path / "bob" / name).write_text("{}")
    (tmp_path / "carol x.ipynb").write_text("{}")
    (tmp_path / "notes.txt").write_text("not a submission")
    assert collect_submissions(tmp_path) == [
        ("bob", None, "the folder holds 2 notebooks, expected 1"), ("carol_x", tmp_path / "carol x.ipynb", "")]
    assert failure_status({"error": "nbclient.exceptions.DeadKernelError: Kernel died"})[0] == "crashed"
    assert failure_status({"log": "the kernel became unresponsive"})[0] == "timed out"
    assert failure_status({"log": "nbclient.exceptions.CellTimeoutError: A cell timed out"})[0] == "timed out"
    assert failure_status({"error": "KeyError: 'x'"}) == ("crashed", "nbgrader failed: KeyError: 'x'")
    with pytest.raises(ValueError, match="submissions must be a folder"):
        collect_submissions(tmp_path / "carol x.ipynb")
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds; got 0"):
        grade("04", tmp_path, tmp_path / "g.csv", timeout=0)
