"""What a class handed in: one entry per file or folder, the code of each exercise, and what looks suspicious.

- collect(folder): every entry of the folder accounted for: a notebook (`.ipynb` in any case, a folder
  holding one, or a `.zip` holding one) becomes a submission with a collision-free id; anything else is
  listed as skipped, with why.
- read_cells(data): the code cells of any nbformat 4 file (or older, through nbformat), metadata ignored.
- exercise_code(cells, function): found by content, not metadata: the last cell that defines
  `def function(` with more than a stub (or assigns it: `function = lambda ...`, `function = helper`), plus the definitions from other cells that it uses (helper
  functions, imports, constants: the global names it reads, never its parameters or local variables),
  so copied, moved, duplicated or reordered cells grade the same.
- flags(pieces): lines that reach around the grading ("review by hand: <line>"), names spelled in
  pieces ('rnn' + 'lib') included, and any line naming one of the exercise's references or a bug catalogue
  (spec.reference_names: rnn_backward, STEP_BACKWARD_BUGS, torch_reference ...), even one the course's
  setup cell imports.
"""
from __future__ import annotations

import ast
import builtins
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Submission", "collect", "read_bytes", "read_cells", "exercise_code", "setup_code", "flags", "student_id"]

MAX_NOTEBOOK = 256 * 2**20  # bytes of one notebook read (outputs included; only code cells' sources are kept)
TOO_BIG = ("the notebook is {size:.0f} MB, over the {limit} MB a submission may have (saved outputs included); "
           "ask for it with its outputs cleared (Kernel > Restart & Clear Output, then save)")


@dataclass(frozen=True)
class Submission:
    """One entry of the submissions folder: id (unique, for files and the CSV), name (as handed in),
    path (the file read, or None), problem (why it is skipped or cannot be read, '' if none), skipped."""

    id: str
    name: str
    path: Path | None
    problem: str = ""
    skipped: bool = False
    member: str = ""  # the notebook inside a .zip


def student_id(name):
    """A file-safe id from a name, in NFC: accents dropped from Latin letters only (José -> Jose), letters of
    every other script kept whole (Сергей, Иван, 李雷, हिन्दी), anything else (spaces, punctuation) '_'."""
    kept, latin = [], False
    for ch in unicodedata.normalize("NFC", name):
        if unicodedata.combining(ch):
            if not latin:  # a mark on a letter of another script is part of it
                kept.append(ch)
            continue
        latin = "LATIN" in unicodedata.name(ch, "")
        if latin:
            ch = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        kept.append(ch)
    text = "".join(c if unicodedata.category(c)[0] in "LMN" or c in "_.-" else "\0" for c in "".join(kept))
    text = re.sub("\0+", "_", text).strip("._")
    return unicodedata.normalize("NFC", text)[:80] or "student"


def _notebooks_in(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".ipynb"
                  and ".ipynb_checkpoints" not in p.parts and not any(q.startswith(".") for q in p.relative_to(folder).parts))


