"""The only process in which a student's code runs while grading: one per submission and exercise.

The grader (rnnlib.homework.judge) starts this file as a script in a fresh interpreter
(`python -I sandbox.py REQUEST_FD ANSWER_FD`, in a private empty folder, in its own session, with CPU,
memory and file size limits), sends it the job and then the calls the checker makes.

The real rnnlib is out of reach here: the grader has written a copy of the package into the private
folder (`job["lib"]`) in which each of the exercise's reference solutions (spec.py's `references`) is,
in the source itself, a trap of the same name; that copy is first on sys.path, and an audit hook refuses
every open of the real rnnlib folder (sources and .pyc), whatever loader or finder asks. So an import, a
reload, a module deleted from sys.modules, importlib, a finder or loader of the student's own, or a
copied function object all give the trap: the real code exists nowhere this process can read.
Once the course's setup imports have run, the audit hook also refuses reading outside the folder and
Python's installation, writing or changing files outside the folder, starting processes (subprocess,
os.system, fork, exec, spawn, and ctypes look-ups of such C functions), signalling other processes and
the network (creating a socket, connecting, binding, sending, name look-ups).

The same file runs a submission's whole notebook for the record (job["mode"] == "record", see
judge.record_notebook): every code cell in order, with the same hook, reporting each cell as it starts and
the errors at the end; what it finds never reaches the points.

What comes back to the grader is JSON (numbers, strings, lists, dicts and numeric arrays), never a
pickle, so nothing the student returns can run code in the grader; the checker and the expected
values live only there.

Only the standard library is imported at the top: this file runs before rnnlib may be imported.
"""
import ast
import base64
import io
import json
import os
import pickle
import struct
import sys

__all__ = ["encode", "decode", "read_message", "write_message", "trap_source", "TRAP_MESSAGE", "MAX_MESSAGE"]

TRAP_MESSAGE = ("write your own code: {name} is rnnlib's reference solution of this exercise, so it is "
                "switched off while your work is graded")
MAX_MESSAGE = 256 * 2**20
NUMERIC_KINDS = "biufc"


# --- the wire: length-prefixed messages; the sandbox answers in JSON only -------------------------------

