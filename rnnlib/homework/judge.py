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
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .sandbox import MAX_MESSAGE, decode
from .submissions import exercise_code, flags, read_bytes, read_cells, setup_code

__all__ = ["SANDBOX", "SandboxTimeout", "SandboxDied", "Sandbox", "judge_exercise", "judge_submission",
           "exercise_seed", "scrub", "setup_source", "course_lines_of"]

SANDBOX = Path(__file__).resolve().with_name("sandbox.py")
OUTPUT_CAP = 100_000  # characters of a sandbox's output kept for the feedback
MEMORY = 4 * 2**30  # bytes of address space for one sandbox
THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class SandboxTimeout(BaseException):
    """The exercise ran past its time (a BaseException, so no checker's `except Exception` hides it)."""


class SandboxDied(BaseException):
    """The sandbox process ended without answering (os._exit, a segfault, memory)."""


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


class Sandbox:
    """A running sandbox process; `function(*args)` calls the student's function inside it."""

    def __init__(self, job, timeout, folder):
        self.deadline = time.monotonic() + timeout
        request_read, self._request = os.pipe()
        self._answer, answer_write = os.pipe()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder), "LANG": "C.UTF-8",
               "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(folder), "TQDM_DISABLE": "1", **THREADS}
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", str(SANDBOX), str(request_read), str(answer_write)], cwd=folder, env=env,
                pass_fds=(request_read, answer_write), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, preexec_fn=_limits(timeout), start_new_session=True)
        finally:
            os.close(request_read)
            os.close(answer_write)
        self._send(job)
        self.ready = self._receive()

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
            name = name if name.isidentifier() and len(name) <= 40 else "Exception"
            raise type(name, (Exception,), {})(scrub(message)[:500])
        try:
            out, after = decode(answer["out"]), decode(answer["args"])
        except (ValueError, TypeError, KeyError):
            raise SandboxDied() from None
        for before, new in zip(args, after):
            _write_back(before, new)
        return out

    def close(self):
        """Ask for the output, end the process; returns the output (capped) or ''."""
        output = ""
        with contextlib.suppress(SandboxTimeout, SandboxDied, OSError):
            if self.process.poll() is None:
                self.deadline = max(self.deadline, time.monotonic() + 2)
                self._send(None)
                output = str(self._receive().get("output", ""))
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
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
    """One exercise: {'status': passed|failed|timed out|crashed, 'message', 'output', 'points'}."""
    job = {"setup": setup, "code": pieces, "function": exercise.function, "references": list(exercise.references),
           "uses": dict(exercise.uses), "output_cap": output_cap}
    status, message, output = "failed", "", ""
    with tempfile.TemporaryDirectory(prefix="rnnlib-sandbox-") as folder:
        sandbox = None
        try:
            sandbox = Sandbox(job, timeout, folder)
            if not sandbox.ready.get("ready"):
                errors = "; ".join(sandbox.ready.get("errors") or [])
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
        except SandboxTimeout:
            status, message = "timed out", f"ran past the time limit of {timeout:g} s"
        except SandboxDied:
            code = None
            if sandbox is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    code = sandbox.process.wait(timeout=2)
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


def setup_source(homework):
    """The instructor notebook's setup cell: the first code cell with an import."""
    cells = read_cells(Path(homework.path).read_bytes())
    return next((c for c in cells if re.search(r"^\s*(import|from)\s", c, re.M)), "")


def course_lines_of(homework):
    """The stripped lines of the instructor notebook's code cells: the course's own code is never flagged."""
    return {line.strip() for cell in read_cells(Path(homework.path).read_bytes()) for line in cell.splitlines()}


def judge_submission(homework, submission, timeout, salt, setup=None, course_lines=None):
    """Grade one readable submission: {'status', 'exercises': {function: result}, 'flags', 'detail'}."""
    setup = setup_source(homework) if setup is None else setup
    course_lines = course_lines_of(homework) if course_lines is None else course_lines
    try:
        cells = read_cells(read_bytes(submission))
    except (ValueError, OSError) as err:
        return {"status": "could not be read", "exercises": {}, "flags": [], "detail": str(err)}
    results, found_flags = {}, []
    for exercise in homework.exercises:
        pieces = exercise_code(cells, exercise.function)
        if pieces is None:
            results[exercise.function] = {"status": "failed", "points": 0, "output": "",
                                          "message": f"no cell defines {exercise.function}(...)"}
            continue
        found_flags += [f"{exercise.function}: {f}" for f in flags(pieces, course_lines)]
        seed = exercise_seed(submission.id, exercise.function, salt)
        results[exercise.function] = judge_exercise(exercise, pieces, setup_code(setup, pieces), timeout, seed)
    statuses = {r["status"] for r in results.values()}
    status = "crashed" if "crashed" in statuses else "timed out" if "timed out" in statuses else "graded"
    detail = "; ".join(f"{name}: {r['message']}" for name, r in results.items() if r["status"] != "passed")
    return {"status": status, "exercises": results, "flags": found_flags, "detail": detail}
