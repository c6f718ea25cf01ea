"""Homework checkers: run a student's function on seeded inputs, compare it with rnnlib's, say what is wrong.

A failed check raises AssertionError with a message that names each wrong output, its relative
error, the outputs that are right, and a hint, e.g.

    rnn_step_backward (case N=2, D=3, H=4): dW_hh is wrong (rel. error 0.31); dx, dh_prev, dW_xh
    and db_h are right. Hint for dW_hh: check the term that multiplies h_prev ...

A passed check prints one line and returns the largest relative error seen.

Adding a checker is a short function built from the shared helpers:

    def check_something(student_fn):
        errors = []
        for case, args, expected in cases:        # args: dict name -> array, expected: dict name -> array
            got = call_student(student_fn, args, "something")
            errors.append(compare_outputs("something", got, expected, hints={...}, case=case))
        return report_pass("something", expected, errors)
"""
from __future__ import annotations

import numpy as np

from .gradcheck import rel_error
from .rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

__all__ = [
    "call_student",
    "compare_outputs",
    "report_pass",
    "check_rnn_step_backward",
    "check_rnn_backward",
    "check_clip_by_norm",
    "check_shrink_steps",
]

TOL = 1e-7  # a correct float64 implementation is within ~1e-15 of rnnlib's
NOT_IMPLEMENTED = ("{what}: not implemented yet. Replace `raise NotImplementedError()` in the exercise cell "
                   "with your code, run that cell, then run this check again.")


def _join(names):
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def call_student(fn, args, what):
    """Call fn(*args.values()) on copies of the arrays in args and check that fn changed none of them.

    Inputs: fn, the student's function; args: dict name -> argument (arrays and caches), in call
    order; what: the function's name for messages.
    Returns: whatever fn returns. Raises AssertionError if fn raises or modifies an argument in place;
    NotImplementedError (an unanswered exercise) becomes "<what>: not implemented yet".
    """
    def copy(value):
        if isinstance(value, tuple) and hasattr(value, "_fields"):  # a NamedTuple cache: copy each array
            return type(value)(*(copy(v) for v in value))
        if isinstance(value, dict):  # a parameter dict: copy each array
            return {k: copy(v) for k, v in value.items()}
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
            raise AssertionError(f"{where}: the result has no {_join(missing)}; expected keys {names}")
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
        message += f"; {_join(right)} {'is' if len(right) == 1 else 'are'} right." if right else "."
        if len(wrong) == len(names) and shared_hint:
            message += f" Every output is wrong, so look at what they share: {shared_hint}"
        else:
            grouped = {}  # hint -> names, so one hint shared by several outputs is said once
            for n in wrong:
                if n in hints:
                    grouped.setdefault(hints[n], []).append(n)
            message += "".join(f" Hint for {_join(ns)}: {hint}" for hint, ns in grouped.items())
        raise AssertionError(message)
    return errors


def report_pass(what, expected, errors):
    """Print one line saying the check passed and return the largest relative error seen.

    Inputs: what (name), expected (dict of the last case's outputs, for their names), errors (list
    of dicts from compare_outputs, one per case). Returns: float.
    """
    worst = max(max(e.values()) for e in errors)
    names = list(expected)
    outputs = f"All {len(names)} outputs ({', '.join(names)}) match" if len(names) > 1 else f"{names[0]} matches"
    cases = f"{len(errors)} test case{'' if len(errors) == 1 else 's'}"
    print(f"{what}: correct. {outputs} rnnlib's on {cases} (rel. error < {TOL:.0e}).")
    return worst


STEP_HINTS = {
    "dx": "dx = da @ W_xh with da = dh_next * (1 - h_next**2); check the term that multiplies x.",
    "dh_prev": "check the term that multiplies h_prev: in row form dh_prev = da @ W_hh "
               "(the column form's W_hh^T da, transposed), not da @ W_hh.T.",
    "dW_xh": "dW_xh = da.T @ x, shape (H, D): one outer product per example, summed over the batch.",
    "dW_hh": "check the term that multiplies h_prev: dW_hh = da.T @ h_prev, shape (H, H).",
    "db_h": "db_h = da summed over the batch (axis 0), shape (H,).",
}
STEP_SHARED = "da = dh_next * (1 - h_next**2), the tanh derivative written with the cached output h_next."


