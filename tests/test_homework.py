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
    assert lines[0].startswith("clip_by_norm: not yet. Case norm above max_norm")
    assert lines[1].startswith("clip_by_norm: not yet. name 'undefined_name' is not defined: run the exercise cell")
    assert lines[2].startswith("clip_by_norm: correct.") and len(lines) == 3
    assert [line.count("clip_by_norm") for line in lines[:2]] == [1, 1]  # the verdict names it once
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


def test_a_lecture_cell_that_binds_a_name_the_function_uses_locally_is_not_pulled_in():
    """04's lecture cells bind `g`, `grads`, `norm` and `factor` at the top level (one of them from a training
    sweep); clip_by_norm uses those names only as parameters and locals, so none of those cells is graded with
    it (once, such a cell made an honest notebook time out)."""
    cells = ["import numpy as np\nimport torch", "g = np.ones(3)\ngrads = [g]",
             "sweep = train_for_an_hour()\nfactor = sweep.rate\nnorm = 2.0",
             "def clip_by_norm(grads, max_norm):\n    norm = np.sqrt(sum(np.sum(g * g) for g in grads))\n"
             "    factor = min(1.0, max_norm / norm)\n    return [g * factor for g in grads]",
             "def f(x):\n    global K\n    K = x\n    return [helper(y) for y in x] + LIMIT", "LIMIT = 3", "def helper(y):\n    return y"]
    assert submissions.exercise_code(cells, "clip_by_norm")[:-1] == ["import numpy as np"]
    assert submissions.setup_code(cells[0], submissions.exercise_code(cells, "clip_by_norm")) == "import numpy as np"
    assert submissions.exercise_code(cells, "f")[:-1] == ["LIMIT = 3", "def helper(y):\n    return y"]


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


# --- the instructor review's findings -------------------------------------------------------------------

