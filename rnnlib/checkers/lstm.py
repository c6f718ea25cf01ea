"""Homework checkers for the LSTM step, forward and backward, that name the wrong gate or gradient.

Built on the shared harness, rnnlib.checkers.harness (call_student, compare_outputs, report_pass). Two
extra diagnoses make the feedback specific:

- gate by gate: the gates of the student's cache (forward) and the four blocks of db_h (backward,
  db_h is da summed over the batch) are compared block by block, so a message can say "gate o is
  wrong; i, f and g are right";
- a catalogue of known mistakes (`FORWARD_BUGS`, `BACKWARD_BUGS`): if the student's result equals
  one of them, the message says which (e.g. the slides' gate order i, f, o, g).
"""
from __future__ import annotations

import contextlib
import io
import textwrap

import numpy as np

from ..gradcheck import rel_error
from ..lstm import LSTMStepCache, lstm_step_backward, lstm_step_forward, sigmoid
from .harness import TOL, call_student, case_rng, compare_outputs, draw_sizes, fresh_rng, report_pass

__all__ = ["FORWARD_BUGS", "BACKWARD_BUGS", "forward_with_bug", "backward_with_bug", "check_lstm_step_forward", "check_lstm_step_backward", "lstm_cases"]

GATES = ("i", "f", "g", "o")
CASES = [(2, 3, 4), (3, 5, 2), (1, 4, 4)]  # (N, D, H): D != H so that transposes show up
WIDTH = 78  # characters: a passed check's line is folded at word boundaries to fit a notebook or a slide


def _report_pass(what, expected, errors):
    """harness.report_pass, its sentence folded into lines of at most WIDTH characters (never inside a word)."""
    with contextlib.redirect_stdout(io.StringIO()) as said:
        worst = report_pass(what, expected, errors)
    print(textwrap.fill(said.getvalue().strip(), WIDTH))
    return worst


def lstm_cases(seed=300, rng=None):
    """Seeded step inputs: a list of (case label, dict of the forward's arguments); rng: fresh ones."""
    cases, outer = [], fresh_rng(rng)
    for k, sizes in enumerate(CASES):
        N, D, H = draw_sizes(outer, sizes)
        rng = case_rng(outer, seed + k)
        args = {"x": rng.normal(size=(N, D)), "h_prev": rng.normal(size=(N, H)), "c_prev": rng.normal(size=(N, H)),
                "W_xh": rng.normal(scale=0.5, size=(4 * H, D)), "W_hh": rng.normal(scale=0.5, size=(4 * H, H)),
                "b_h": rng.normal(scale=0.5, size=4 * H)}
        cases.append((f"N={N}, D={D}, H={H}", args))
    return cases


def _blocks(a, H):
    return [a[..., j * H : (j + 1) * H] for j in range(4)]


def forward_with_bug(bug, x, h_prev, c_prev, W_xh, W_hh, b_h):
    """The step forward with one known mistake: returns (h_next, c_next)."""
    a = x @ W_xh.T + h_prev @ W_hh.T + b_h  # (N, 4H)
    i, f, g, o = _blocks(a, h_prev.shape[1])
    if bug == "slide_order":  # read as i, f, o, g
        g, o = o, g
    if bug == "swap_i_f":
        i, f = f, i
    i, f, o = sigmoid(i), sigmoid(f), sigmoid(o)
    g = sigmoid(g) if bug == "g_sigmoid" else np.tanh(g)
    c = c_prev + i * g if bug == "no_forget" else f * c_prev + i * g
    return (o * c if bug == "h_without_tanh" else o * np.tanh(c)), c


FORWARD_BUGS = {
    "slide_order": "you read the gates in the slides' order i, f, o, g. rnnlib and torch stack them i, f, g, o: "
                   "the candidate g is the third block of a, the output gate o the fourth.",
    "swap_i_f": "the input and forget gates are swapped: the first block of a is i (it scales g), the second is f "
                "(it scales c_prev).",
    "g_sigmoid": "the candidate g uses tanh (values in (-1, 1)), not a sigmoid: only i, f and o are gates.",
    "no_forget": "c_prev must be multiplied by the forget gate: c_next = f * c_prev + i * g.",
    "h_without_tanh": "h_next = o * tanh(c_next): the cell state goes through tanh before the output gate.",
}


