"""A class of notebook 04 to grade: honest work in varied valid forms, broken submissions, and cheats.

Built from the instructor notebook (solutions filled in) by replacing the body of `clip_by_norm`;
steps_to_shrink keeps the instructor's answer (2 points) everywhere but in SHRINK_CELLS (the same answer
as a lambda, or as another function's name). EXPECTED says each row. The
instructor review's cheats are here too: cheat_grace_hopper (a meta-path finder swapping the sandbox's
loader), cheat_mallory_child (a child Python calling the reference), cheat_zed_snoop (a child process
rewriting a classmate's row in grades.csv), with memory_hog (memory limit) and big_outputs (55 MB).

The outside_* entries change a cell outside the exercise: one redefines the checker, one patches rnnlib so
that a wrong answer passes the notebook's check, one writes fake grades, one reads a classmate, one ends
its process, one never ends. Their points are those of their exercise cell alone; with `grade --record`
(write_record_class, RECORD_EXPECTED) the whole-notebook run says what happened and changes no point.
"""
import json
import shutil
import zipfile
from pathlib import Path

import nbformat

from rnnlib.homework.spec import HOMEWORK

HOMEWORK04 = HOMEWORK["04"]
RIGHT = "    norm = np.sqrt(sum(np.sum(g * g) for g in grads))\n    return [g * min(1.0, max_norm / norm) for g in grads]"
CHEATS = {  # student -> body of clip_by_norm (after the def line)
    "cheat_reload": "    import importlib, rnnlib.clipping\n    importlib.reload(rnnlib.clipping)\n"
                    "    return rnnlib.clipping.clip_by_global_norm(grads, max_norm, eps=0.0)[0]",
    "cheat_reimport": "    import sys\n    for k in [k for k in sys.modules if k.startswith('rnnlib')]:\n        del sys.modules[k]\n"
                      "    from rnnlib.clipping import clip_by_global_norm as f\n    return f(grads, max_norm, eps=0.0)[0]",
    "cheat_replace_module": "    import sys, types\n    sys.modules['rnnlib.checkers'] = types.ModuleType('fake')\n    return list(grads)",
    "cheat_numpy_table": "    import numpy\n    numpy.random.default_rng = lambda *a, **k: numpy.random.Generator(numpy.random.PCG64(0))\n"
                         "    return [g * 0.5 for g in grads]",
    "cheat_classmates": "    import glob\n    for path in glob.glob('/tmp/**/*.ipynb', recursive=True):\n        print(open(path).read()[:100])\n"
                        "    return list(grads)",
    "cheat_spec_file": "    import importlib.util, rnnlib\n    path = rnnlib.__file__.replace('__init__.py', 'clipping.py')\n"
                       "    spec = importlib.util.spec_from_file_location('c', path)\n    m = importlib.util.module_from_spec(spec)\n"
                       "    spec.loader.exec_module(m)\n    return m.clip_by_global_norm(grads, max_norm, eps=0.0)[0]",
    "cheat_gc_hunt": "    import gc\n    for f in gc.get_objects():\n        if getattr(f, '__name__', '') == 'clip_by_global_norm' and callable(f):\n"
                     "            try:\n                return f(grads, max_norm, eps=0.0)[0]\n            except Exception:\n                pass\n"
                     "    return list(grads)",
    # the review's "Grace Hopper": a finder of its own at the front of meta_path asks the others for the spec,
    # swaps the sandbox's loader (or the real one) for its own, and re-imports the module through pydoc
    "cheat_grace_hopper": (
        "    import sys, pydoc\n"
        "    finders = getattr(sys, 'meta' + '_path')\n"
        "    stolen = {}\n"
        "    class Steal:\n"
        "        def __init__(self, inner):\n"
        "            self.inner = inner\n"
        "        def create_module(self, spec):\n"
        "            return None\n"
        "        def exec_module(self, module):\n"
        "            for get in (lambda: self.inner.get_source(module.__name__),\n"
        "                        lambda: open(self.inner.get_filename(module.__name__)).read()):\n"
        "                try:\n"
        "                    namespace = {'__name__': module.__name__, '__package__': 'rnn' + 'lib'}\n"
        "                    exec(compile(get(), 'x', 'exec'), namespace)\n"
        "                    stolen.setdefault('f', namespace['clip_by_global_norm'])\n"
        "                except Exception:\n"
        "                    pass\n"
        "            self.inner.exec_module(module)\n"
        "    class Finder:\n"
        "        def find_spec(self, name, path=None, target=None):\n"
        "            if name != 'rnn' + 'lib.clipping':\n"
        "                return None\n"
        "            for finder in list(finders):\n"
        "                if finder is self or not hasattr(finder, 'find_spec'):\n"
        "                    continue\n"
        "                spec = finder.find_spec(name, path, target)\n"
        "                if spec is not None:\n"
        "                    spec.loader = Steal(getattr(spec.loader, '_loader', spec.loader))\n"
        "                    return spec\n"
        "    finders.insert(0, Finder())\n"
        "    getattr(sys, 'mod' + 'ules').pop('rnn' + 'lib.clipping', None)\n"
        "    pydoc.locate('rnn' + 'lib.clipping')\n"
        "    for f in [stolen.get('f')] + [getattr(m, 'clip_by_global_norm', None) for m in list(sys.modules.values())]:\n"
        "        try:\n"
        "            return f(grads, max_norm, eps=0.0)[0]\n"
        "        except Exception:\n"
        "            pass\n"
        "    return list(grads)"),
    # the review's "Mallory child": a child Python, started through pydoc.locate, calls the reference
    "cheat_mallory_child": (
        "    import sys, json, pydoc\n"
        "    run = pydoc.locate('sub' + 'process.run')\n"
        "    code = ('import sys, json, numpy as np; from rnnlib.clipping import clip_by_global_norm as f; '\n"
        "            'g = [np.array(x) for x in json.loads(sys.argv[1])]; '\n"
        "            'print(json.dumps([a.tolist() for a in f(g, float(sys.argv[2]), eps=0.0)[0]]))')\n"
        "    out = run([sys.executable, '-c', code, json.dumps([g.tolist() for g in grads]), str(max_norm)],\n"
        "              capture_output=True, text=True, cwd='/').stdout\n"
        "    return [np.array(a) for a in json.loads(out)]"),
}
ZED_SNOOP = (  # the review's "Zed snoop", with the paths it would guess: {classmate}, {grades}, {marker}
    "    import sys, os, pydoc\n"
    "    script = ('import sys, time; time.sleep(2); text = open(sys.argv[1]).read(); '\n"
    "              'open(sys.argv[2], \"a\").write(\"correct,correct.ipynb,graded,0,0,0,5,,0.0,rewritten\\\\n\"); '\n"
    "              'open(sys.argv[3], \"w\").write(text[:100])')\n"
    "    for start in (lambda: pydoc.locate('sub' + 'process.Popen')([sys.executable, '-c', script, {classmate!r}, {grades!r}, {marker!r}], start_new_session=True),\n"
    "                  lambda: os.system(sys.executable + ' -c ' + repr(script) + ' {classmate} {grades} {marker} &'),\n"
    "                  lambda: os.fork() or os._exit(0),\n"
    "                  lambda: open({grades!r}, 'a').write('correct,correct.ipynb,graded,0,0,0,5,,0.0,rewritten\\n'),\n"
    "                  lambda: open({marker!r}, 'w').write(open({classmate!r}).read()[:100])):\n"
    "        try:\n"
    "            start()\n"
    "        except Exception:\n"
    "            pass\n"
    "    return list(grads)")
