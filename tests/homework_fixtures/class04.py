"""A class of notebook 04 to grade: honest work in varied valid forms, broken submissions, and cheats.

Built from the instructor notebook (solutions filled in) by replacing the body of `clip_by_norm`;
steps_to_shrink keeps the instructor's answer (2 points) everywhere. EXPECTED says each row.
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
}
COPY_AT_TOP = "_saved = clipping_reference\n"  # used by cheat_copy_object, see write_class
BROKEN = {
    "wrong_per_array": "    return [g * min(1.0, max_norm / np.sqrt(np.sum(g * g))) for g in grads]",
    "wrong_in_place": "    norm = np.sqrt(sum(np.sum(g * g) for g in grads))\n    for g in grads:\n        g *= min(1.0, max_norm / norm)\n    return grads",
    "unanswered": "    # YOUR CODE HERE\n    raise NotImplementedError()",
    "exits": "    import os\n    os._exit(1)",
    "loud": "    print('x' * 50_000_000)\n" + RIGHT,
}
HONEST = {
    "eps_torch_rule": "    norm = np.sqrt(sum(np.sum(g * g) for g in grads))\n    return [g * min(1.0, max_norm / (norm + 1e-6)) for g in grads]",
    "torch_itself": "    import torch\n    ts = [torch.from_numpy(g.copy()) for g in grads]\n    for t, g in zip(ts, grads):\n        t.grad = torch.from_numpy(g.copy())\n"
                    "    torch.nn.utils.clip_grad_norm_(ts, max_norm)\n    return [t.grad.numpy() for t in ts]",
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
    "loud": FULL + (False, "loud.ipynb"),
    "wrong_per_array": CLIP_ONLY_LOST + (False, "wrong_per_array.ipynb"),
    "wrong_in_place": CLIP_ONLY_LOST + (False, "wrong_in_place.ipynb"),
    "unanswered": CLIP_ONLY_LOST + (False, "unanswered.ipynb"),
    "exits": ("crashed", "0", "2", "2", True, "exits.ipynb"),  # flagged: it calls os.
    "truncated": ("could not be read", "", "", "", False, "truncated.ipynb"),
    "cheat_copy_object": CLIP_ONLY_LOST + (True, "cheat_copy_object.ipynb"),
    **{name: CLIP_ONLY_LOST + (True, f"{name}.ipynb") for name in CHEATS},
    "notes.txt": ("skipped", "", "", "", False, "notes.txt"),
    "README.md": ("skipped", "", "", "", False, "README.md"),
}
HONEST_IDS = [k for k, v in EXPECTED.items() if v[:4] == FULL]


def _with_body(body, nb=None):
    nb = nb or nbformat.read(HOMEWORK04.path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("def clip_by_norm("):
            cell.source = "def clip_by_norm(grads, max_norm):\n" + body
    return nb


def _clip_index(nb):
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.startswith("def clip_by_norm("))


def write_class(folder):
    """Write the class into folder (created); return it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    plain = {"correct": RIGHT, "Иван": RIGHT, "Мария": RIGHT, "José": RIGHT, "Jose": RIGHT, **HONEST, **BROKEN, **CHEATS}
    for name, body in plain.items():
        nbformat.write(_with_body(body), folder / f"{name}.ipynb")
    (folder / "course_copy_folder" / "work").mkdir(parents=True)
    shutil.copyfile(HOMEWORK04.path, folder / "course_copy_folder" / "work" / "anything.ipynb")
    nbformat.write(_with_body(RIGHT), folder / "UPPER.IPYNB")
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
    text = (folder / "wrong_per_array.ipynb").read_text()
    (folder / "truncated.ipynb").write_text(text[: len(text) // 2])
    (folder / "notes.txt").write_text("my notes")
    (folder / "README.md").write_text("# my submission")
    return folder