def write_message(fd, data):
    payload = struct.pack(">Q", len(data)) + data
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd, size):
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 2**20))
        if not chunk:
            raise EOFError("the other side closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_message(fd):
    size = struct.unpack(">Q", _read_exactly(fd, 8))[0]
    if size > MAX_MESSAGE:
        raise ValueError(f"message of {size} bytes is over the limit of {MAX_MESSAGE}")
    return _read_exactly(fd, size)


def encode(value, depth=0):
    """A JSON-able form of a student's value: None, bools, numbers, strings, lists, tuples, dicts with
    string keys and numeric arrays; TypeError naming anything else."""
    import numpy as np

    if depth > 32:
        raise TypeError("the value is nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value if not isinstance(value, str) else str(value)
    if isinstance(value, (int, float)) and not isinstance(value, (np.generic, np.ndarray)):
        return {"__num__": repr(float(value)) if isinstance(value, float) else str(int(value)),
                "float": isinstance(value, float)}
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.array(value, copy=True, order="C")
        if array.dtype.kind not in NUMERIC_KINDS:
            raise TypeError(f"an array of {array.dtype} (numbers expected)")
        return {"__nd__": [array.dtype.str, list(array.shape), base64.b64encode(array.tobytes()).decode()],
                "scalar": isinstance(value, np.generic)}
    if isinstance(value, (list, tuple)):
        return {"__seq__": "list" if isinstance(value, list) else "tuple",
                "items": [encode(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("a dict whose keys are not all strings")
        return {"__map__": [[str(k), encode(v, depth + 1)] for k, v in value.items()]}
    raise TypeError(f"a {type(value).__name__}")


def decode(value):
    """The inverse of encode, for the grader: builds only numbers, strings, lists, tuples, dicts, arrays."""
    import numpy as np

    if value is None or isinstance(value, (bool, str)):
        return value
    if not isinstance(value, dict):
        raise ValueError("malformed answer from the sandbox")
    if "__num__" in value:
        return float(value["__num__"]) if value.get("float") else int(value["__num__"])
    if "__nd__" in value:
        dtype, shape, data = value["__nd__"]
        dtype = np.dtype(str(dtype))
        if dtype.kind not in NUMERIC_KINDS or dtype.hasobject:
            raise ValueError(f"an array of {dtype} from the sandbox")
        shape = tuple(int(s) for s in shape)
        array = np.frombuffer(base64.b64decode(data), dtype=dtype).reshape(shape).copy()
        return array[()] if value.get("scalar") else array
    if "__seq__" in value:
        items = [decode(v) for v in value["items"]]
        return items if value["__seq__"] == "list" else tuple(items)
    if "__map__" in value:
        return {str(k): decode(v) for k, v in value["__map__"]}
    raise ValueError("malformed answer from the sandbox")


# --- inside the sandbox ---------------------------------------------------------------------------------

class _Capped(io.TextIOBase):
    """stdout/stderr of the student's code: keeps the first `cap` characters, counts the rest."""

    def __init__(self, cap):
        self.cap, self.parts, self.kept, self.dropped = cap, [], 0, 0

    def write(self, text):
        text = str(text)
        room = max(0, self.cap - self.kept)
        self.parts.append(text[:room])
        self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - room)
        return len(text)

    def text(self):
        out = "".join(self.parts)
        return out + (f"\n[... {self.dropped} more characters of output cut]" if self.dropped else "")


# --- the trapped copy of rnnlib: written by the grader (judge.trapped_copy), imported here ---------------

def trap_source(source, names, module):
    """`source` with each top-level `def name` of `names` replaced by a trap of the same name (line-based,
    so the rest of the module is unchanged); names not defined by a top-level def are assigned a trap at
    the end. Returns (new source, [names that had no def])."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    spans, found = [], set()

    def visit(body):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names:
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                spans.append((first, node.end_lineno, node.col_offset, node.name))
                found.add(node.name)
            elif isinstance(node, (ast.If, ast.Try, ast.With)):
                for block in ("body", "orelse", "finalbody"):
                    visit(getattr(node, block, []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)

    visit(tree.body)

    def trap_def(name, indent):
        message = TRAP_MESSAGE.format(name=f"{module}.{name}")
        pad = " " * indent
        return f"{pad}def {name}(*args, **kwargs):\n{pad}    raise RuntimeError({message!r})\n"

    for first, last, indent, name in sorted(spans, reverse=True):
        lines[first - 1:last] = [trap_def(name, indent)]
    missing = [n for n in names if n not in found]
    text = "".join(lines)
    if not text.endswith("\n"):
        text += "\n"
    for name in missing:
        text += "\n" + trap_def(name, 0)
    return text, missing


# --- the audit hook --------------------------------------------------------------------------------------

PROCESS_EVENTS = {"subprocess.Popen", "os.system", "os.fork", "os.forkpty", "os.exec", "os.posix_spawn",
                  "os.spawn", "pty.spawn", "os.startfile", "os.popen"}
# events that change files: every path among their arguments must be in the sandbox's folder
CHANGE_EVENTS = {"os.rename", "os.remove", "os.rmdir", "os.link", "os.truncate", "os.chmod", "os.lchmod",
                 "os.chown", "os.lchown", "os.chflags", "os.lchflags", "os.mkdir", "os.makedirs", "os.utime",
                 "os.setxattr", "os.removexattr", "os.mkfifo", "os.mknod", "os.symlink",
                 "shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree", "shutil.move",
                 "shutil.rmtree", "shutil.chown", "shutil.make_archive", "shutil.unpack_archive"}
# a path only read (the open of it is checked on its own): the source of a copy, the target of a symlink
READ_ONLY_ARG = {"shutil.copyfile": 0, "shutil.copymode": 0, "shutil.copystat": 0, "shutil.copytree": 0,
                 "os.symlink": 0}
# C functions that ctypes must not look up: they create processes or touch files past the audit hook
CTYPES_DENIED = {"fork", "vfork", "clone", "clone3", "_Fork", "execv", "execve", "execvp", "execvpe", "execl",
                 "execlp", "execle", "fexecve", "posix_spawn", "posix_spawnp", "system", "popen", "syscall",
                 "open", "open64", "openat", "openat64", "__open", "__open64", "fopen", "fopen64", "freopen",
                 "creat", "creat64", "unlink", "unlinkat", "rename", "renameat", "renameat2", "link", "linkat",
                 "symlink", "symlinkat", "truncate", "truncate64", "chmod", "fchmodat", "chown", "kill",
                 "killpg", "tgkill", "ptrace", "process_vm_readv", "process_vm_writev", "setsid", "daemon",
                 "dlopen", "dlmopen", "name_to_handle_at", "open_by_handle_at", "mmap", "mmap64"}
# the network: no socket is created, connected, bound or sent through, and no name is looked up
NETWORK_EVENTS = {"socket.__new__", "socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
                  "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo",
                  "socket.sethostname"}
CTYPES_DENIED |= {"socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "sendto", "sendmsg",
                  "sendmmsg", "getaddrinfo", "gethostbyname", "gethostbyname2", "gethostbyname_r",
                  "gethostbyaddr", "getnameinfo", "res_query", "res_search", "res_nquery", "res_nsearch"}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _paths(args):
    return [a for a in args if isinstance(a, (str, bytes, os.PathLike))]


def _install_audit(folder, package):
    """Refuse, always: reading the real rnnlib folder (sources and .pyc, whatever loader asks). After arm():
    reading outside `folder` and Python's installation, writing or changing files outside `folder`,
    creating processes, signalling other processes, the network (sockets and name look-ups), importing
    _posixsubprocess anew, and ctypes look-ups of the C functions that would do any of that."""
    import sysconfig

    package = os.path.realpath(package) + os.sep
    folder = os.path.realpath(folder) + os.sep
    allowed = {os.path.realpath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                      *sysconfig.get_paths().values()) if p}
    allowed = {p for p in allowed if not package.startswith(p)} | {folder, "/dev/", "/proc/", "/sys/", "/etc/", "/usr/"}
    me = str(os.getpid())
    armed = []

    def real(path):
        return os.path.realpath(os.fsdecode(path))

    def inside(path, root):
        return (path + os.sep).startswith(root)

    def check_read(path):
        if inside(path, package):
            raise PermissionError(f"grading: reading rnnlib's files is not allowed ({os.path.basename(path)})")
        if path.startswith("/proc/"):
            part = path.split("/")[2]
            if part.isdigit() and part != me:
                raise PermissionError("grading: your code may not look at other processes")
        if armed and not any(inside(path, root) for root in allowed):
            raise PermissionError("grading: your code may only read files in its own folder")

    def check_change(path):
        if not inside(path, folder) and path != "/dev/null":
            raise PermissionError("grading: your code may only write or change files in its own folder")

    def hook(event, args):
        if event == "open":
            if not args or not isinstance(args[0], (str, bytes, os.PathLike)):
                return
            path = real(args[0])
            mode, flags = (args + (None, None))[1:3]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & WRITE_FLAGS)
            if armed and writing and not inside(path, package):  # a write outside is named as a write
                check_change(path)
            check_read(path)
        elif not armed:
            return
        elif event in ("os.listdir", "os.scandir"):
            if args and isinstance(args[0], (str, bytes, os.PathLike)):
                path = real(args[0])
                if not inside(path, package):  # listing rnnlib's folder reads no code
                    check_read(path)
        elif event in PROCESS_EVENTS:
            raise PermissionError(f"grading: your code may not start processes ({event})")
        elif event in NETWORK_EVENTS:
            raise PermissionError(f"grading: your code may not use the network ({event})")
        elif event in ("os.kill", "os.killpg"):
            if not args or args[0] not in (0, os.getpid()):
                raise PermissionError("grading: your code may not signal other processes")
        elif event in CHANGE_EVENTS:
            keep = READ_ONLY_ARG.get(event)
            for i, arg in enumerate(args):
                if isinstance(arg, (str, bytes, os.PathLike)) and i != keep:
                    check_change(real(arg))
        elif event == "import" and args and args[0] in ("_posixsubprocess", "_xxsubinterpreters"):
            raise PermissionError(f"grading: your code may not import {args[0]}")
        elif event == "ctypes.dlsym" and len(args) > 1 and str(args[1]) in CTYPES_DENIED:
            raise PermissionError(f"grading: your code may not call {args[1]} through ctypes")
        elif event == "ctypes.dlopen" and args and isinstance(args[0], (str, bytes)) and os.sep in os.fsdecode(args[0]):
            check_read(real(args[0]))

    sys.addaudithook(hook)

    def arm():
        import _posixsubprocess  # loaded now and switched off: it starts processes without an audit event

        def fork_exec(*args, **kwargs):
            raise PermissionError("grading: your code may not start processes")
        _posixsubprocess.fork_exec = fork_exec
        armed.append(True)
    return arm


def _run_statements(source, namespace, label):
    """Run a cell statement by statement; returns the first error ('' if none). A statement that fails
    does not stop the next ones (an honest cell may use a variable of another cell at its top level)."""
    try:
        tree = ast.parse(source, label)
    except SyntaxError as err:
        return f"SyntaxError: {err.msg} (line {err.lineno})"
    first = ""
    for node in tree.body:
        try:
            exec(compile(ast.Module([node], type_ignores=[]), label, "exec"), namespace)
        except Exception as err:  # noqa: BLE001 - the student's code; reported, not fatal
            first = first or f"{type(err).__name__}: {err}"[:300]
    return first


def _run_cell(source, namespace, label):
    """Run a whole cell as Jupyter would (an error ends the cell); returns the error's one line ('' if none).
    IPython's magics and shell lines are dropped; SystemExit and KeyboardInterrupt are errors too."""
    source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        exec(compile(source, label, "exec"), namespace)
    except BaseException as err:  # noqa: BLE001 - the student's code; recorded, never fatal
        return (f"{type(err).__name__}: {err}" if str(err) else type(err).__name__)[:300]
    finally:
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:  # figures are not kept: nothing shows them, and they hold memory
            try:
                plt.close("all")
            except Exception:  # noqa: BLE001
                pass
    return ""


def record(job, answer_fd, arm, captured):
    """The record run: the course's setup imports, then each of the notebook's code cells in order.

    Sends {"ready"}, then {"cell": k} as cell k (1-based) starts, then {"done", "cells", "errors"}:
    errors [(k, one line)] of the first 3 cells that failed, and "failed", how many did."""
    namespace = {"__name__": "__main__", "__builtins__": __builtins__,
                 "display": lambda *args, **kwargs: None}  # IPython's display, here a no-op
    setup_error = _run_statements(job["setup"], namespace, "<setup>")
    arm()
    write_message(answer_fd, json.dumps({"ready": True, "setup_error": setup_error}).encode())
    errors, failed = [], 0
    for k, source in enumerate(job["cells"], 1):
        write_message(answer_fd, json.dumps({"cell": k}).encode())
        error = _run_cell(source, namespace, f"<cell {k}>")
        if error:
            failed += 1
            if len(errors) < 3:
                errors.append([k, error])
    write_message(answer_fd, json.dumps({"done": True, "cells": len(job["cells"]), "errors": errors,
                                         "failed": failed}).encode())


def _error(exc):
    return {"error": [type(exc).__name__, str(exc)[:2000]]}


def main(request_fd, answer_fd):
    job = pickle.loads(read_message(request_fd))
    sys.path.insert(0, job["lib"])  # the trapped copy of rnnlib, ahead of the editable install
    arm = _install_audit(os.getcwd(), job["package"])
    captured = _Capped(job.get("output_cap", 100_000))
    sys.stdout = sys.stderr = captured
    if job.get("mode") == "record":
        return record(job, answer_fd, arm, captured)
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    setup_error = _run_statements(job["setup"], namespace, "<setup>")
    arm()
    errors = [e for e in [_run_statements(src, namespace, f"<cell {i}>") for i, src in enumerate(job["code"])] if e]
    import importlib

    for name, target in job["uses"].items():
        module, attr = target.split(":")
        namespace[name] = getattr(importlib.import_module(module), attr)
    function = namespace.get(job["function"])
    write_message(answer_fd, json.dumps({"ready": callable(function), "errors": errors[:3],
                                         "setup_error": setup_error}).encode())
    while True:
        try:
            request = pickle.loads(read_message(request_fd))
        except EOFError:
            return
        if request is None:  # the grader is done: send the output
            write_message(answer_fd, json.dumps({"output": captured.text()}).encode())
            return
        try:
            out = function(*request)
        except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt from the student too
            answer = _error(exc)
        else:
            try:
                answer = {"out": encode(out), "args": encode(list(request))}
            except MemoryError:
                answer = {"error": ["MemoryError", "out of memory while sending the answer"]}
            except Exception as exc:  # noqa: BLE001 - a value the grader cannot read
                answer = {"error": ["TypeError", f"returned {exc}, which the grader cannot read; return "
                                                 f"numbers or numpy arrays"]}
        write_message(answer_fd, json.dumps(answer).encode())


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