def check_rnn_step_backward(student_fn):
    """Check a student's rnn_step_backward(dh_next, cache) -> (dx, dh_prev, dW_xh, dW_hh, db_h).

    Runs it on three seeded cases (D != H, so transposes show up) against rnnlib.rnn.rnn_step_backward.
    Returns the largest relative error; raises AssertionError naming the wrong gradient otherwise.
    """
    errors = []
    for seed, (N, D, H) in enumerate([(2, 3, 4), (3, 5, 2), (1, 4, 4)]):
        rng = np.random.default_rng(100 + seed)
        h_next, cache = rnn_step_forward(rng.normal(size=(N, D)), rng.normal(size=(N, H)),
                                         rng.normal(scale=0.5, size=(H, D)), rng.normal(scale=0.5, size=(H, H)),
                                         rng.normal(scale=0.5, size=H))
        dh_next = rng.normal(size=h_next.shape)  # (N, H)
        expected = dict(zip(("dx", "dh_prev", "dW_xh", "dW_hh", "db_h"), rnn_step_backward(dh_next, cache)))
        got = call_student(student_fn, {"dh_next": dh_next, "cache": cache}, "rnn_step_backward")
        errors.append(compare_outputs("rnn_step_backward", got, expected, STEP_HINTS, STEP_SHARED,
                                      case=f"N={N}, D={D}, H={H}"))
    return report_pass("rnn_step_backward", expected, errors)


SHARED_WEIGHTS_HINT = "W_xh, W_hh and b_h are shared by every step, so add (+=) each step's share; do not overwrite it."
LOOP_HINTS = {
    "dx": "store each step's dx in dx[:, t].",
    "dh0": "dh0 is the gradient carried out of the first step (t = 0): return the carry after the loop.",
    "dW_xh": SHARED_WEIGHTS_HINT,
    "dW_hh": SHARED_WEIGHTS_HINT,
    "db_h": SHARED_WEIGHTS_HINT,
}
LOOP_SHARED = ("go backwards in time (t = T-1 down to 0) and give step t the sum dh[:, t] + the gradient "
               "carried back from step t + 1.")
CARRY_HINT = ("dx is right at the last step but wrong before it: step t must receive dh[:, t] plus the "
              "dh_prev that step t + 1 returned (the carry).")


def check_rnn_backward(student_fn):
    """Check a student's BPTT loop rnn_backward(dh, cache) -> (dx, dh0, dW_xh, dW_hh, db_h).

    `cache` is rnnlib's RNNCache (x, h0, h, W_xh, W_hh). Three seeded cases against
    rnnlib.rnn.rnn_backward. Returns the largest relative error; raises AssertionError otherwise.
    """
    errors = []
    for seed, (N, T, D, H) in enumerate([(2, 4, 3, 5), (3, 1, 2, 3), (1, 6, 4, 4)]):
        rng = np.random.default_rng(200 + seed)
        h, cache = rnn_forward(rng.normal(size=(N, T, D)), rng.normal(size=(N, H)),
                               rng.normal(scale=0.5, size=(H, D)), rng.normal(scale=0.5, size=(H, H)),
                               rng.normal(scale=0.5, size=H))
        dh = rng.normal(size=h.shape)  # (N, T, H)
        expected = dict(zip(("dx", "dh0", "dW_xh", "dW_hh", "db_h"), rnn_backward(dh, cache)))
        got = call_student(student_fn, {"dh": dh, "cache": cache}, "rnn_backward")
        hints, shared = dict(LOOP_HINTS), LOOP_SHARED
        if isinstance(got, (tuple, list)) and got and np.shape(got[0]) == expected["dx"].shape and T > 1:
            dx = np.asarray(got[0], dtype=np.float64)
            last_right = rel_error(dx[:, -1], expected["dx"][:, -1]) <= TOL
            if last_right and rel_error(dx, expected["dx"]) > TOL:  # a specific diagnosis beats the generic one
                hints["dx"] = shared = CARRY_HINT
        errors.append(compare_outputs("rnn_backward", got, expected, hints, shared,
                                      case=f"N={N}, T={T}, D={D}, H={H}"))
    return report_pass("rnn_backward", expected, errors)



# --- gradient clipping and decay rates (notebook on vanishing/exploding gradients) ---------------

def _clip_reference(grads, max_norm, mode="global"):
    """Reference clipping and the usual mistakes, to recognise which one a student made."""
    norms = [float(np.sqrt(np.sum(g * g))) for g in grads]
    total = float(np.sqrt(sum(n * n for n in norms)))
    if mode == "global":
        return [g * min(1.0, max_norm / total) for g in grads]
    if mode == "squared":  # the slides' grad_norm = np.sum(grad * grad)
        return [g * (max_norm / total**2 if total**2 > max_norm else 1.0) for g in grads]
    if mode == "per_array":
        return [g * min(1.0, max_norm / n) for g, n in zip(grads, norms)]
    if mode == "always":  # rescales to max_norm even when the norm is already smaller
        return [g * max_norm / total for g in grads]
    return [np.clip(g, -max_norm, max_norm) for g in grads]  # "elementwise"