def backward_with_bug(bug, dh, dc_next, cache):
    """The step backward with one known mistake: returns the six gradients."""
    H = cache.c_prev.shape[1]
    i, f, g, o = _blocks(cache.ifgo, H)
    tanh_c = cache.tanh_c
    local = (1.0 - cache.c_next**2) if bug == "tanh_of_c" else (1.0 - tanh_c**2)
    dc = dc_next if bug == "no_dh_into_dc" else dc_next + dh * o * local
    pieces = [dc * g * i * (1 - i), dc * (cache.c_next if bug == "f_times_c_next" else cache.c_prev) * f * (1 - f),
              dc * i * (1 - g**2), dh * tanh_c * o * (1 - o)]
    if bug == "slide_order":
        pieces = [pieces[0], pieces[1], pieces[3], pieces[2]]
    da = np.concatenate(pieces, axis=1)  # (N, 4H)
    dc_prev = dc if bug == "dc_prev_without_f" else dc * f
    return (da @ cache.W_xh, da @ cache.W_hh, dc_prev, da.T @ cache.x, da.T @ cache.h_prev, da.sum(axis=0))


BACKWARD_BUGS = {
    "no_dh_into_dc": "dc must collect two paths: dc_next from the next step AND dh_next * o * (1 - tanh(c)**2) "
                     "through h_next = o * tanh(c_next).",
    "dc_prev_without_f": "dc_prev = dc * f: going back along the cell path multiplies by the forget gate "
                         "(dc_t/dc_{t-1} = diag(f)).",
    "tanh_of_c": "the derivative of tanh(c) is 1 - tanh(c)**2 (use cache.tanh_c), not 1 - c**2.",
    "f_times_c_next": "the forget gate multiplies c_prev, so da_f = dc * c_prev * f * (1 - f) (not c_next).",
    "slide_order": "you stacked da in the order i, f, o, g; it must follow the forward's order i, f, g, o.",
}

FORWARD_HINTS = {
    "c_next": "c_next = f * c_prev + i * g with i, f = sigmoid of the first two blocks of a and g = tanh of the third.",
    "h_next": "h_next = o * tanh(c_next), o = sigmoid of the fourth block of a.",
}
BACKWARD_HINTS = {
    "dx": "dx = da @ W_xh with da the (N, 4H) pre-activation gradient, gates stacked i, f, g, o.",
    "dh_prev": "dh_prev = da @ W_hh (row form, no transpose).",
    "dc_prev": "dc_prev = dc * f, where dc = dc_next + dh_next * o * (1 - tanh(c_next)**2).",
    "dW_xh": "dW_xh = da.T @ x, shape (4H, D).",
    "dW_hh": "dW_hh = da.T @ h_prev, shape (4H, H).",
    "db_h": "db_h = da summed over the batch (axis 0), shape (4H,).",
}


def _match_bug(got, variants, catalogue, names):
    for bug, outputs in variants.items():
        if isinstance(got, (tuple, list)) and len(got) >= len(names) and all(
            np.shape(g) == np.shape(o) and rel_error(g, o) <= TOL for g, o in zip(got, outputs)
        ):
            return catalogue[bug]
    return None


def _gate_report(got, want, H, what):
    """'gate(s) X are wrong; Y right' for a gate-stacked array, or '' when all blocks agree."""
    errors = [rel_error(g, w) for g, w in zip(_blocks(np.asarray(got, np.float64), H), _blocks(want, H))]
    wrong = [k for k, e in zip(GATES, errors) if e > TOL]
    if not wrong or len(wrong) == 4:
        return ""
    right = [k for k in GATES if k not in wrong]
    return (f" In {what}, the block{'s' if len(wrong) > 1 else ''} of gate{'s' if len(wrong) > 1 else ''} "
            f"{', '.join(wrong)} {'are' if len(wrong) > 1 else 'is'} wrong and {', '.join(right)} "
            f"{'are' if len(right) > 1 else 'is'} right.")


