"""The checkers' harness: call a student's function safely, compare its outputs name by name, report.

A failed check raises AssertionError with a message that names each wrong output, its relative
error, the outputs that are right, and a hint, e.g.

    rnn_step_backward (case N=2, D=3, H=4): dW_hh is wrong (rel. error 0.31); dx, dh_prev, dW_xh
    and db_h are right. Hint for dW_hh: check the term that multiplies h_prev ...

A passed check prints one line and returns the largest relative error seen. A checker is a short
function built from these helpers:

    def check_something(student_fn):
        errors = []
        for case, args, expected in cases:        # args: dict name -> array, expected: dict name -> array
            got = call_student(student_fn, args, "something")
            errors.append(compare_outputs("something", got, expected, hints={...}, case=case))
        return report_pass("something", expected, errors)
"""
from __future__ import annotations

import re

import numpy as np

from ..gradcheck import rel_error

__all__ = ["TOL", "NOT_IMPLEMENTED", "join_names", "call_student", "compare_outputs", "report_pass", "case_rng",
           "draw_sizes", "fresh_rng", "verdict"]

TOL = 1e-7  # a correct float64 implementation is within ~1e-15 of rnnlib's
NOT_IMPLEMENTED = ("{what}: not implemented yet. Replace `raise NotImplementedError()` in the exercise cell "
                   "with your code, run that cell, then run this check again.")