PROBE = r'''
import os, sys, pydoc

REAL = {real!r}


def probe(_):
    out = {{}}
    import rnnlib, rnnlib.rnn
    out["file"] = rnnlib.__file__
    from rnnlib.rnn import rnn_step_forward, rnn_scan_forward  # other functions of the module still work
    from rnnlib.clipping import global_norm, clip_by_global_norm
    out["legit"] = callable(rnn_step_forward) and float(global_norm([np.ones(4)])) == 2.0
    out["clip_sibling"] = float(clip_by_global_norm([np.ones(4)], 1.0)[1])  # not 03's reference: real
    # "Grace Hopper": a finder of its own at the front of meta_path swaps every loader for its own
    finders = getattr(sys, 'meta' + '_path')
    stolen, errors = [], []

    class Steal:  # tries every finder's loader (the copy's and the editable install's), then loads
        def __init__(self, inners):
            self.inners = inners

        def create_module(self, spec):
            return None

        def exec_module(self, module):
            for inner in self.inners:
                for get in (lambda: inner.get_source(module.__name__),
                            lambda: open(inner.get_filename(module.__name__)).read(),
                            lambda: inner.get_code(module.__name__)):
                    try:
                        code = get()
                        namespace = {{'__name__': module.__name__, '__package__': 'rnnlib'}}
                        exec(code if not isinstance(code, str) else compile(code, 'x', 'exec'), namespace)
                        stolen.append(namespace['rnn_step_backward'])
                    except Exception as err:
                        errors.append(f"{{type(err).__name__}}: {{err}}")
            self.inners[0].exec_module(module)

    class Finder:
        def find_spec(self, name, path=None, target=None):
            if name != 'rnn' + 'lib.rnn':
                return None
            specs = [f.find_spec(name, path, target) for f in list(finders)
                     if f is not self and hasattr(f, 'find_spec')]
            specs = [s for s in specs if s is not None]
            specs[0].loader = Steal([getattr(s.loader, '_loader', s.loader) for s in specs])
            return specs[0]

    finders.insert(0, Finder())
    sys.modules.pop('rnnlib.rnn', None)
    located = pydoc.locate('rnn' + 'lib.rnn')
    out["errors"] = errors
    results = []
    for f in stolen + [located.rnn_step_backward]:
        try:
            f(None, None)
            results.append("ran")
        except RuntimeError as err:
            results.append("trap" if "write your own code" in str(err) else repr(err))
        except Exception as err:
            results.append(type(err).__name__)
    out["stolen"] = " ".join(sorted(set(results)))
    refused = {{}}
    attempts = {{
        "source": lambda: open(os.path.join(REAL, "rnn.py")).read(),
        "pyc": lambda: open(os.path.join(REAL, "__pycache__", "rnn.cpython-311.pyc"), "rb").read(),
        "os_open": lambda: os.open(os.path.join(REAL, "rnn.py"), os.O_RDONLY),
        "popen": lambda: pydoc.locate('sub' + 'process.run')(["true"]),
        "system": lambda: os.system("true"),
        "fork": lambda: os.fork() or os._exit(0),
        "posix_spawn": lambda: os.posix_spawn("/bin/true", ["true"], {{}}),
        "exec": lambda: os.execv("/bin/true", ["true"]),
        "fork_exec": lambda: __import__("_posixsubprocess").fork_exec(*[None] * 21),
        "ctypes": lambda: __import__("ctypes").CDLL(None).fork,
        "kill": lambda: os.kill(os.getppid(), 0),
        "write": lambda: open("/tmp/rnnlib-sandbox-escape.txt", "w"),
        "append": lambda: os.open("/tmp/rnnlib-sandbox-escape.txt", os.O_WRONLY | os.O_CREAT),
        "remove": lambda: os.remove("/tmp/rnnlib-sandbox-escape.txt"),
        "rename": lambda: os.rename("mine.txt", "/tmp/rnnlib-sandbox-escape.txt"),
        "link": lambda: os.link(os.path.join(REAL, "rnn.py"), "mine.py"),
        "chmod": lambda: os.chmod("/tmp", 0o777),
        "copy": lambda: __import__("shutil").copyfile("mine.txt", "/tmp/rnnlib-sandbox-escape.txt"),
        "parent": lambda: open(f"/proc/{{os.getppid()}}/status").read(),
    }}
    open("mine.txt", "w").write("in my own folder: allowed")
    for name, attempt in attempts.items():
        try:
            attempt()
            refused[name] = "allowed"
        except PermissionError:
            refused[name] = "refused"
        except Exception as err:
            refused[name] = type(err).__name__
    out["refused"] = refused
    out["own_folder"] = open("mine.txt").read()
    return out
'''


def test_the_real_rnnlib_is_out_of_reach_whatever_the_loader_and_nothing_leaves_the_sandbox(tmp_path):
    """Findings 1-3: Grace Hopper's finder, reads of the real files and their .pyc, child processes,
    writes and file changes outside the folder are all refused; rnnlib is the trapped copy."""
    ex = HOMEWORK["03"].exercises[0]
    body = PROBE.format(real=str(judge.PACKAGE))
    sb = judge.Sandbox({"setup": "import numpy as np", "code": [body], "function": "probe",
                        "references": list(ex.references), "uses": {}, "output_cap": 1000}, 60, tmp_path)
    try:
        assert sb.ready["ready"], sb.ready
        out = sb.function(0)
    finally:
        sb.close()
    assert out["file"] == str(tmp_path / "lib" / "rnnlib" / "__init__.py")
    assert out["legit"] and out["clip_sibling"] == 2.0
    assert out["stolen"] == "trap", out  # every copy it got is the trap; the real file was refused
    assert any("reading rnnlib's files is not allowed" in e for e in out["errors"]), out["errors"]
    assert {k: v for k, v in out["refused"].items() if v != "refused"} == {}
    assert out["own_folder"].startswith("in my own folder")
    assert not __import__("os").path.exists("/tmp/rnnlib-sandbox-escape.txt")


