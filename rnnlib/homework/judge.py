"""Grade one submission: each exercise in its own sandbox process, judged by the notebook's own checker.

For each exercise the judge (this process, which never runs student code) starts rnnlib/homework/
sandbox.py in a fresh interpreter and a private empty folder, with the notebook's setup imports the
exercise uses, the student's exercise cell and the definitions it needs from other cells, the exercise's
reference solutions replaced by traps, and limits on time (`timeout` seconds for the whole exercise),
memory and output. The checker runs here and calls the student's function through the sandbox: first
on the notebook's fixed cases (the check the student saw), then on fresh ones drawn with a seed derived
from (student, exercise, course salt), so a regrade reproduces. Expected values are computed only here.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib
import io
import json
import os
import pickle
import re
import resource
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .sandbox import MAX_MESSAGE, decode, trap_source
from .spec import reference_names
from .submissions import exercise_code, flags, read_bytes, read_cells, setup_code

__all__ = ["SANDBOX", "PACKAGE", "SandboxTimeout", "SandboxDied", "SandboxMemory", "Sandbox", "trapped_copy", "judge_exercise", "judge_submission",
           "exercise_seed", "scrub", "setup_source", "course_lines_of", "use_scratch_folder", "record_notebook",
           "RECORD_TIMEOUT", "kill_sandboxes"]

SANDBOX = Path(__file__).resolve().with_name("sandbox.py")
PACKAGE = Path(__file__).resolve().parent.parent  # the real rnnlib, which no sandbox may read
OUTPUT_CAP = 100_000  # characters of a sandbox's output kept for the feedback
MEMORY = 4 * 2**30  # bytes of address space for one sandbox
MEMORY_MESSAGE = f"memory limit: used up the {MEMORY / 2**30:g} GiB of memory an exercise may use (MemoryError)"
RECORD_TIMEOUT = 300  # seconds the whole notebook may run for the record (04 takes 20-40 s on a busy machine)
THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class SandboxTimeout(BaseException):
    """The exercise ran past its time (a BaseException, so no checker's `except Exception` hides it)."""


class SandboxDied(BaseException):
    """The sandbox process ended without answering (os._exit, a segfault, memory)."""


class SandboxMemory(BaseException):
    """The student's code ran out of the sandbox's memory (a MemoryError, or the limit reached)."""


_TEMPLATES = {}  # references -> a folder holding the trapped copy of rnnlib, compiled (one per grader process)
_SCRATCH = [None]  # the grading run's scratch folder, which its caller removes (None: the system's temp folder)


def use_scratch_folder(folder):
    """Build the trapped copies inside folder from now on (grade() passes its own temporary folder, removed
    when grading ends, so that no copy outlives a run, not even one built in a worker process)."""
    _SCRATCH[0] = None if folder is None else str(folder)
    _TEMPLATES.clear()


def _template(references):
    import atexit
    import compileall
    import shutil

    key = tuple(sorted(references))
    if key in _TEMPLATES and (Path(_TEMPLATES[key]) / "rnnlib" / "__init__.py").exists():
        return Path(_TEMPLATES[key])
    root = Path(tempfile.mkdtemp(prefix="rnnlib-trapped-", dir=_SCRATCH[0]))
    atexit.register(shutil.rmtree, root, True)  # a process that exits normally; grade()'s scratch folder covers the rest
    shutil.copytree(PACKAGE, root / "rnnlib", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo"))
    by_module = {}
    for target in key:
        module, attr = target.split(":")
        by_module.setdefault(module, []).append(attr)
    for module, names in by_module.items():
        path = root.joinpath(*module.split(".")).with_suffix(".py")
        if not path.exists():
            path = root.joinpath(*module.split("."), "__init__.py")
        text, _ = trap_source(path.read_text(encoding="utf-8"), names, module)
        path.write_text(text, encoding="utf-8")
    compileall.compile_dir(str(root / "rnnlib"), quiet=2, workers=1)
    _TEMPLATES[key] = str(root)
    return root


def trapped_copy(references, folder):
    """Write into folder/lib a copy of rnnlib (compiled) whose reference functions are traps in the source;
    returns folder/lib, the path the sandbox puts first on sys.path."""
    import shutil

    lib = Path(folder) / "lib"
    shutil.copytree(_template(references), lib)  # copy2 keeps the mtimes, so the .pyc files stay valid
    return lib


def exercise_seed(student, function, salt):
    """The seed of an exercise's fresh inputs: the same for a regrade, different per student and exercise."""
    digest = hashlib.sha256(f"{salt}\0{student}\0{function}".encode()).hexdigest()
    return int(digest[:16], 16)


def scrub(text):
    """Text for a student: absolute paths replaced by '<path>'."""
    return re.sub(r"(?:[A-Za-z]:)?(?:[/\\][^\s/\\'\"<>:]+){2,}[/\\]?", "<path>", str(text))


def _limits(timeout):
    def apply():
        cpu = int(timeout) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
        resource.setrlimit(resource.RLIMIT_FSIZE, (10 * 2**20, 10 * 2**20))
    return apply


_LIVE = {}  # pid -> Popen of every sandbox this process started and has not closed


def kill_sandboxes():
    """End every sandbox this process started and has not closed, with its whole process group (SIGTERM or
    Ctrl-C while grading: no sandbox outlives its grader)."""
    for pid, process in list(_LIVE.items()):
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait(timeout=5)
        _LIVE.pop(pid, None)


def scratch_folder(prefix):
    """A private temporary folder inside the grading run's scratch folder (removed with it, however the run
    ends), or in the system's temporary folder outside a run."""
    return tempfile.TemporaryDirectory(prefix=prefix, dir=_SCRATCH[0], ignore_cleanup_errors=True)


class Sandbox:
    """A running sandbox process; `function(*args)` calls the student's function inside it."""

    def __init__(self, job, timeout, folder):
        self.deadline = time.monotonic() + timeout
        request_read, self._request = os.pipe()
        self._answer, answer_write = os.pipe()
        job = {**job, "lib": str(trapped_copy(job["references"], folder)), "package": str(PACKAGE)}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder), "LANG": "C.UTF-8", "TMPDIR": str(folder),
               "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(folder), "TQDM_DISABLE": "1", **THREADS}
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", str(SANDBOX), str(request_read), str(answer_write)], cwd=folder, env=env,
                pass_fds=(request_read, answer_write), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, preexec_fn=_limits(timeout), start_new_session=True)
            _LIVE[self.process.pid] = self.process
        finally:
            os.close(request_read)
            os.close(answer_write)
        try:
            self._send(job)
            self.ready = self._receive()
        except BaseException:  # timed out or died before it was ready: end it here, the caller has no handle
            self.close()
            raise

    def _left(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise SandboxTimeout()
        return left

    def _send(self, obj):
        data = pickle.dumps(obj)
        view = memoryview(struct.pack(">Q", len(data)) + data)
        while view:
            _, writable, _ = select.select([], [self._request], [], self._left())
            if not writable:
                raise SandboxTimeout()
            try:
                view = view[os.write(self._request, view[: 2**16]):]
            except (BrokenPipeError, OSError):
                raise SandboxDied() from None

    def _read(self, size):
        chunks, left = [], size
        while left:
            readable, _, _ = select.select([self._answer], [], [], self._left())
            if not readable:
                raise SandboxTimeout()
            chunk = os.read(self._answer, min(left, 2**20))
            if not chunk:
                raise SandboxDied()
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _receive(self):
        size = struct.unpack(">Q", self._read(8))[0]
        if size > MAX_MESSAGE:
            raise SandboxDied()
        try:
            return json.loads(self._read(size))
        except ValueError:
            raise SandboxDied() from None

    def function(self, *args):
        """Call the student's function on args; in-place changes it made come back into args."""
        self._send(args)
        answer = self._receive()
        if "error" in answer:
            name, message = (str(part) for part in answer["error"][:2])
            if name == "NotImplementedError":
                raise NotImplementedError(message)
            if name == "MemoryError":
                raise SandboxMemory()
            name = name if name.isidentifier() and len(name) <= 40 else "Exception"
            raise type(name, (Exception,), {})(scrub(message)[:500])
        try:
            out, after = decode(answer["out"]), decode(answer["args"])
        except (ValueError, TypeError, KeyError):
            raise SandboxDied() from None
        for before, new in zip(args, after):
            _write_back(before, new)
        return out

    def peak_memory(self):
        """The most address space the process has used (bytes; 0 if it cannot be read)."""
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
        return 0

    def near_memory_limit(self):
        return self.peak_memory() >= 0.9 * MEMORY

    def close(self):
        """Ask for the output, end the process and everything in its process group; returns the output
        (capped) or ''."""
        output = ""
        with contextlib.suppress(SandboxTimeout, SandboxDied, SandboxMemory, OSError):
            if self.process.poll() is None:
                self.deadline = max(self.deadline, time.monotonic() + 2)
                self._send(None)
                output = str(self._receive().get("output", ""))
        with contextlib.suppress(OSError):  # the sandbox leads its own session: no child outlives it
            os.killpg(self.process.pid, 9)
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        _LIVE.pop(self.process.pid, None)
        for fd in (self._request, self._answer):
            with contextlib.suppress(OSError):
                os.close(fd)
        return output


def _write_back(before, after):
    """Copy what the student's function did to its arguments (in the sandbox) into the judge's objects."""
    if isinstance(before, np.ndarray):
        if isinstance(after, np.ndarray) and after.shape == before.shape and before.flags.writeable:
            np.copyto(before, after, casting="unsafe")
    elif isinstance(before, list) and isinstance(after, (list, tuple)):
        if len(after) != len(before):
            before[:] = list(after)
        else:
            for b, a in zip(before, after):
                _write_back(b, a)
    elif isinstance(before, tuple) and isinstance(after, (list, tuple)):
        for b, a in zip(before, after):
            _write_back(b, a)
    elif isinstance(before, dict) and isinstance(after, dict):
        for key in list(before):
            if key in after:
                if isinstance(before[key], np.ndarray):
                    _write_back(before[key], after[key])
                else:
                    before[key] = after[key]
            else:
                del before[key]


def _resolve(target):
    module, attr = target.split(":")
    return getattr(importlib.import_module(module), attr)


def _first_line(text):
    text = " ".join(str(text).split())
    return text[:600]


def judge_exercise(exercise, pieces, setup, timeout, seed, output_cap=OUTPUT_CAP):
    """One exercise: {'status': passed|failed|timed out|memory limit|crashed, 'message', 'output', 'points'}."""
    job = {"setup": setup, "code": pieces, "function": exercise.function, "references": list(exercise.references),
           "uses": dict(exercise.uses), "output_cap": output_cap}
    status, message, output = "failed", "", ""
    with scratch_folder("rnnlib-sandbox-") as folder:
        sandbox = None
        try:
            sandbox = Sandbox(job, timeout, folder)
            if not sandbox.ready.get("ready"):
                errors = "; ".join(sandbox.ready.get("errors") or [])
                if any(e.startswith("MemoryError") for e in sandbox.ready.get("errors") or []):
                    raise SandboxMemory()
                message = f"{exercise.function} is not defined as a function" + (f" ({errors})" if errors else "")
            else:
                checker = _resolve(exercise.checker)
                with contextlib.redirect_stdout(io.StringIO()):
                    try:
                        checker(sandbox.function)
                    except AssertionError as err:
                        raise AssertionError(f"the notebook's check: {err}") from None
                    try:
                        checker(sandbox.function, rng=np.random.default_rng(seed))
                    except AssertionError as err:
                        raise AssertionError(f"on fresh inputs: {err}") from None
                status, message = "passed", "passed the notebook's check and the test on fresh inputs"
        except SandboxMemory:
            status, message = "memory limit", MEMORY_MESSAGE
        except SandboxTimeout:
            if sandbox is not None and sandbox.near_memory_limit():
                status, message = "memory limit", MEMORY_MESSAGE + f" (and ran past the time limit of {timeout:g} s)"
            else:
                status, message = "timed out", f"ran past the time limit of {timeout:g} s"
        except SandboxDied:
            code = None
            if sandbox is not None:
                near = sandbox.near_memory_limit()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    code = sandbox.process.wait(timeout=2)
            if sandbox is not None and near:
                status, message = "memory limit", MEMORY_MESSAGE
            else:
                status, message = "crashed", f"the process ended without an answer (exit code {code}: os._exit, a crash or out of memory?)"
        except AssertionError as err:
            message = str(err)
        except Exception as err:  # noqa: BLE001 - a checker that met an answer it could not digest
            message = f"{type(err).__name__}: {err}"
        finally:
            if sandbox is not None:
                output = sandbox.close()
    points = exercise.points if status == "passed" else 0
    return {"status": status, "message": scrub(_first_line(message)), "output": scrub(output)[: output_cap + 200],
            "points": points}


def record_notebook(cells, setup, timeout=RECORD_TIMEOUT):
    """Run a submission's whole notebook (its code cells, in order) in a sandbox, for the record only.

    The same process and limits as an exercise's (private empty folder, `timeout` seconds for the whole
    run, memory, output, the audit hook: no other submission, no real rnnlib file, no process, no write
    outside the folder, no network); it imports an rnnlib copy without traps, since the course's own cells
    call rnnlib's functions, and nothing it does reaches the points. Returns one line: 'ran all N cells',
    'error in cell K of N: <error>' (+ how many more), 'timed out after T s in cell K of N', 'memory limit
    in cell K of N' or 'crashed in cell K of N'; cells are counted among code cells, from 1."""
    job = {"mode": "record", "setup": setup, "cells": list(cells), "references": [], "output_cap": 2000}
    n, cell = len(cells), 0
    where = lambda: f" in cell {cell} of {n}" if cell else " before the first cell"  # noqa: E731
    with scratch_folder("rnnlib-record-") as folder:
        sandbox = None
        try:
            sandbox = Sandbox(job, timeout, folder)
            while True:
                message = sandbox._receive()
                if "cell" in message:
                    cell = int(message["cell"])
                    continue
                break
            failed, errors = int(message.get("failed", 0)), message.get("errors") or []
            if not failed:
                line = f"ran all {n} cells"
            else:
                k, error = errors[0]
                first = (f"memory limit in cell {k} of {n} (MemoryError)" if error.startswith("MemoryError")
                         else f"error in cell {k} of {n}: {_first_line(error)[:200]}")
                line = first + (f" (and {failed - 1} more cell{'s' if failed > 2 else ''} with errors)"
                                if failed > 1 else "")
        except SandboxTimeout:
            line = (f"memory limit{where()}" if sandbox is not None and sandbox.near_memory_limit()
                    else f"timed out after {timeout:g} s{where()}")
        except (SandboxDied, SandboxMemory):
            near = sandbox is not None and sandbox.near_memory_limit()
            line = f"memory limit{where()}" if near else f"crashed{where()} (the process ended)"
        except Exception as err:  # noqa: BLE001 - a malformed message: the record says so, the grade is untouched
            line = f"crashed{where()} ({type(err).__name__})"
        finally:
            if sandbox is not None:
                sandbox.close()
    return scrub(line)[:300]


def setup_source(homework):
    """The instructor notebook's setup cell: the first code cell with an import."""
    cells = read_cells(Path(homework.path).read_bytes())
    return next((c for c in cells if re.search(r"^\s*(import|from)\s", c, re.M)), "")


def course_lines_of(homework):
    """The stripped lines of the instructor notebook's code cells: the course's own code is never flagged."""
    return {line.strip() for cell in read_cells(Path(homework.path).read_bytes()) for line in cell.splitlines()}


def judge_submission(homework, submission, timeout, salt, setup=None, course_lines=None, record=False,
                     record_timeout=RECORD_TIMEOUT):
    """Grade one readable submission: {'status', 'exercises': {function: result}, 'flags', 'detail', 'record'}.

    record: also run the whole notebook for the record (record_notebook), after the exercises and in a
    process of its own; its one line goes to 'record' ('' when not run) and changes nothing else."""
    setup = setup_source(homework) if setup is None else setup
    course_lines = course_lines_of(homework) if course_lines is None else course_lines
    try:
        cells = read_cells(read_bytes(submission))
    except (ValueError, OSError) as err:
        return {"status": "could not be read", "exercises": {}, "flags": [], "detail": str(err), "record": ""}
    results, found_flags = {}, []
    for exercise in homework.exercises:
        pieces = exercise_code(cells, exercise.function)
        if pieces is None:
            results[exercise.function] = {"status": "failed", "points": 0, "output": "",
                                          "message": f"no cell defines {exercise.function}(...)"}
            continue
        found_flags += [f"{exercise.function}: {f}" for f in flags(pieces, course_lines, reference_names(exercise))]
        seed = exercise_seed(submission.id, exercise.function, salt)
        results[exercise.function] = judge_exercise(exercise, pieces, setup_code(setup, pieces), timeout, seed)
    statuses = {r["status"] for r in results.values()}
    status = next((s for s in ("crashed", "memory limit", "timed out") if s in statuses), "graded")
    detail = "; ".join(f"{name}: {r['message']}" for name, r in results.items() if r["status"] != "passed")
    line = record_notebook(cells, setup_code(setup, cells), record_timeout) if record else ""
    return {"status": status, "exercises": results, "flags": found_flags, "detail": detail, "record": line}