def check_lstm_step_forward(student_fn, rng=None):
    """Check a student's lstm_step_forward(x, h_prev, c_prev, W_xh, W_hh, b_h) -> (h_next, c_next, cache).

    Three seeded cases (rng: three fresh ones) against rnnlib.lstm.lstm_step_forward. If the returned cache is an
    LSTMStepCache, its gates (cache.ifgo) are checked gate by gate too. Returns the largest relative
    error; raises AssertionError naming the wrong output, gate or known mistake otherwise.
    """
    errors = []
    for case, args in lstm_cases(rng=rng):
        h_next, c_next, ref = lstm_step_forward(**args)
        expected = {"h_next": h_next, "c_next": c_next}
        got = call_student(student_fn, args, "lstm_step_forward")
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            raise AssertionError(f"lstm_step_forward must return 3 values (h_next, c_next, cache); got {got!r:.80}")
        variants = {bug: forward_with_bug(bug, **args) for bug in FORWARD_BUGS}
        bug = _match_bug(got[:2], variants, FORWARD_BUGS, list(expected))
        if bug:
            raise AssertionError(f"lstm_step_forward (case {case}): h_next and c_next are wrong in a known way: {bug}")
        try:
            errors.append(compare_outputs("lstm_step_forward", list(got[:2]), expected, FORWARD_HINTS, case=case))
        except AssertionError as err:
            cache = got[2]
            gates = _gate_report(cache.ifgo, ref.ifgo, args["h_prev"].shape[1], "cache.ifgo") if (
                isinstance(cache, LSTMStepCache) and np.shape(cache.ifgo) == ref.ifgo.shape) else ""
            raise AssertionError(str(err) + gates) from None
    return _report_pass("lstm_step_forward", expected, errors)


def check_lstm_step_backward(student_fn, rng=None):
    """Check a student's lstm_step_backward(dh_next, dc_next, cache) -> (dx, dh_prev, dc_prev, dW_xh, dW_hh, db_h).

    `cache` is rnnlib's LSTMStepCache (x, h_prev, c_prev, ifgo, c_next, tanh_c, W_xh, W_hh). Three
    seeded cases (rng: three fresh ones) against rnnlib.lstm.lstm_step_backward. Returns the largest relative error; raises
    AssertionError naming the wrong gradient, the gates whose part of it is wrong, or a known mistake.
    """
    names = ("dx", "dh_prev", "dc_prev", "dW_xh", "dW_hh", "db_h")
    errors, rng = [], fresh_rng(rng)
    for k, (case, args) in enumerate(lstm_cases(seed=400, rng=rng)):
        h_next, _, cache = lstm_step_forward(**args)
        r = case_rng(rng, 500 + k)
        dh_next, dc_next = r.normal(size=h_next.shape), r.normal(size=h_next.shape)  # (N, H) each
        expected = dict(zip(names, lstm_step_backward(dh_next, dc_next, cache)))
        got = call_student(student_fn, {"dh_next": dh_next, "dc_next": dc_next, "cache": cache}, "lstm_step_backward")
        variants = {bug: backward_with_bug(bug, dh_next, dc_next, cache) for bug in BACKWARD_BUGS}
        bug = _match_bug(got, variants, BACKWARD_BUGS, names)
        if bug:
            raise AssertionError(f"lstm_step_backward (case {case}): the gradients are wrong in a known way: {bug}")
        try:
            errors.append(compare_outputs("lstm_step_backward", got, expected, BACKWARD_HINTS, case=case))
        except AssertionError as err:
            gates = ""
            if isinstance(got, (tuple, list)) and len(got) == 6 and np.shape(got[5]) == expected["db_h"].shape:
                gates = _gate_report(got[5], expected["db_h"], h_next.shape[1], "db_h (= da summed over the batch)")
            raise AssertionError(str(err) + gates) from None
    return _report_pass("lstm_step_backward", expected, errors)