NETWORK = r'''
import socket, ctypes


def probe(port):
    tries = {
        "connect": lambda: socket.create_connection(("127.0.0.1", port), timeout=2),
        "socket": lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM),
        "unix": lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM),
        "udp": lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", port)),
        "getaddrinfo": lambda: socket.getaddrinfo("localhost", port),
        "gethostbyname": lambda: socket.gethostbyname("localhost"),
        "low_level": lambda: __import__("_socket").socket(),
        "ctypes_connect": lambda: ctypes.CDLL(None).connect,
        "ctypes_socket": lambda: ctypes.CDLL(None)["socket"],
        "urllib": lambda: __import__("urllib.request").request.urlopen(f"http://127.0.0.1:{port}/", timeout=2),
    }
    out = {}
    for name, attempt in tries.items():
        try:
            attempt()
            out[name] = "allowed"
        except PermissionError as err:
            out[name] = "refused" if "may not use the network" in str(err) or "through ctypes" in str(err) else str(err)
        except Exception as err:  # urllib wraps it: URLError(<the PermissionError>)
            out[name] = "refused" if "may not use the network" in str(err) else f"{type(err).__name__}: {err}"
    return out
'''


def test_the_sandbox_refuses_the_network(tmp_path):
    """Sockets, connections, name look-ups and their C functions through ctypes are refused; a server
    listening on this machine sees no connection."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    port = server.getsockname()[1]
    ex = HOMEWORK["04"].exercises[0]
    sb = judge.Sandbox({"setup": "import numpy as np", "code": [NETWORK], "function": "probe",
                        "references": list(ex.references), "uses": {}, "output_cap": 1000}, 60, tmp_path)
    try:
        assert sb.ready["ready"], sb.ready
        out = sb.function(port)
    finally:
        sb.close()
    try:
        with pytest.raises(socket.timeout):
            server.accept()
    finally:
        server.close()
    assert out == {name: "refused" for name in out} and len(out) == 10, out


def test_the_record_run_has_the_same_walls(tmp_path):
    """The whole-notebook run: the network, classmates' files, writes outside its folder and processes are
    refused there as in an exercise; the first error is named with its cell; rnnlib's functions work."""
    cells = ["import numpy as np\nfrom rnnlib.clipping import clip_by_global_norm\n"
             "assert clip_by_global_norm([np.ones(4)], 1.0)[1] == 2.0",  # the course's cells call rnnlib
             "import socket\nsocket.create_connection(('127.0.0.1', 9))",
             f"open({str(judge.PACKAGE / 'clipping.py')!r}).read()",
             f"open({str(tmp_path / 'escape.txt')!r}, 'w')",
             "import os\nos.system('true')",
             "x = 1"]
    line = judge.record_notebook(cells, "import numpy as np", 60)
    assert line == ("error in cell 2 of 6: PermissionError: grading: your code may not use the network "
                    "(socket.getaddrinfo) (and 3 more cells with errors)"), line
    assert not (tmp_path / "escape.txt").exists()
    assert judge.record_notebook(cells[:1] + cells[-1:], "import numpy as np", 60) == "ran all 2 cells"
    assert judge.record_notebook(["x = 1", "while True:\n    pass"], "", 5) == "timed out after 5 s in cell 2 of 2"
    assert judge.record_notebook(["import os\nos._exit(1)"], "", 30) == "crashed in cell 1 of 1 (the process ended)"


def test_the_trapped_copy_replaces_every_reference_in_the_source():
    for homework in HOMEWORK.values():
        for ex in homework.exercises:
            lib = judge._template(ex.references)
            for target in ex.references:
                module, attr = target.split(":")
                path = lib.joinpath(*module.split(".")).with_suffix(".py")
                text = path.read_text()
                assert f"def {attr}(*args, **kwargs):\n" in text and "write your own code" in text
                _, missing = sandbox.trap_source(judge.PACKAGE.parent.joinpath(*module.split(".")).with_suffix(
                    ".py").read_text(), [attr], module)
                assert missing == []
    text, missing = sandbox.trap_source("@dec\ndef f(x):\n    return 1\n\ndef g():\n    return f\n", ["f", "h"], "m")
    assert missing == ["h"] and "return 1" not in text and "def g():\n    return f" in text and "def h(" in text


