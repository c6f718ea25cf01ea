"""Homework: the spec finds every exercise; each checker's visible check and fresh-input test agree (one
function); a submission's exercise is found by content; ids, skipped files and flags; the sandbox's traps
and its safe wire; bad input exits 2 before grading. The fixture class is in test_homework_grading.py."""
import json
import re
import subprocess
import sys

import nbformat
import numpy as np
import pytest

from rnnlib.bptt import step_caches
from rnnlib.lstm import LSTMStepCache, sigmoid
from rnnlib.rnn import rnn_step_backward
from rnnlib.checkers import verdict
from rnnlib.checkers.clipping import check_clip_by_norm
from rnnlib.homework import judge, sandbox, submissions
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


def test_cli_help_names_both_commands():
    result = subprocess.run([sys.executable, "-m", "rnnlib.homework", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "release" in result.stdout and "grade" in result.stdout


@pytest.mark.parametrize("argv, message", [
    (["grade", "99", "subs"], "argument notebook: invalid choice: '99'"),
    (["grade", "03", "subs", "--timeout", "-1"], "argument --timeout: must be a positive number; got '-1'"),
    (["grade", "03", "no/such/folder", "--out", "{tmp}/grades.csv"], "submissions must be a folder"),
    (["grade", "03", "{tmp}", "--out", "{tmp}/g.csv"], "submissions must hold at least one notebook"),
    (["grade", "03", "{tmp}/.", "--out", "{tmp}"], "out must be a CSV file, not a folder"),
    (["grade", "03", "subs", "--timeout", "0"], "argument --timeout: must be a positive number; got '0'"),
    (["grade", "03", "subs", "--jobs", "0"], "argument --jobs: must be a positive integer; got '0'"),
    (["bench", "--n", "x"], "argument --n: must be a positive integer"),
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


def test_every_checker_passes_the_instructor_solution_on_fresh_inputs():
    """The visible check and the test on fresh inputs are one function: the notebook's own answer passes both."""
    for key in KEYS:
        homework = HOMEWORK[key]
        nb = nbformat.read(homework.path, as_version=4)
        namespace = dict(SETUP)
        for ex in homework.exercises:
            exec(nb.cells[exercise_cells(nb, ex)[0]].source, namespace)
        for ex in homework.exercises:
            module, name = ex.checker.split(":")
            checker = getattr(__import__(module, fromlist=[name]), name)
            for seed in range(3):
                checker(namespace[ex.function], rng=np.random.default_rng(seed))
            with pytest.raises(AssertionError):
                checker(lambda *args: (_ for _ in ()).throw(ValueError("wrong")), rng=np.random.default_rng(0))


def clip_with_eps(eps):
    def clip(grads, max_norm):
        norm = np.sqrt(sum(np.sum(g * g) for g in grads))
        return [g * min(1.0, max_norm / (norm + eps)) for g in grads]
    return clip


def per_array(grads, max_norm):
    return [g * min(1.0, max_norm / np.sqrt(np.sum(g * g))) for g in grads]


def in_place(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g * g) for g in grads))
    for g in grads:
        g *= min(1.0, max_norm / norm)
    return grads


@pytest.mark.parametrize("answer, accepted", [(clip_with_eps(0.0), True), (clip_with_eps(1e-6), True),
                                              (per_array, False), (in_place, False), (clip_with_eps(1e-2), False)])
def test_clip_check_and_fresh_test_agree_over_300_seeds(answer, accepted, capsys):
    """The course's and torch's ε rule passes both; the usual mistakes fail both, on every seed."""
    def verdict_of(rng):
        try:
            check_clip_by_norm(answer, rng=rng)
        except AssertionError as err:
            return str(err).split(":")[0]
        return "pass"
    visible = verdict_of(None)
    fresh = {verdict_of(np.random.default_rng(seed)) for seed in range(300)}
    assert (visible == "pass") == accepted and fresh == {visible}


def test_checkers_reject_a_bad_rng():
    with pytest.raises(ValueError, match="rng must be None, a np.random.Generator or a non-negative int; got 'x'"):
        check_clip_by_norm(clip_with_eps(0.0), rng="x")


def test_verdict_prints_one_line_and_lets_the_notebook_go_on(capsys):
    with verdict("clip_by_norm"):
        check_clip_by_norm(per_array)
    with verdict("clip_by_norm"):
        check_clip_by_norm(undefined_name)  # noqa: F821
    with verdict("clip_by_norm"):
        check_clip_by_norm(clip_with_eps(0.0))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("clip_by_norm: not yet. clip_by_norm (case norm above max_norm")
    assert lines[1].startswith("clip_by_norm: not yet. name 'undefined_name' is not defined: run the exercise cell")
    assert lines[2].startswith("clip_by_norm: correct.") and len(lines) == 3
    with pytest.raises(KeyboardInterrupt), verdict("x"):
        raise KeyboardInterrupt


def test_exercise_cell_found_by_content_with_helpers_and_a_stub_left_behind():
    cells = ["import numpy as np\nrng = 0", "def helper(x):\n    return np.sqrt(x)\nprint(rng)",
             "%time\ndef f(x):\n    return helper(x) + K", "K = 2", "def f(x):\n    raise NotImplementedError()",
             "this is not python("]
    pieces = submissions.exercise_code(cells, "f")
    assert pieces[-1].strip().startswith("def f(x):") and "helper" in pieces[-1]
    assert pieces[:-1] == ["import numpy as np", "def helper(x):\n    return np.sqrt(x)", "K = 2"]
    assert submissions.exercise_code(cells, "g") is None
    assert submissions.setup_code("%matplotlib inline\nimport numpy as np\nimport torch\nfrom a import b, c",
                                  ["def g():\n    return np.c_[c]"]) == "import numpy as np\nfrom a import c"


def test_read_cells_takes_any_nbformat_4_and_says_why_not(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("m")])
    nb.nbformat_minor = 4  # an older minor version with cell ids, as another Jupyter saves it
    assert submissions.read_cells(nbformat.writes(nb, version=4).encode()) == ["x = 1"]
    assert submissions.read_cells(b'{"nbformat": 4, "nbformat_minor": 0, "cells": [{"cell_type": "code", '
                                  b'"source": ["a\\n", "b"]}]}') == ["a\nb"]
    with pytest.raises(ValueError, match="not valid JSON"):
        submissions.read_cells(b'{"cells": [')
    with pytest.raises(ValueError, match="no list of cells"):
        submissions.read_cells(b"{}")


def test_every_entry_is_accounted_for_with_a_unique_id(tmp_path):
    for name in ("Иван.ipynb", "Мария.ipynb", "José.ipynb", "jose.ipynb", "A.IPYNB", "notes.txt", "README"):
        (tmp_path / name).write_text("{}")
    (tmp_path / "bob").mkdir()
    for name in ("a.ipynb", "b.ipynb"):
        (tmp_path / "bob" / name).write_text("{}")
    found = {s.name: s for s in submissions.collect(tmp_path)}
    assert len(found) == 8 and len({s.id.lower() for s in found.values()}) == 8
    assert found["Иван.ipynb"].id == "Иван" and found["José.ipynb"].id in ("Jose", "Jose-2")
    assert found["A.IPYNB"].path == tmp_path / "A.IPYNB"
    assert found["notes.txt"].skipped and "not a notebook (.txt)" in found["notes.txt"].problem
    assert found["bob"].problem == "the folder holds 2 notebooks, expected 1" and not found["bob"].skipped


@pytest.mark.parametrize("line, flagged", [
    ("import importlib; importlib.reload(m)", True), ("sys.modules['x'] = y", True), ("f.__code__ = g", True),
    ("np.random.default_rng = fake", True), ("open('/tmp/other.ipynb').read()", True), ("import rnnlib", True),
    ("__import__('runpy')", True), ("import builtins", True),
    ("norm = np.sqrt(sum(np.sum(g * g) for g in grads))", False), ("return [g * f for g in grads]  # os.", False)])
def test_flags_name_the_line(line, flagged):
    assert bool(submissions.flags([line])) == flagged
    if flagged:
        assert submissions.flags([line])[0] == f"review by hand: {line}"
    assert submissions.flags([line], course_lines={line}) == []


def test_the_wire_carries_numbers_and_arrays_only():
    value = {"a": [np.arange(3.0), (1, 2.5, None, True)], "b": np.float32(2)}
    back = sandbox.decode(json.loads(json.dumps(sandbox.encode(value))))
    assert np.array_equal(back["a"][0], np.arange(3.0)) and back["a"][1] == (1, 2.5, None, True)
    assert back["b"] == 2 and isinstance(back["b"], np.floating)
    for bad in (object(), np.array([object()]), {1: 2}, lambda: 0):
        with pytest.raises(TypeError):
            sandbox.encode(bad)
    with pytest.raises(ValueError):
        sandbox.decode({"__nd__": ["|O", [1], ""]})


def test_seeds_and_scrubbing():
    assert judge.exercise_seed("a", "f", "s") == judge.exercise_seed("a", "f", "s") != judge.exercise_seed("b", "f", "s")
    assert judge.scrub("FileNotFoundError: /home/prof/class/alice.ipynb") == "FileNotFoundError: <path>"


def test_the_sandbox_traps_a_reference_and_its_reloads(tmp_path):
    ex = HOMEWORK["04"].exercises[0]
    body = ("import importlib, rnnlib.clipping\n"
            "def clip_by_norm(grads, max_norm):\n"
            "    mode = int(max_norm)\n"
            "    if mode == 1:\n"
            "        return rnnlib.clipping.clip_by_global_norm(grads, 1.0)\n"
            "    return importlib.reload(rnnlib.clipping).clip_by_global_norm(grads, 1.0)\n")
    sb = judge.Sandbox({"setup": "import numpy as np", "code": [body], "function": "clip_by_norm",
                        "references": list(ex.references), "uses": {}, "output_cap": 1000}, 60, tmp_path)
    try:
        assert sb.ready["ready"]
        for max_norm in (1.0, 2.0):
            with pytest.raises(Exception, match="write your own code: rnnlib.clipping.clip_by_global_norm"):
                sb.function([np.ones(3)], max_norm)
    finally:
        sb.close()
