"""The only process in which a student's code runs while grading: one per submission and exercise.

The grader (rnnlib.homework.judge) starts this file as a script in a fresh interpreter
(`python -I sandbox.py REQUEST_FD ANSWER_FD`, in a private empty folder, with CPU, memory and file size
limits), sends it the job and then the calls the checker makes. Before any of rnnlib is imported here,
an import hook is installed that replaces the exercise's reference solutions (spec.py's `references`)
by traps every time one of their modules is executed, so an import, a reload, a module deleted from
sys.modules and imported again, or importlib all give the trap; the real functions never exist in this
process. An audit hook refuses to open files outside this folder and Python's own installation, and
rnnlib's files except through that import hook.

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

__all__ = ["encode", "decode", "read_message", "write_message", "TRAP_MESSAGE", "MAX_MESSAGE"]

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


def _install_traps(references):
    """An import hook that puts a trap in place of each reference every time its module is executed."""
    import importlib.abc
    import importlib.machinery

    by_module = {}
    for target in references:
        module, attr = target.split(":")
        by_module.setdefault(module, []).append(attr)

    def make_trap(name):
        message = TRAP_MESSAGE.format(name=name)

        def trap(*args, **kwargs):
            raise RuntimeError(message)
        trap.__name__ = trap.__qualname__ = name.rsplit(".", 1)[-1]
        return trap

    class TrapLoader(importlib.abc.Loader):
        def __init__(self, loader, name):
            self._loader, self._name = loader, name

        def create_module(self, spec):
            return self._loader.create_module(spec)

        def exec_module(self, module):
            self._loader.exec_module(module)
            for attr in by_module.get(self._name, ()):
                setattr(module, attr, make_trap(f"{self._name}.{attr}"))

        def __getattr__(self, name):  # get_source, get_filename, is_package ... from the real loader
            return getattr(self._loader, name)

    class TrapFinder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name != "rnnlib" and not name.startswith("rnnlib."):
                return None
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    spec.loader = TrapLoader(spec.loader, name)
                    return spec
            return None

    sys.meta_path.insert(0, TrapFinder())
    return TrapLoader.exec_module.__code__


def _install_audit(folder, loader_code):
    """Refuse opening files outside `folder` and Python's installation; rnnlib's only through the loader."""
    import sysconfig

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    allowed = {os.path.realpath(p) + os.sep for p in (folder, sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                      *sysconfig.get_paths().values()) if p}
    allowed |= {"/dev/", "/proc/", "/sys/", "/etc/", "/usr/"}
    armed = []

    def hook(event, args):
        if not armed or event not in ("open", "os.listdir", "os.scandir") or not args or not isinstance(
                args[0], (str, bytes, os.PathLike)):
            return
        path = os.path.realpath(os.fsdecode(args[0]))
        if event != "open" and (path + os.sep).startswith(package):
            return  # the import system lists rnnlib's folders; listing reads no code
        if path.startswith(package):
            frame = sys._getframe(1)
            while frame is not None and frame.f_code is not loader_code:
                frame = frame.f_back
            if frame is None:
                raise PermissionError(f"grading: reading rnnlib's files is not allowed ({os.path.basename(path)})")
        elif not any(path.startswith(root) or path + os.sep == root for root in allowed):
            raise PermissionError("grading: your code may only read files in its own folder")

    sys.addaudithook(hook)
    return lambda: armed.append(True)


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


def _error(exc):
    return {"error": [type(exc).__name__, str(exc)[:2000]]}


def main(request_fd, answer_fd):
    job = pickle.loads(read_message(request_fd))
    loader_code = _install_traps(job["references"])
    arm = _install_audit(os.getcwd(), loader_code)
    captured = _Capped(job.get("output_cap", 100_000))
    sys.stdout = sys.stderr = captured
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
            except Exception as exc:  # noqa: BLE001 - a value the grader cannot read
                answer = {"error": ["TypeError", f"returned {exc}, which the grader cannot read; return "
                                                 f"numbers or numpy arrays"]}
        write_message(answer_fd, json.dumps(answer).encode())


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