def test_a_sandbox_ends_with_its_whole_process_group(tmp_path):
    """A child started before the audit hook is armed (here by the setup) dies with its sandbox."""
    import time

    sb = judge.Sandbox({"setup": "import subprocess\nchild = subprocess.Popen(['sleep', '60'])",
                        "code": ["def f(x):\n    return child.pid"], "function": "f", "references": [],
                        "uses": {}, "output_cap": 1000}, 60, tmp_path)
    pid = sb.function(0)
    assert open(f"/proc/{pid}/cmdline").read().startswith("sleep")
    sb.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = open(f"/proc/{pid}/stat").read().split(") ")[1][0]
        except OSError:
            break
        if state == "Z":
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"the sandbox's child {pid} outlived it")


def test_memory_blow_up_is_reported_as_the_memory_limit():
    """Finding 7: a MemoryError, or a sandbox that filled its memory and then ran past the time limit."""
    ex = HOMEWORK["04"].exercises[0]
    hog = ("def clip_by_norm(grads, max_norm):\n    keep = []\n    try:\n        while True:\n"
           "            keep.append(np.empty(10**8))\n    except MemoryError:\n        pass\n{tail}")
    quick = judge.judge_exercise(ex, [hog.format(tail="    raise MemoryError()")], "import numpy as np", 30, 0)
    assert quick["status"] == "memory limit" and quick["message"].startswith("memory limit: used up the 4 GiB")
    slow = judge.judge_exercise(ex, [hog.format(tail="    while True:\n        pass")], "import numpy as np", 4, 0)
    assert slow["status"] == "memory limit" and "time limit of 4 s" in slow["message"]


def test_a_big_notebook_is_read_and_a_too_big_one_says_why(tmp_path, monkeypatch):
    """Finding 8: outputs are dropped while reading; the limit (256 MB) names the size and what to do."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="y" * 3_000_000)])])
    path = tmp_path / "a.ipynb"
    nbformat.write(nb, path)
    found = submissions.collect(tmp_path)[0]
    assert submissions.read_cells(submissions.read_bytes(found)) == ["x = 1"]
    monkeypatch.setattr(submissions, "MAX_NOTEBOOK", 2**20)
    with pytest.raises(ValueError, match=r"the notebook is 3 MB, over the 1 MB a submission may have \(saved "
                                         r"outputs included\); ask for it with its outputs cleared"):
        submissions.read_bytes(found)


@pytest.mark.parametrize("line", [
    "m = pydoc.locate('rnn' + 'lib.clipping')", "finders = getattr(sys, 'meta' + '_path')",
    "run = locate('sub' + 'process.run')", "spec.loader._loader = mine", "spec = finder.find_spec(name)",
    "sys.path_hooks.insert(0, hook)", "getattr(importlib, name)", "import subprocess", "os.system('x')",
    "pid = fork()", "os.posix_spawn(p, a, e)", "import ctypes", "name = ''.join(['im', 'portlib'])",
    "m = __import__('o' + 's')"])
def test_flags_catch_the_review_s_tricks(line):
    """Finding 4: names spelled in pieces, pydoc, finders and loaders, process creation, ctypes."""
    assert submissions.flags([line]) == [f"review by hand: {line}"]


@pytest.mark.parametrize("line", ["print('norm ' + 'too big')", "for x, y in loader:", "label = 'a' + 'b'"])
def test_flags_leave_ordinary_lines_alone(line):
    assert submissions.flags([line]) == []


def test_grading_the_wrong_notebook_warns_once(tmp_path, capsys):
    """Finding 5: a class of 04 graded as 03: everyone 0, and one warning line on stderr."""
    from homework_fixtures import class04
    from rnnlib.homework.grade import grade

    folder = tmp_path / "subs"
    folder.mkdir()
    for name in ("a", "b"):
        nbformat.write(class04._with_body(class04.RIGHT), folder / f"{name}.ipynb")
    rows = grade("03", folder, tmp_path / "g.csv", jobs=1)
    assert [r["total"] for r in rows] == ["0", "0"]
    err = capsys.readouterr().err
    assert err == ("warning: none of the 2 submissions defines my_rnn_step_backward or my_rnn_backward; "
                   "is 03 the right notebook?\n")
    grade("04", folder, tmp_path / "g4.csv", jobs=1)
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize("typed", ["4", "04", "004"])
def test_cli_takes_the_notebook_number_with_or_without_its_zero(typed):
    """Finding 6."""
    from rnnlib.homework.__main__ import build_parser

    assert build_parser().parse_args(["grade", typed, "subs"]).notebook == "04"
    assert build_parser().parse_args(["release", typed]).notebook == "04"


def test_verdict_names_the_student_s_function():
    """Finding 9: 03's check says my_rnn_step_backward in both places."""
    import contextlib
    import io

    def unanswered(*args):
        raise NotImplementedError()

    from rnnlib.checkers import check_rnn_step_backward
    out = io.StringIO()
    with contextlib.redirect_stdout(out), verdict("my_rnn_step_backward"):
        check_rnn_step_backward(unanswered)
    assert out.getvalue().startswith("my_rnn_step_backward: not yet. Not implemented yet.")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), verdict("my_rnn_step_backward"):
        check_rnn_step_backward(lambda *a: 1)
    assert out.getvalue().startswith("my_rnn_step_backward: not yet. Case N=2")


