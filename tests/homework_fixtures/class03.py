"""A class of notebook 03 to grade: the instructor's answers, and the cheats of the instructor review that
gained points through references that were not trapped for the exercise they answer.

Built from the instructor notebook (solutions filled in) by replacing the body of one or both exercises.
EXPECTED says each row: every cheat scores 0 on the exercise it cheats (its reference is a trap there) and
is flagged ("review by hand"), even where the course's setup cell already imports the name it uses.
"""
from pathlib import Path

import nbformat

from rnnlib.homework.spec import HOMEWORK

HOMEWORK03 = HOMEWORK["03"]
STEP, LOOP = "my_rnn_step_backward", "my_rnn_backward"
# (A) the bug catalogue's "in-place upstream" step, given a copy of dh_next, is exactly right
CATALOGUE_STEP = "    return STEP_BACKWARD_BUGS['in-place upstream'](dh_next.copy(), cache)"
# (B) exercise 1 through rnnlib's sequence backward on a one-step sequence (its bias recovered from h_next)
ONE_STEP_SEQUENCE = (
    "    from rnnlib.rnn import rnn_backward\n"
    "    b = (np.arctanh(cache.h_next) - cache.x @ cache.W_xh.T - cache.h_prev @ cache.W_hh.T).mean(axis=0)\n"
    "    _, seq = rnn_forward(cache.x[:, None], cache.h_prev, cache.W_xh, cache.W_hh, b)\n"
    "    dx, dh0, dW_xh, dW_hh, db_h = rnn_backward(dh_next[:, None], seq)\n"
    "    return dx[:, 0], dh0, dW_xh, dW_hh, db_h")
# (F) the same through the recurrence's own backward (rnn_scan_backward): da, dh_prev and dW_hh from it
ONE_STEP_SCAN = (
    "    import rnnlib.rnn as r\n"
    "    b = (np.arctanh(cache.h_next) - cache.x @ cache.W_xh.T - cache.h_prev @ cache.W_hh.T).mean(axis=0)\n"
    "    _, seq = rnn_forward(cache.x[:, None], cache.h_prev, cache.W_xh, cache.W_hh, b)\n"
    "    da, dh_prev, dW_hh = r.rnn_scan_backward(dh_next[None], seq.scan)\n"
    "    da = da[0]\n"
    "    return da @ cache.W_xh, dh_prev, da.T @ cache.x, dW_hh, da.sum(axis=0)")
# (E) exercise 2 through torch's answer under rnnlib's names (exercise 1 as in A)
TORCH_LOOP = (
    "    from rnnlib.torch_bridge import torch_reference\n"
    "    h = cache.h\n"
    "    h0 = cache.scan.h0\n"
    "    a1 = np.arctanh(h[:, 0]) - cache.x[:, 0] @ cache.W_xh.T - h0 @ cache.W_hh.T\n"
    "    params = dict(W_xh=cache.W_xh, W_hh=cache.W_hh, b_h=a1.mean(axis=0))\n"
    "    _, g = torch_reference('rnn', params, cache.x, h0, dh)\n"
    "    return g['dx'], g['dh0'], g['dW_xh'], g['dW_hh'], g['db_h']")
BODIES = {  # id -> {exercise: body after the def line}
    "correct": {},
    "cheat_catalogue_step": {STEP: CATALOGUE_STEP},
    "cheat_one_step_sequence": {STEP: ONE_STEP_SEQUENCE},
    "cheat_one_step_scan": {STEP: ONE_STEP_SCAN},
    "cheat_catalogue_and_torch": {STEP: CATALOGUE_STEP, LOOP: TORCH_LOOP},
}
EXPECTED = {  # id -> (status, my_rnn_step_backward, my_rnn_backward, total, flagged?)
    "correct": ("graded", "3", "3", "6", False),
    "cheat_catalogue_step": ("graded", "0", "3", "3", True),
    "cheat_one_step_sequence": ("graded", "0", "3", "3", True),
    "cheat_one_step_scan": ("graded", "0", "3", "3", True),
    "cheat_catalogue_and_torch": ("graded", "0", "0", "0", True),
}


def _with_bodies(bodies):
    nb = nbformat.read(HOMEWORK03.path, as_version=4)
    for cell in nb.cells:
        for function, body in bodies.items():
            start = cell.source.find(f"def {function}(")
            if cell.cell_type == "code" and start >= 0:
                head = cell.source[:start] + cell.source[start:].split("\n", 1)[0]
                cell.source = head + "\n" + body
    return nb


def write_class(folder):
    """Write the class into folder (created); return it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, bodies in BODIES.items():
        nbformat.write(_with_bodies(bodies), folder / f"{name}.ipynb")
    return folder