def collect(folder):
    """[Submission] for every entry of the folder, sorted by name; ids unique (case-insensitively)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"submissions must be a folder (one .ipynb file or one folder per student); got {str(folder)!r}")
    found, taken = [], set()

    def unique(name):
        base = student_id(name)
        candidate, n = base, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate.lower())
        return candidate

    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        name = entry.name
        if name.startswith(".") or name == "__MACOSX":
            found.append(Submission(unique(name), name, None, "a hidden file or folder", skipped=True))
        elif entry.is_dir():
            notebooks = _notebooks_in(entry)
            if len(notebooks) == 1:
                found.append(Submission(unique(name), name, notebooks[0]))
            else:
                found.append(Submission(unique(name), name, None, f"the folder holds {len(notebooks)} notebooks, expected 1"))
        elif entry.suffix.lower() == ".ipynb":
            found.append(Submission(unique(entry.stem), name, entry))
        elif entry.suffix.lower() == ".zip":
            found.append(_from_zip(entry, unique(entry.stem)))
        else:
            kind = entry.suffix.lower() or "no extension"
            found.append(Submission(unique(name), name, None, f"not a notebook ({kind})", skipped=True))
    return found


def _from_zip(path, sid):
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if m.filename.lower().endswith(".ipynb")
                       and ".ipynb_checkpoints" not in m.filename and not m.filename.startswith("__MACOSX")]
    except (zipfile.BadZipFile, OSError) as err:
        return Submission(sid, path.name, None, f"a .zip that cannot be opened ({err})")
    if len(members) != 1:
        return Submission(sid, path.name, None, f"the .zip holds {len(members)} notebooks, expected 1")
    if members[0].file_size > MAX_NOTEBOOK:
        return Submission(sid, path.name, None, "in the .zip, " + TOO_BIG.format(
            size=members[0].file_size / 2**20, limit=MAX_NOTEBOOK // 2**20))
    return Submission(sid, path.name, path, member=members[0].filename)


def read_bytes(submission):
    """The notebook's bytes (from the .zip when there is one)."""
    if submission.member:
        with zipfile.ZipFile(submission.path) as archive:
            return archive.read(submission.member)
    size = submission.path.stat().st_size
    if size > MAX_NOTEBOOK:
        raise ValueError(TOO_BIG.format(size=size / 2**20, limit=MAX_NOTEBOOK // 2**20))
    return submission.path.read_bytes()


def read_cells(data):
    """The code cells' sources of a notebook (bytes); ValueError (one line) if it is not one. Outputs,
    markdown and metadata are dropped as soon as the JSON is read (they are never needed to grade).

    Any nbformat 4 (4.0 ... 4.5, with or without cell ids) is read as plain JSON; older ones through nbformat.
    """
    try:
        nb = json.loads(data.decode("utf-8-sig") if isinstance(data, bytes) else data)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"not valid JSON ({type(err).__name__}: {str(err)[:120]})") from None
    if not isinstance(nb, dict):
        raise ValueError("not a notebook (the JSON is not an object)")
    if nb.get("nbformat", 4) != 4 or "worksheets" in nb:
        import nbformat

        try:
            nb = json.loads(nbformat.writes(nbformat.reads(json.dumps(nb), as_version=4)))
        except Exception as err:  # noqa: BLE001 - whatever nbformat says, one line
            raise ValueError(f"not a notebook nbformat can read ({type(err).__name__})") from None
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise ValueError("not a notebook (no list of cells)")
    sources = []
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            sources.append("".join(source) if isinstance(source, list) else str(source))
    return sources


def _python(source):
    """A cell's source without IPython's magics and shell lines (they are not Python)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _parse(source):
    try:
        return ast.parse(_python(source))
    except SyntaxError:
        return None


def _is_stub(node):
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    body = [n for n in node.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    return all(isinstance(n, ast.Raise) or isinstance(n, ast.Pass) for n in body)


def _defines(node, function):
    """`def function(` or an assignment to the name alone: `function = lambda ...`, `function = other`."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return node.name == function
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == function for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return node.value is not None and isinstance(node.target, ast.Name) and node.target.id == function
    return False


def _loaded_names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _global_names(source):
    """The names a piece of code takes from outside it: module-level names it reads but does not bind,
    and the global names its functions, classes and comprehensions read (their parameters and locals
    left out: `for g in grads` inside a function needs no `g` or `grads` from another cell)."""
    import symtable

    try:
        top = symtable.symtable(source, "<cell>", "exec")
    except (SyntaxError, ValueError):
        return set()
    names = set()

    def walk(table):
        module = table.get_type() in ("module", getattr(symtable, "SymbolTableType", None) and "module")
        for symbol in table.get_symbols():
            if not symbol.is_referenced():
                continue
            if module and not (symbol.is_assigned() or symbol.is_imported()):
                names.add(symbol.get_name())
            elif not module and symbol.is_global() and not symbol.is_declared_global():
                names.add(symbol.get_name())
        for child in table.get_children():
            walk(child)

    walk(top)
    return names


def _bound_names(node):
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return set()


def exercise_code(cells, function):
    """(pieces of code to run, in order, or None if no cell defines the function).

    The exercise cell is the last one defining `def function(` (or assigning the name: `function = lambda
    ...`, `function = helper`) that is more than a stub (the last stub
    otherwise); the pieces before it are the definitions it needs from other cells: functions, classes,
    imports and assignments of names it uses, the last of each in notebook order.
    """
    trees = [(i, _parse(src)) for i, src in enumerate(cells)]
    trees = [(i, t) for i, t in trees if t is not None]
    defining = [(i, t, node) for i, t in trees for node in t.body if _defines(node, function)]
    if not defining:
        return None
    chosen = next((d for d in reversed(defining) if not _is_stub(d[2])), defining[-1])
    cell_index, tree = chosen[0], chosen[1]
    definitions = {}
    for i, t in trees:
        if i == cell_index:
            continue
        for node in t.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom,
                                 ast.Assign, ast.AnnAssign)):
                for name in _bound_names(node) - {function}:
                    definitions[name] = (i, node)
    source_of = {i: _python(cells[i]) for i, _ in trees}
    own = set().union(*(_bound_names(n) for n in tree.body))
    wanted, seen, order = list(_global_names(source_of[cell_index]) - own), set(), []
    while wanted:
        name = wanted.pop()
        if name in seen or name not in definitions:
            continue
        seen.add(name)
        i, node = definitions[name]
        if (i, node.lineno) not in {(j, n.lineno) for j, n in order}:
            order.append((i, node))
            segment = ast.get_source_segment(source_of[i], node) or ""
            wanted += list(_global_names(segment) - _bound_names(node))
    order.sort(key=lambda item: (item[0], item[1].lineno))
    pieces = [ast.get_source_segment(source_of[i], node) for i, node in order]
    return [p for p in pieces if p] + [source_of[cell_index]]