MEMORY_HOG = "    arrays = []\n    while True:\n        arrays.append(np.empty(10**8))"
COPY_AT_TOP = "_saved = clipping_reference\n"  # used by cheat_copy_object, see write_class
BROKEN = {
    "wrong_per_array": "    return [g * min(1.0, max_norm / np.sqrt(np.sum(g * g))) for g in grads]",
    "wrong_in_place": "    norm = np.sqrt(sum(np.sum(g * g) for g in grads))\n    for g in grads:\n        g *= min(1.0, max_norm / norm)\n    return grads",
    "unanswered": "    # YOUR CODE HERE\n    raise NotImplementedError()",
    "exits": "    import os\n    os._exit(1)",
    "loud": "    print('x' * 50_000_000)\n" + RIGHT,
}
PER_ARRAY = "    return [g * min(1.0, max_norm / np.sqrt(np.sum(g * g))) for g in grads]"
OUTSIDE = {  # id -> (body of clip_by_norm, cell added outside the exercise, "before" or "after" its check cell)
    # the checker redefined, in the notebook's namespace and in rnnlib, before the check cell runs
    "outside_redefines_checker": (PER_ARRAY, (
        "import rnnlib.checkers, rnnlib.checkers.clipping\n"
        "def check_clip_by_norm(fn, rng=None):\n"
        "    return 0.0\n"
        "rnnlib.checkers.check_clip_by_norm = rnnlib.checkers.clipping.check_clip_by_norm = check_clip_by_norm"),
        "before"),
    # rnnlib's clipping patched so that the per-array answer is what the check expects
    "outside_patches_rnnlib": (PER_ARRAY, (
        "import rnnlib.checkers.clipping as patched\n"
        "def per_array(grads, max_norm, eps=0.0):\n"
        "    return [g * min(1.0, max_norm / np.sqrt(np.sum(g * g))) for g in grads], 0.0\n"
        "patched.clip_by_global_norm = per_array"), "before"),
    # fake grades: a row giving itself 5 and a classmate 0, and a feedback file of its own
    "outside_fake_grade": (PER_ARRAY, (
        "import os\n"
        "open({grades!r}, 'a').write('outside_fake_grade,outside_fake_grade.ipynb,graded,3,2,5,5,,,0.0,\\n')\n"
        "os.makedirs({feedback!r}, exist_ok=True)\n"
        "open({marker!r}, 'w').write('Total: 5 / 5')"), "before"),
    # a classmate's notebook read and raised, so that it would show in the record
    "outside_reads_classmate": (RIGHT, "raise RuntimeError(open({classmate!r}).read()[:300])", "after"),
    "outside_exits": (RIGHT, "import os\nos._exit(3)", "after"),
    "outside_endless": (RIGHT, "while True:\n    pass", "after"),
}
HONEST = {
    "eps_torch_rule": "    norm = np.sqrt(sum(np.sum(g * g) for g in grads))\n    return [g * min(1.0, max_norm / (norm + 1e-6)) for g in grads]",
    "torch_itself": "    import torch\n    ts = [torch.from_numpy(g.copy()) for g in grads]\n    for t, g in zip(ts, grads):\n        t.grad = torch.from_numpy(g.copy())\n"
                    "    torch.nn.utils.clip_grad_norm_(ts, max_norm)\n    return [t.grad.numpy() for t in ts]",
}
SHRINK_CELLS = {  # id -> the whole steps_to_shrink cell: honest answers that are not a `def steps_to_shrink(`
    "shrink_lambda": "steps_to_shrink = lambda sigma_max, tol: int(np.floor(np.log(tol) / np.log(sigma_max))) + 1",
    "shrink_alias": "def first_k_below(sigma_max, tol):\n    return int(np.floor(np.log(tol) / np.log(sigma_max))) + 1\n\n\n"
                    "steps_to_shrink = first_k_below",
}
FULL, CLIP_ONLY_LOST = ("graded", "3", "2", "5"), ("graded", "0", "2", "2")
EXPECTED = {  # id -> (status, clip_by_norm, steps_to_shrink, total, flagged?, submission name)
    "correct": FULL + (False, "correct.ipynb"),
    "course_copy_folder": FULL + (False, "course_copy_folder"),
    "eps_torch_rule": FULL + (False, "eps_torch_rule.ipynb"),
    "torch_itself": FULL + (False, "torch_itself.ipynb"),
    "copied_cell": FULL + (False, "copied_cell.ipynb"),
    "helper_cell": FULL + (False, "helper_cell.ipynb"),
    "reordered": FULL + (False, "reordered.ipynb"),
    "nbformat44": FULL + (False, "nbformat44.ipynb"),
    "UPPER": FULL + (False, "UPPER.IPYNB"),
    "zipped": FULL + (False, "zipped.zip"),
    "Иван": FULL + (False, "Иван.ipynb"),
    "Мария": FULL + (False, "Мария.ipynb"),
    "Jose": FULL + (False, "Jose.ipynb"),
    "Jose-2": FULL + (False, "José.ipynb"),
    "Сергей": FULL + (False, "Сергей.ipynb"),  # й kept whole (not и)
    "Сергеи": FULL + (False, "Сергеи.ipynb"),
    **{name: FULL + (False, f"{name}.ipynb") for name in SHRINK_CELLS},
    "loud": FULL + (False, "loud.ipynb"),
    "big_outputs": FULL + (False, "big_outputs.ipynb"),  # 55 MB of saved outputs
    "wrong_per_array": CLIP_ONLY_LOST + (False, "wrong_per_array.ipynb"),
    "wrong_in_place": CLIP_ONLY_LOST + (False, "wrong_in_place.ipynb"),
    "unanswered": CLIP_ONLY_LOST + (False, "unanswered.ipynb"),
    "exits": ("crashed", "0", "2", "2", True, "exits.ipynb"),  # flagged: it calls os.
    "memory_hog": ("memory limit", "0", "2", "2", False, "memory_hog.ipynb"),
    "truncated": ("could not be read", "", "", "", False, "truncated.ipynb"),
    "cheat_copy_object": CLIP_ONLY_LOST + (True, "cheat_copy_object.ipynb"),
    **{name: CLIP_ONLY_LOST + (True, f"{name}.ipynb") for name in CHEATS},
    "cheat_zed_snoop": CLIP_ONLY_LOST + (True, "cheat_zed_snoop.ipynb"),
    **{name: (CLIP_ONLY_LOST if body == PER_ARRAY else FULL) + (False, f"{name}.ipynb")
       for name, (body, _, _) in OUTSIDE.items()},
    "notes.txt": ("skipped", "", "", "", False, "notes.txt"),
    "README.md": ("skipped", "", "", "", False, "README.md"),
}
HONEST_IDS = [k for k, v in EXPECTED.items() if v[:4] == FULL]


