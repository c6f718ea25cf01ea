"""A tiny one-exercise homework (clip_by_norm, as in notebook 04) and a class of submissions to grade.

The notebook is built here rather than stored as .ipynb, so nbval does not collect it; it imports
rnnlib and calls the same checker as notebook 04, so grading it exercises the whole machinery
(hidden tests, fresh checker, traps) in a few seconds per submission.
"""
import shutil
from pathlib import Path

import nbformat

from rnnlib.homework.spec import CLIP, Exercise, Homework

SETUP = "import numpy as np\nfrom rnnlib import checkers, clipping"
SOLUTION = """def clip_by_norm(grads, max_norm):
    ### BEGIN SOLUTION
    norm = np.sqrt(sum(np.sum(g * g) for g in grads))
    return [g * min(1.0, max_norm / norm) for g in grads]
    ### END SOLUTION"""
CHECK = "worst = checkers.check_clip_by_norm(clip_by_norm)"

# what each student writes in place of the stub; None: the file is broken instead (see write_class)
ANSWERS = {
    "correct": "    norm = np.sqrt(sum(np.sum(g * g) for g in grads))\n    return [g * min(1.0, max_norm / norm) for g in grads]",
    "wrong": "    return [g * min(1.0, max_norm / np.sqrt(np.sum(g * g))) for g in grads]  # per array",
    "raising": "    raise RuntimeError('I give up')",
    "loop": "    while True:\n        pass",
    "tampered": "    return list(grads)\n\ncheckers.check_clip_by_norm = lambda fn: 0.0  # the visible check now always passes",
    "reference": "    clipped, _ = clipping.clip_by_global_norm(grads, max_norm, eps=0.0)\n    return clipped",
    "exits": "    import os\n    os._exit(1)",
}
EXPECTED = {  # student -> (status, points, a phrase the detail column must hold)
    "correct": ("graded", "2", ""),
    "course_copy": ("graded", "2", "grade cell clip_by_norm was missing and was added back"),
    "exits": ("crashed", "", "kernel died"),
    "loop": ("timed out", "0", "timed out in cell"),
    "raising": ("graded", "0", "I give up"),
    "reference": ("graded", "0", "write your own code"),
    "tampered": ("graded", "0", "clip_by_norm"),
    "truncated": ("could not be read", "", "JSON"),
    "wrong": ("graded", "0", "clip_by_norm"),
}


def make_homework(folder):
    """Write the instructor notebook into folder; return its Homework (key 'fx')."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Clipping, one exercise"), nbformat.v4.new_code_cell(SETUP),
                nbformat.v4.new_code_cell(SOLUTION), nbformat.v4.new_code_cell(CHECK)]
    path = Path(folder) / "fx_clipping.ipynb"
    nbformat.write(nb, path)
    return Homework("fx", path, (Exercise("clip_by_norm", 2, "clip_by_norm", "rnnlib.checkers:check_clip_by_norm", CLIP),))


def answer(released, body):
    """The released notebook with the stub of its solution cell replaced by body."""
    nb = nbformat.read(released, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            head = cell.source.split("\n", 1)[0]  # the def line
            cell.source = head + "\n" + body
    return nb


def write_class(released, folder, instructor):
    """Write one submission per student (file or folder) into folder; return the folder.

    course_copy hands in the instructor notebook itself (solutions filled in, no nbgrader cells)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for student, body in ANSWERS.items():
        target = folder / student / "submission.ipynb" if student == "correct" else folder / f"{student}.ipynb"
        target.parent.mkdir(exist_ok=True)
        nbformat.write(answer(released, body), target)
    shutil.copyfile(instructor, folder / "course_copy.ipynb")
    text = (folder / "wrong.ipynb").read_text()
    (folder / "truncated.ipynb").write_text(text[: len(text) // 2])
    return folder