def test_ids_keep_letters_of_every_script_whole_and_never_collide(tmp_path):
    """The review's Сергей became Сергеи (the breve stripped with the accents): only Latin letters lose theirs."""
    import unicodedata

    names = ["Сергей", "Сергеи", unicodedata.normalize("NFD", "Сергей"), "José", unicodedata.normalize("NFD", "José"),
             "Zoë Ångström", "Ђорђе", "李雷", "हिन्दी"]
    for name in names:
        (tmp_path / f"{name}.ipynb").write_text("{}")
    ids = {s.name: s.id for s in submissions.collect(tmp_path)}
    assert len(ids) == len(names) and len({i.lower() for i in ids.values()}) == len(names)
    assert ids["Сергей.ipynb"] in ("Сергей", "Сергей-2") and ids["Сергеи.ipynb"] == "Сергеи"
    assert sorted(i for n, i in ids.items() if n.startswith("Серге") and n != "Сергеи.ipynb") == ["Сергей", "Сергей-2"]
    assert submissions.student_id("Zoë Ångström") == "Zoe_Angstrom" and submissions.student_id("José") == "Jose"
    for name in ("Ђорђе", "李雷", "हिन्दी", "Сергей"):
        assert submissions.student_id(name) == name and submissions.student_id(unicodedata.normalize("NFD", name)) == name


@pytest.mark.parametrize("cell", [
    "f = lambda x: x + 1",
    "def plus_one(x):\n    return x + 1\n\n\nf = plus_one",
])
def test_an_exercise_assigned_a_lambda_or_another_function_is_found(cell):
    """The review's steps_to_shrink = lambda ... lost its points: an assignment to the name defines it."""
    cells = ["import numpy as np", "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()", cell, "print(f(1))"]
    pieces = submissions.exercise_code(cells, "f")
    assert pieces[-1] == cell
    namespace = {}
    for piece in pieces:
        exec(piece, namespace)
    assert namespace["f"](1) == 2
    assert submissions.exercise_code(["def f(x):\n    return 0", "f = lambda x: x + 1"], "f") == ["f = lambda x: x + 1"]