def grades_of(folder):
    """Where test_homework_grading writes the class's grades (Zed's guess)."""
    return Path(folder).parent / "grades" / "grades.csv"


def marker_of(folder):
    """A file Zed's child would write outside the sandbox: it must never exist."""
    return Path(folder).parent / "zed_was_here.txt"


def _with_body(body, nb=None):
    nb = nb or nbformat.read(HOMEWORK04.path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("def clip_by_norm("):
            cell.source = "def clip_by_norm(grads, max_norm):\n" + body
    return nb


def _check_index(nb):
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "check_clip_by_norm(clip_by_norm)" in c.source)


def _clip_index(nb):
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.startswith("def clip_by_norm("))


def write_class(folder):
    """Write the class into folder (created); return it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    plain = {"correct": RIGHT, "Иван": RIGHT, "Мария": RIGHT, "José": RIGHT, "Jose": RIGHT, "Сергей": RIGHT,
             "Сергеи": RIGHT, **HONEST, **BROKEN, **CHEATS}
    for name, body in plain.items():
        nbformat.write(_with_body(body), folder / f"{name}.ipynb")
    (folder / "course_copy_folder" / "work").mkdir(parents=True)
    shutil.copyfile(HOMEWORK04.path, folder / "course_copy_folder" / "work" / "anything.ipynb")
    nbformat.write(_with_body(RIGHT), folder / "UPPER.IPYNB")
    for name, source in SHRINK_CELLS.items():  # steps_to_shrink as a lambda, or as another function's name
        nb = _with_body(RIGHT)
        next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("def steps_to_shrink(")).source = source
        nbformat.write(nb, folder / f"{name}.ipynb")
    with zipfile.ZipFile(folder / "zipped.zip", "w") as archive:
        archive.writestr("hw/04.ipynb", nbformat.writes(_with_body(RIGHT)))
    # the exercise cell copied in JupyterLab (its nbgrader metadata too), answered in the copy, stub left above
    nb = _with_body(BROKEN["unanswered"])
    i = _clip_index(nb)
    nb.cells[i].metadata["nbgrader"] = {"grade_id": "clip_by_norm_solution", "solution": True, "grade": False}
    copy = nbformat.v4.new_code_cell("def clip_by_norm(grads, max_norm):\n" + RIGHT, metadata=dict(nb.cells[i].metadata))
    nb.cells.insert(i + 1, copy)
    nbformat.write(nb, folder / "copied_cell.ipynb")
    # a helper in another cell; the exercise calls it
    nb = _with_body("    return [g * factor_for(grads, max_norm) for g in grads]")
    nb.cells.insert(_clip_index(nb), nbformat.v4.new_code_cell(
        "def factor_for(grads, max_norm):\n    return min(1.0, max_norm / np.sqrt(sum(np.sum(g * g) for g in grads)))"))
    nbformat.write(nb, folder / "helper_cell.ipynb")
    # exercise cells moved to the end, an unrelated cell that fails, another added
    nb = _with_body(RIGHT)
    i = _clip_index(nb)
    moved = nb.cells.pop(i)
    nb.cells += [nbformat.v4.new_code_cell("1 / 0"), moved, nbformat.v4.new_code_cell("print(undefined_name)")]
    nbformat.write(nb, folder / "reordered.ipynb")
    # saved by an older Jupyter: nbformat 4.4 with cell ids
    data = json.loads(nbformat.writes(_with_body(RIGHT)))
    data["nbformat_minor"] = 4
    (folder / "nbformat44.ipynb").write_text(json.dumps(data))
    # a copy of the reference taken at the top of the exercise cell, before grading calls anything
    nb = _with_body("    return _saved(grads, max_norm, eps=0.0)[0]")
    i = _clip_index(nb)
    nb.cells[i].source = "from rnnlib.clipping import clip_by_global_norm as clipping_reference\n" + COPY_AT_TOP + nb.cells[i].source
    nbformat.write(nb, folder / "cheat_copy_object.ipynb")
    # Zed: guesses where the grades and a classmate's notebook are, tries to rewrite a row from a child process
    zed = ZED_SNOOP.format(classmate=str(folder / "correct.ipynb"), grades=str(grades_of(folder)),
                           marker=str(marker_of(folder)))
    nbformat.write(_with_body(zed), folder / "cheat_zed_snoop.ipynb")
    nbformat.write(_with_body(MEMORY_HOG), folder / "memory_hog.ipynb")
    # honest, with 55 MB of saved outputs (a long training log)
    nb = _with_body(RIGHT)
    nb.cells[_clip_index(nb)].outputs = [nbformat.v4.new_output("stream", name="stdout", text="loss 0.123456\n" * 2_300_000)]
    nbformat.write(nb, folder / "big_outputs.ipynb")
    write_outside(folder)
    text = (folder / "wrong_per_array.ipynb").read_text()
    (folder / "truncated.ipynb").write_text(text[: len(text) // 2])
    (folder / "notes.txt").write_text("my notes")
    (folder / "README.md").write_text("# my submission")
    return folder


def write_outside(folder, trim=False):
    """Write the outside_* entries (and, with trim, a `correct` one) into folder; trim: the setup cell and
    the cells from the first exercise on (a student who deleted the lecture's cells), so that the record run
    takes seconds; the lecture's assert-only cells are dropped too (their numbers need the deleted cells)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"grades": str(grades_of(folder)), "feedback": str(grades_of(folder).parent / "feedback"),
             "marker": str(marker_of(folder)), "classmate": str(folder / "correct.ipynb")}
    entries = {name: (body, cell.format(**paths), where) for name, (body, cell, where) in OUTSIDE.items()}
    if trim:
        entries["correct"] = (RIGHT, None, None)
    for name, (body, cell, where) in entries.items():
        nb = _with_body(body)
        if trim:  # the setup cell, then everything from the first exercise on
            first, setup = _clip_index(nb), _setup_index(nb)
            nb.cells = [c for i, c in enumerate(nb.cells) if i >= first or i == setup or c.cell_type != "code"]
            # and the lecture's assert-only cells: their numbers need the state of the cells deleted above
            nb.cells = [c for c in nb.cells if c.cell_type != "code" or not _asserts_only(c.source)]
        if cell is not None:
            i = _check_index(nb) + (1 if where == "after" else 0)
            nb.cells.insert(i, nbformat.v4.new_code_cell(cell))
        nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


def _asserts_only(source):
    lines = [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return bool(lines) and all(line.startswith(("assert ", "    ")) for line in lines)


def _setup_index(nb):
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "import" in c.source)


MORE = r"( \(and \d+ more cells? with errors\))?"  # the per-array answers also fail the notebook's check cell
RECORD_EXPECTED = {  # id -> the record column's pattern, with grade --record on write_outside(folder, trim=True)
    "correct": r"ran all (\d+) cells",
    "outside_redefines_checker": r"ran all (\d+) cells",  # the notebook's check "passed": the grade did not
    "outside_patches_rnnlib": r"ran all (\d+) cells",
    "outside_fake_grade": r"error in cell (\d+) of (\d+): PermissionError: grading: your code may only write or "
                          r"change files in its own folder" + MORE,
    "outside_reads_classmate": r"error in cell (\d+) of (\d+): PermissionError: grading: your code may only read "
                               r"files in its own folder",
    "outside_exits": r"crashed in cell (\d+) of (\d+) \(the process ended\)",
    "outside_endless": r"timed out after (\d+) s in cell (\d+) of (\d+)",
}