def setup_code(setup_source, pieces):
    """The import statements of the notebook's setup cell that bind a name the pieces use."""
    tree = _parse(setup_source) or ast.Module([], [])
    used = set().union(*(_global_names(_python(p)) for p in pieces)) - set(dir(builtins))
    keep = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a for a in node.names if (a.asname or a.name).split(".")[0] in used]
            if names:
                node.names = names
                keep.append(ast.unparse(node))
    return "\n".join(keep)


SUSPICIOUS = [
    (r"\brnnlib\b", "rnnlib"), (r"\bimportlib\b|__import__|\breload\b|\bpydoc\b|\blocate\s*\(", "importlib / reload"),
    (r"sys\.modules|meta_path|path_hooks|path_importer_cache|find_spec|find_module|\b_loader\b|\.loader\b|"
     r"getattr\s*\(\s*(sys|importlib|os|builtins|subprocess|pydoc|runpy|ctypes|gc|inspect)\b", "sys.modules"),
    (r"\brunpy\b", "runpy"),
    (r"__code__|__closure__|cell_contents|__globals__|_getframe|f_back|f_globals|f_locals|\bgc\b", "__code__"),
    (r"\bbuiltins\b|__builtins__", "builtins"),
    (r"np\.random\.\w+\s*=[^=]|random\.\w+\s*=[^=]|default_rng\s*=[^=]|Generator\.\w+\s*=[^=]|bit_generator|"
     r"set_state|\bnp\.random\.seed\b", "random-generator patching"),
    (r"\bopen\s*\(|read_text|read_bytes|\bPath\s*\(|\bos\.|\bglob\b|\bshutil\b|__file__|\bsubprocess\b|"
     r"\bexec\s*\(|\beval\s*\(|\bcompile\s*\(|\bsocket\b|\burllib\b", "reads files or runs code"),
    (r"\bos\.system\b|\bfork\w*\b|\bspawn|\bPopen\b|\bctypes\b|\bmultiprocessing\b|\bkillpg\b",
     "starts processes"),
]
MODULE_WORDS = {"rnnlib", "numpy", "torch"}


def _joined_strings(tree):
    """(line, text) for each `+` of string literals (and ''.join of literal lists) in the code: a module
    or attribute name spelled in pieces ('rnn' + 'lib') is only ever meant to hide from a search."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            parts, stack = [], [node]
            while stack:
                n = stack.pop()
                if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add):
                    stack += [n.right, n.left]
                elif isinstance(n, ast.Constant) and isinstance(n.value, str):
                    parts.append(n.value)
                else:
                    parts = None
                    break
            if parts and len(parts) > 1:
                found.append((node.lineno, "".join(parts)))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join"
              and node.args and isinstance(node.args[0], (ast.List, ast.Tuple))
              and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.args[0].elts)):
            found.append((node.lineno, "".join(e.value for e in node.args[0].elts)))
    return found


def _spells_a_module(text):
    import sys

    first = text.strip().split(".")[0]
    known = set(getattr(sys, "stdlib_module_names", ())) | MODULE_WORDS
    return first in known or any(re.search(pattern, text) for pattern, _ in SUSPICIOUS)


def flags(pieces, course_lines=(), references=()):
    """'review by hand: <line>' for each line of the pieces that reaches around the grading (first 3).

    A line is flagged when it matches SUSPICIOUS, or joins string literals into a module or suspicious
    name ('rnn' + 'lib', 'meta' + '_path', 'sub' + 'process.run'). Lines of the course's own notebook
    (course_lines, stripped) are not the student's: never flagged. references: names whose mention is
    flagged too (spec.reference_names: the exercise's references and the bug catalogues), even when the
    course's setup cell imports them, so that no 'rnnlib' appears in the line."""
    found = []
    named = re.compile(r"\b(" + "|".join(re.escape(n) for n in references) + r")\b") if references else None
    for piece in pieces:
        tree = _parse(piece)
        joined = {line for line, text in _joined_strings(tree) if _spells_a_module(text)} if tree else set()
        for number, line in enumerate(_python(piece).splitlines(), 1):
            code = line.split("#", 1)[0]
            if line.strip() in course_lines:
                continue
            if (number in joined or any(re.search(pattern, code) for pattern, _ in SUSPICIOUS)
                    or (named is not None and named.search(code))):
                text = " ".join(line.split())
                if text[:120] not in found:
                    found.append(text[:120])
    return [f"review by hand: {line}" for line in found[:3]] + (
        [f"review by hand: {len(found) - 3} more lines"] if len(found) > 3 else [])