def test_flags_name_a_reference_even_one_the_setup_imports():
    """The review's cheats used names the course's setup cell imports, so no line said 'rnnlib'."""
    from rnnlib.homework.spec import reference_names

    step, loop = HOMEWORK["03"].exercises
    for line in ("return STEP_BACKWARD_BUGS['in-place upstream'](dh_next.copy(), cache)",
                 "out = rnn_backward(dh_next[:, None], seq)", "out = r.rnn_scan_backward(dh[None], s)",
                 "_, g = torch_reference('rnn', params, x, h0, dh)", "return step_in_place(dh.copy(), c)"):
        assert submissions.flags([line], (), reference_names(step)) == [f"review by hand: {line}"]
    assert submissions.flags(["_, g = torch_reference('rnn', p, x, h0, dh)"], (), reference_names(loop))
    honest = "dx[:, t], carry, a, b, c = rnn_step_backward(dh[:, t] + carry, caches[t])"  # 03 hands it to exercise 2
    assert submissions.flags([honest], (), reference_names(loop)) == []
    assert submissions.flags(["out = my_rnn_step_backward(dh, c)"], (), reference_names(step)) == []
    assert "adagrad_step" not in reference_names(HOMEWORK["02"].exercises[1])  # the exercise's own name


def test_references_that_answer_an_exercise_are_trapped_for_it():
    """Every rnnlib function that computes an exercise's answer, torch-based or a 'buggy' variant that is
    right on a copy, is a trap while that exercise is graded."""
    refs = {ex.function: set(ex.references) for hw in HOMEWORK.values() for ex in hw.exercises}
    from rnnlib.checkers.bugs import STEP_BACKWARD_BUGS

    bugs = {f"rnnlib.checkers.bugs:{f.__name__}" for f in STEP_BACKWARD_BUGS.values()}
    torch = {"rnnlib.torch_bridge:torch_reference", "rnnlib.torch_bridge:torch_rnn", "rnnlib.torch_bridge:torch_lstm"}
    assert bugs | torch | {"rnnlib.rnn:rnn_backward", "rnnlib.rnn:rnn_scan_backward", "rnnlib.bptt:bptt_loop",
                           "rnnlib.rnn:rnn_step_backward"} <= refs["my_rnn_step_backward"]
    assert bugs | torch | {"rnnlib.rnn:rnn_backward", "rnnlib.checkers.explore:reference_rnn_backward"} <= refs["my_rnn_backward"]
    lstm = {"rnnlib.checkers.lstm:forward_with_bug", "rnnlib.checkers.lstm:backward_with_bug"} | torch
    assert lstm <= refs["my_lstm_step_forward"] and lstm <= refs["my_lstm_step_backward"]
    assert "rnnlib.checkers.explore:reference_clip" in refs["clip_by_norm"]
    assert "rnnlib.checkers.explore:reference_adagrad_step" in refs["adagrad_step"]
    assert "rnnlib.checkers.captioning:_torch_temporal_softmax_loss" in refs["temporal_softmax_loss"]


@pytest.mark.parametrize("out, message", [
    ("{tmp}/no/such/folder/g.csv", "out must be in an existing folder"),
    ("/proc/x.csv", "out must be a file that can be written"),
])
def test_cli_refuses_an_out_it_cannot_write_before_any_output(capsys, tmp_path, out, message):
    from rnnlib.homework.__main__ import main

    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "a.ipynb")
    assert main(["grade", "04", str(tmp_path), "--out", out.format(tmp=tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and message in captured.err
    assert not (tmp_path / "no").exists()


def test_resume_refuses_another_notebook_s_csv(capsys, tmp_path):
    """The review's --resume with 03's grades.csv while grading 04 appended rows under 03's columns."""
    from rnnlib.homework.__main__ import main
    from rnnlib.homework.grade import columns

    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(nbformat.v4.new_notebook(), subs / "a.ipynb")
    csv_path = tmp_path / "grades.csv"
    text = ",".join(columns(HOMEWORK["03"])) + "\nbob,bob.ipynb,graded,3,3,6,6,,,1.0,\n"
    csv_path.write_text(text, encoding="utf-8")
    assert main(["grade", "04", str(subs), "--out", str(csv_path), "--resume"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "does not hold hw04's grades" in captured.err
    assert csv_path.read_text(encoding="utf-8") == text