CLIP_MISTAKES = {
    "squared": "you compare and divide by the SQUARED norm (np.sum(g * g)); take its square root first.",
    "per_array": "you clip each array by its own norm; clip by the GLOBAL norm of all arrays together "
                 "(sqrt of the sum of every array's sum of squares), with one common factor.",
    "always": "you rescale even when the norm is below max_norm; leave those gradients unchanged "
              "(factor min(1, max_norm / norm)).",
    "elementwise": "you clip each entry (np.clip); that changes the direction. Rescale the whole "
                   "gradient by max_norm / norm instead.",
}


def check_clip_by_norm(student_fn):
    """Check a student's clip_by_norm(grads, max_norm) -> list of clipped arrays (same order and shapes).

    Three seeded cases: global norm above max_norm, below it, and one where a single array carries
    most of the norm (per-array clipping gives a different answer). Compared with
    g * min(1, max_norm / ||g||) over all arrays together; a known mistake gets a specific hint.
    Returns the largest relative error; raises AssertionError otherwise.
    """
    errors = []
    cases = [("norm above max_norm", (4, 3), 3.0, 5.0), ("norm below max_norm", (3, 2), 0.05, 5.0),
             ("one large array", (5, 4), 1.0, 2.0)]
    for seed, (case, (H, D), scale, max_norm) in enumerate(cases):
        rng = np.random.default_rng(300 + seed)
        grads = [scale * rng.normal(size=(H, D)), scale * rng.normal(size=(H, H)), scale * rng.normal(size=H)]
        if case == "one large array":
            grads[1] = grads[1] * 20.0
        expected = dict(zip(("dW_xh", "dW_hh", "db_h"), _clip_reference(grads, max_norm)))
        total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
        originals = [g.copy() for g in grads]
        got = call_student(student_fn, {"grads": grads, "max_norm": max_norm}, "clip_by_norm")
        for name, before, after in zip(expected, originals, grads):
            if not np.array_equal(before, after):
                raise AssertionError(f"clip_by_norm changed the input gradient {name} in place; return new "
                                     f"arrays (g * factor), do not use g *= factor.")
        got = list(got) if isinstance(got, (tuple, list)) else got
        shared = None
        if isinstance(got, list) and len(got) == 3 and all(np.shape(g) == np.shape(e) for g, e in zip(got, expected.values())):
            for mode, hint in CLIP_MISTAKES.items():
                wrong = _clip_reference(grads, max_norm, mode)
                if all(rel_error(g, w) < 1e-6 for g, w in zip(got, wrong)) and any(
                        rel_error(w, e) > 1e-6 for w, e in zip(wrong, expected.values())):
                    shared = hint
        errors.append(compare_outputs("clip_by_norm", got, expected, shared_hint=shared,
                                      hints={n: shared for n in expected} if shared else None,
                                      case=f"{case}: global norm {total:.3g}, max_norm {max_norm}"))
    return report_pass("clip_by_norm", expected, errors)


def check_shrink_steps(student_fn, cases=((0.5, 1e-6), (0.7, 1e-2), (0.9, 1e-3), (0.95, 0.1))):
    """Check a student's steps_to_shrink(sigma_max, tol) against distances measured on real passes.

    The measurement: W_hh = sigma_max * (random orthogonal), the linear recurrence, T = 80, and the
    first distance k at which ||dh_T / dh_{T-k}||_2 (true Jacobian products, rnnlib.jacobians)
    is below tol on every sequence. Returns 0.0 (the answers are integers); raises AssertionError
    with a hint otherwise.
    """
    from .jacobians import gradient_norm_curve

    wrong = []
    for sigma, tol in cases:
        norms = gradient_norm_curve(sigma, "linear", "normal", T=80, seed=7)  # (N, 81)
        measured = int(np.argmax(np.all(norms < tol, axis=0)))
        got = call_student(student_fn, {"sigma_max": sigma, "tol": tol}, "steps_to_shrink")
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer, float, np.floating)):
            raise AssertionError(f"steps_to_shrink({sigma}, {tol}) must return one number; got {type(got).__name__}")
        if got != measured:
            wrong.append((sigma, tol, got, measured))
    if wrong:
        sigma, tol, got, measured = wrong[0]
        hint = ("each step multiplies the norm by exactly sigma_max here, so after k steps it is "
                "sigma_max**k; find the smallest integer k with sigma_max**k < tol.")
        if got == measured - 1:
            hint = "off by one: at that k the norm is still at or above tol; you want the first k below it."
        elif isinstance(got, (float, np.floating)) and not float(got).is_integer():
            hint = "a distance is a whole number of steps: round up to the first integer k that gets below tol."
        raise AssertionError(f"steps_to_shrink is wrong for {len(wrong)} of {len(cases)} cases, e.g. "
                             f"sigma_max={sigma}, tol={tol:g}: you said {got}, the measured distance is "
                             f"{measured}. Hint: {hint}")
    listed = ", ".join(f"(σ_max={s:g}, tol={t:g})" for s, t in cases)
    print(f"steps_to_shrink: correct on all {len(cases)} cases {listed}.")
    return 0.0