def join_names(names):
    """["a", "b", "c"] -> "a, b and c" (for messages)."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def call_student(fn, args, what):
    """Call fn(*args.values()) on copies of the arrays in args and check that fn changed none of them.

    Inputs: fn, the student's function; args: dict name -> argument (arrays, lists of arrays, dicts and
    caches), in call order; what: the function's name for messages.
    Returns: whatever fn returns. Raises AssertionError if fn raises or modifies an argument in place;
    NotImplementedError (an unanswered exercise) becomes "<what>: not implemented yet".
    """
    def copy(value):
        if isinstance(value, tuple) and hasattr(value, "_fields"):  # a NamedTuple cache: copy each array
            return type(value)(*(copy(v) for v in value))
        if isinstance(value, dict):  # a parameter dict: copy each array
            return {k: copy(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):  # a list of gradients: a new list of copies
            return type(value)(copy(v) for v in value)
        return np.array(value, copy=True) if isinstance(value, np.ndarray) else value

    given = {name: copy(value) for name, value in args.items()}
    try:
        out = fn(*given.values())
    except NotImplementedError:  # the released (student) notebook: the solution lines are not written yet
        raise AssertionError(NOT_IMPLEMENTED.format(what=what)) from None
    except Exception as exc:  # the student's bug: report it as a failed check, keep the traceback
        raise AssertionError(f"{what} raised {type(exc).__name__}: {exc}") from exc
    for name, value in args.items():
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            pairs = [(f"{name}.{f}", a, b) for f, a, b in zip(value._fields, value, given[name])]
        elif isinstance(value, dict):
            pairs = [(f"{name}[{k!r}]", value[k], given[name].get(k)) for k in value]
        elif isinstance(value, (list, tuple)):
            after = given[name]
            if len(after) != len(value):
                raise AssertionError(f"{what} changed the length of its argument {name} (a list) in place; "
                                     f"work on a new list instead.")
            pairs = [(f"{name}[{i}]", a, b) for i, (a, b) in enumerate(zip(value, after))]
        else:
            pairs = [(name, value, given[name])]
        for label, before, after in pairs:
            if isinstance(before, np.ndarray) and not np.array_equal(before, after):
                raise AssertionError(
                    f"{what} changed its argument {label} in place. The caller may still need it (a "
                    f"gradient check reuses the upstream gradient): work on a copy, e.g. "
                    f"`x = x * y` instead of `x *= y`."
                )
    return out


def compare_outputs(what, got, expected, hints=None, shared_hint=None, tol=TOL, case=""):
    """Compare a student's outputs with the expected ones, name by name; raise AssertionError on any mismatch.

    Inputs:
    - what: the function's name, for messages.
    - got: the student's outputs, a tuple/list in the order of `expected` or a dict by name.
    - expected: dict name -> array (the reference outputs, in the function's return order).
    - hints: optional dict name -> what to check when that output is wrong.
    - shared_hint: optional hint used instead when every output is wrong (a shared cause).
    - tol: largest relative error accepted; case: a description of the inputs, e.g. "N=2, H=3".
    Returns: dict name -> relative error (all <= tol).
    """
    hints = hints or {}
    names = list(expected)
    where = f"{what} (case {case})" if case else what
    if isinstance(got, dict):
        missing = [n for n in names if n not in got]
        if missing:
            raise AssertionError(f"{where}: the result has no {join_names(missing)}; expected keys {names}")
        got = [got[n] for n in names]
    elif not isinstance(got, (tuple, list)) or len(got) != len(names):
        count = len(got) if isinstance(got, (tuple, list)) else f"a {type(got).__name__}"
        raise AssertionError(f"{where} must return {len(names)} values ({', '.join(names)}); got {count}")
    errors, wrong = {}, []
    for name, g in zip(names, got):
        want = np.asarray(expected[name])
        if g is None:
            raise AssertionError(f"{where}: {name} is None; did you forget to compute or return it?")
        g = np.asarray(g, dtype=np.float64)
        if g.shape != want.shape:
            raise AssertionError(f"{where}: {name} has shape {g.shape}; expected {want.shape}. {hints.get(name, '')}".rstrip())
        if not np.all(np.isfinite(g)):
            raise AssertionError(f"{where}: {name} contains NaN or inf")
        errors[name] = rel_error(g, want)
        if errors[name] > tol:
            wrong.append(name)
    if wrong:
        right = [n for n in names if n not in wrong]
        parts = [f"{n} is wrong (rel. error {errors[n]:.2g})" for n in wrong]
        message = f"{where}: " + "; ".join(parts)
        message += f"; {join_names(right)} {'is' if len(right) == 1 else 'are'} right." if right else "."
        if len(wrong) == len(names) and shared_hint:
            message += f" Every output is wrong, so look at what they share: {shared_hint}"
        else:
            grouped = {}  # hint -> names, so one hint shared by several outputs is said once
            for n in wrong:
                if n in hints:
                    grouped.setdefault(hints[n], []).append(n)
            message += "".join(f" Hint for {join_names(ns)}: {hint}" for hint, ns in grouped.items())
        raise AssertionError(message)
    return errors


def report_pass(what, expected, errors, tol=TOL):
    """Print one line saying the check passed and return the largest relative error seen.

    Inputs: what (name), expected (dict of the last case's outputs, for their names), errors (list
    of dicts from compare_outputs, one per case), tol (the tolerance said in the line). Returns: float.
    """
    worst = max(max(e.values()) for e in errors)
    names = list(expected)
    outputs = f"All {len(names)} outputs ({', '.join(names)}) match" if len(names) > 1 else f"{names[0]} matches"
    cases = f"{len(errors)} test case{'' if len(errors) == 1 else 's'}"
    print(f"{what}: correct. {outputs} rnnlib's on {cases} (rel. error < {tol:.0e}).")
    return worst


def fresh_rng(rng):
    """A checker's `rng` argument as None (the notebook's fixed cases) or a np.random.Generator (fresh cases).

    Every checker takes `rng`: None runs the notebook's fixed cases; a Generator (or an int seed)
    draws fresh ones, so the visible check and the graded test on fresh inputs are one function.
    """
    if rng is None or isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(f"rng must be None, a np.random.Generator or a non-negative int; got {rng!r}")


def case_rng(rng, seed):
    """The generator of one test case: default_rng(seed) when rng is None (the notebook's cases), else rng."""
    return np.random.default_rng(seed) if rng is None else rng


def draw_sizes(rng, fixed, low=1, high=6):
    """The sizes of one case: `fixed` (a tuple) for the notebook's cases, else as many drawn in [low, high]."""
    if rng is None:
        return tuple(fixed)
    return tuple(int(v) for v in rng.integers(low, high + 1, size=len(fixed)))


class verdict:
    """Run a check cell so that a failure prints one line instead of a traceback (the student's copy).

        with verdict("clip_by_norm"):
            worst = check_clip_by_norm(clip_by_norm)

    A passed check prints what the checker prints; a failed one prints "<what>: not yet. <the checker's
    sentence>", naming the function once (the sentence's own leading name dropped: "clip_by_norm: not
    yet. Not implemented yet. ...", "clip_by_norm: not yet. Case norm above max_norm: ..."; the checker's
    name, e.g. rnn_step_backward, counts as `what` when `what` is the student's name for it, e.g.
    my_rnn_step_backward), and an exercise cell not run yet says so. The notebook goes on to its next cell.
    """

    def __init__(self, what):
        self.what = what

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None or not issubclass(kind, Exception):
            return False
        if isinstance(error, NameError):
            message = f"{error}: run the exercise cell above first (or Run All), then this check."
        elif isinstance(error, AssertionError):
            message = str(error)
        else:
            message = f"{type(error).__name__}: {error}"
        first = message.strip().splitlines()[0] if message.strip() else type(error).__name__
        if isinstance(error, AssertionError):  # the checker's name for the function -> the student's
            named = re.match(r"(\w+)(?=[ :(])", first)
            if named and named.group(1) != self.what and self.what.endswith("_" + named.group(1)):
                first = self.what + first[named.end():]
        print(f"{self.what}: not yet. {_without_name(first, self.what)}")
        return True


def _without_name(sentence, what):
    """The checker's sentence without its leading name, so that the verdict names the function once:
    "what: not implemented yet. ..." -> "Not implemented yet. ...", "what (case N=2): ..." -> "Case N=2: ..."."""
    if sentence.startswith(what + ": ") and len(sentence) > len(what) + 2:
        rest = sentence[len(what) + 2:]
        return rest[0].upper() + rest[1:]
    case = re.match(re.escape(what) + r" \((case [^()]*)\):? (.*)", sentence)
    if case:
        return "C" + case.group(1)[1:] + ": " + case.group(2)
    return sentence
