"""The hidden tests: what a grade cell runs while a submission is graded.

A grade cell loads this file with `runpy.run_path` (a fresh namespace, never a module the student's
kernel could have replaced in sys.modules) and calls `grade(...)`, which

1. imports a fresh copy of rnnlib (new module objects read from disk; sys.modules is left as it was),
   so a checker or reference that the student redefined or patched in the kernel does not count;
2. runs the notebook's checker, the fresh copy;
3. turns rnnlib's own implementations of the exercise (the `references`, in the modules the student
   can import) into traps that raise "write your own code", runs a test on fresh random inputs drawn
   at grading time against the fresh reference, and restores the references. Reading this file
   therefore does not reveal the expected outputs.

Only absolute imports here: the file also runs outside the package.
"""
import contextlib
import importlib
import sys

import numpy as np

TRAP_MESSAGE = ("write your own code: {name} is rnnlib's reference solution of this exercise, so it is "
                "switched off while your work is graded")


def _ours(key):
    return key == "rnnlib" or key.startswith("rnnlib.")


def fresh_modules(names):
    """Import a fresh copy of rnnlib (at least the modules `names`); return every fresh rnnlib module by name.

    Fresh functions, but the kernel's classes (NamedTuple caches), so that what the fresh code builds
    passes the isinstance checks of the kernel's helpers that the student's code calls. sys.modules is
    left as it was: the kernel keeps its own (possibly patched) copies.
    """
    saved = {key: module for key, module in sys.modules.items() if _ours(key)}
    for key in saved:
        del sys.modules[key]
    try:
        for name in names:
            importlib.import_module(name)
        fresh = {key: module for key, module in sys.modules.items() if _ours(key)}
        for module in fresh.values():  # the kernel's classes (caches), so inputs built here pass its isinstance checks
            for attr, value in list(vars(module).items()):
                home = saved.get(getattr(value, "__module__", None)) if isinstance(value, type) else None
                if home is not None and isinstance(getattr(home, value.__name__, None), type):
                    setattr(module, attr, getattr(home, value.__name__))
        return fresh
    finally:
        for key in [key for key in sys.modules if _ours(key)]:
            del sys.modules[key]
        sys.modules.update(saved)


@contextlib.contextmanager
def installed(modules):
    """Put the fresh modules in sys.modules for the block (so imports inside functions find them too)."""
    saved = {key: module for key, module in sys.modules.items() if _ours(key)}
    for key in saved:
        del sys.modules[key]
    sys.modules.update(modules)
    try:
        yield
    finally:
        for key in [key for key in sys.modules if _ours(key)]:
            del sys.modules[key]
        sys.modules.update(saved)


def resolve(target, modules=None):
    """'package.module:attr' -> the attribute, from `modules` (fresh) or from sys.modules (the kernel's)."""
    module_name, attr = target.split(":")
    module = modules[module_name] if modules else importlib.import_module(module_name)
    return getattr(module, attr)


@contextlib.contextmanager
def traps(references):
    """Make each reference function raise RuntimeError("write your own code ...") until the block ends.

    The function object itself gets the trap's code, so every name bound to it (a `from ... import`,
    an alias in the student's namespace, a default argument) springs the trap too.
    """
    swapped = []
    try:
        for target in references:
            fn = resolve(target)
            message = TRAP_MESSAGE.format(name=target.replace(":", "."))
            scope = {}
            exec(f"def {fn.__name__}(*args, **kwargs):\n    raise RuntimeError({message!r})\n", scope)
            if fn.__code__.co_freevars:
                raise RuntimeError(f"cannot trap {target}: it is a closure")
            swapped.append((fn, fn.__code__, fn.__defaults__, fn.__kwdefaults__))
            fn.__code__, fn.__defaults__, fn.__kwdefaults__ = scope[fn.__name__].__code__, None, None
        yield
    finally:
        for fn, code, defaults, kwdefaults in reversed(swapped):
            fn.__code__, fn.__defaults__, fn.__kwdefaults__ = code, defaults, kwdefaults


@contextlib.contextmanager
def substitutes(namespace, uses, modules):
    """Bind the names in `uses` (student function -> reference) to the fresh references for the block.

    So an exercise built on an earlier one is graded on its own: a wrong earlier answer costs only its
    own points.
    """
    saved = {name: namespace.get(name) for name in uses}
    try:
        for name, target in uses.items():
            namespace[name] = resolve(target, modules)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                namespace.pop(name, None)
            else:
                namespace[name] = value


# --- one test per exercise kind: fresh random inputs, the fresh reference, the fresh comparison -----

def _step_cache(rnn, rng, N, D, H):
    x, h_prev = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    W_xh, W_hh, b_h = rng.normal(scale=0.5, size=(H, D)), rng.normal(scale=0.5, size=(H, H)), rng.normal(size=H)
    return rnn.rnn_step_forward(x, h_prev, W_xh, W_hh, b_h)


def test_rnn_step_backward(student_fn, m, rng):
    rnn, checkers = m["rnnlib.rnn"], m["rnnlib.checkers"]
    for _ in range(3):
        N, D, H = (int(v) for v in rng.integers(1, 7, size=3))
        h_next, cache = _step_cache(rnn, rng, N, D, H)
        dh_next = rng.normal(size=h_next.shape)  # (N, H)
        want = dict(zip(("dx", "dh_prev", "dW_xh", "dW_hh", "db_h"), rnn.rnn_step_backward(dh_next, cache)))
        got = checkers.call_student(student_fn, {"dh_next": dh_next, "cache": cache}, "rnn_step_backward")
        checkers.compare_outputs("rnn_step_backward", got, want, case=f"hidden, N={N}, D={D}, H={H}")


def test_rnn_backward(student_fn, m, rng):
    rnn, checkers = m["rnnlib.rnn"], m["rnnlib.checkers"]
    for _ in range(3):
        N, T, D, H = (int(v) for v in rng.integers(1, 6, size=4))
        x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
        h, cache = rnn.rnn_forward(x, h0, rng.normal(scale=0.5, size=(H, D)), rng.normal(scale=0.5, size=(H, H)),
                                   rng.normal(size=H))
        dh = rng.normal(size=h.shape)  # (N, T, H)
        want = dict(zip(("dx", "dh0", "dW_xh", "dW_hh", "db_h"), rnn.rnn_backward(dh, cache)))
        got = checkers.call_student(student_fn, {"dh": dh, "cache": cache}, "rnn_backward")
        checkers.compare_outputs("rnn_backward", got, want, case=f"hidden, N={N}, T={T}, D={D}, H={H}")


def test_char_step_backward(student_fn, m, rng):
    charloop, charlm, checkers = m["rnnlib.charlm.loop"], m["rnnlib.charlm"], m["rnnlib.checkers"]
    V, H = (int(v) for v in rng.integers(2, 8, size=2))
    params = charlm.init_params(V, H, rng, np.float64, scale=0.5)
    params["b_h"] += rng.normal(scale=0.5, size=H)
    x, dy = np.eye(V)[rng.integers(V)], rng.normal(size=V)
    h, h_prev, dh_next = np.tanh(rng.normal(size=H)), np.tanh(rng.normal(size=H)), rng.normal(size=H)
    grads, dh_prev = charloop.loop_step_backward(dy, h, h_prev, x, dh_next, params)
    want = dict(grads, dh_prev=dh_prev)
    args = {"dy": dy, "h": h, "h_prev": h_prev, "x": x, "dh_next": dh_next, "params": params}
    got_grads, got_dh_prev = checkers.call_student(student_fn, args, "step_backward")
    got = {k: got_grads.get(k) for k in grads} if isinstance(got_grads, dict) else {}
    checkers.compare_outputs("step_backward", dict(got, dh_prev=got_dh_prev), want, case=f"hidden, V={V}, H={H}")


def test_adagrad_step(student_fn, m, rng):
    optim, checkers = m["rnnlib.optim"], m["rnnlib.checkers"]
    shape = tuple(int(v) for v in rng.integers(1, 6, size=2))
    param, grad, memory, lr = rng.normal(size=shape), rng.normal(size=shape), rng.random(shape), float(rng.uniform(0.01, 1))
    want_param, want_memory = param.copy(), memory.copy()
    optim.adagrad_step(want_param, grad, want_memory, lr, 1e-8, eps_inside=True)  # min-char-rnn's form
    p, m_ = param.copy(), memory.copy()
    student_fn(p, grad.copy(), m_, lr)
    checkers.compare_outputs("adagrad_step", (p, m_), {"param": want_param, "memory": want_memory},
                             case=f"hidden, shape {shape}, lr={lr:.3g}")


def test_clip_by_norm(student_fn, m, rng):
    clipping, checkers = m["rnnlib.clipping"], m["rnnlib.checkers"]
    for factor in (rng.uniform(0.2, 0.9), rng.uniform(1.1, 3.0)):  # one case clipped, one left alone
        shapes = [tuple(int(v) for v in rng.integers(1, 6, size=k)) for k in (2, 2, 1)]
        grads = [rng.normal(size=s) for s in shapes]
        norm = clipping.global_norm(grads)
        max_norm = float(factor * norm)
        want = {f"g{i}": g * min(1.0, max_norm / norm) for i, g in enumerate(grads)}
        got = checkers.call_student(student_fn, {"grads": grads, "max_norm": max_norm}, "clip_by_norm")
        got = list(got) if isinstance(got, (list, tuple)) else got
        checkers.compare_outputs("clip_by_norm", got, want, case=f"hidden, norm {norm:.3g}, max_norm {max_norm:.3g}")


def test_shrink_steps(student_fn, m, rng):
    jacobians = m["rnnlib.jacobians"]
    for _ in range(3):
        while True:  # draw cases whose answer is not on a rounding edge (sigma**k == tol)
            sigma, tol = float(rng.uniform(0.3, 0.9)), float(10 ** rng.uniform(-4, -1))
            k = np.log(tol) / np.log(sigma)
            if abs(k - round(k)) > 1e-6:
                break
        norms = jacobians.gradient_norm_curve(sigma, "linear", "normal", T=120, seed=int(rng.integers(1000)))
        measured = int(np.argmax(np.all(norms < tol, axis=0)))  # first distance below tol on every sequence
        got = student_fn(sigma, tol)
        if isinstance(got, (bool, np.bool_)) or got != measured:
            raise AssertionError(f"steps_to_shrink({sigma:.4f}, {tol:.3g}) returned {got!r}; the measured "
                                 f"distance is {measured}")


def _lstm_args(rng, N, D, H):
    return {"x": rng.normal(size=(N, D)), "h_prev": rng.normal(size=(N, H)), "c_prev": rng.normal(size=(N, H)),
            "W_xh": rng.normal(scale=0.5, size=(4 * H, D)), "W_hh": rng.normal(scale=0.5, size=(4 * H, H)),
            "b_h": rng.normal(scale=0.5, size=4 * H)}


def test_lstm_step_forward(student_fn, m, rng):
    lstm, checkers = m["rnnlib.lstm"], m["rnnlib.checkers"]
    for _ in range(3):
        N, D, H = (int(v) for v in rng.integers(1, 6, size=3))
        args = _lstm_args(rng, N, D, H)
        h_next, c_next, _ = lstm.lstm_step_forward(**args)
        got = checkers.call_student(student_fn, args, "lstm_step_forward")
        got = list(got)[:2] if isinstance(got, (tuple, list)) and len(got) == 3 else got
        checkers.compare_outputs("lstm_step_forward", got, {"h_next": h_next, "c_next": c_next},
                                 case=f"hidden, N={N}, D={D}, H={H}")


def test_lstm_step_backward(student_fn, m, rng):
    lstm, checkers = m["rnnlib.lstm"], m["rnnlib.checkers"]
    for _ in range(3):
        N, D, H = (int(v) for v in rng.integers(1, 6, size=3))
        h_next, _, cache = lstm.lstm_step_forward(**_lstm_args(rng, N, D, H))
        dh_next, dc_next = rng.normal(size=h_next.shape), rng.normal(size=h_next.shape)  # (N, H) each
        names = ("dx", "dh_prev", "dc_prev", "dW_xh", "dW_hh", "db_h")
        want = dict(zip(names, lstm.lstm_step_backward(dh_next, dc_next, cache)))
        got = checkers.call_student(student_fn, {"dh_next": dh_next, "dc_next": dc_next, "cache": cache},
                                    "lstm_step_backward")
        checkers.compare_outputs("lstm_step_backward", got, want, case=f"hidden, N={N}, D={D}, H={H}")


def test_temporal_softmax_loss(student_fn, m, rng):
    homework, checkers = m["rnnlib.checkers.captioning"], m["rnnlib.checkers"]
    for _ in range(3):
        N, T, V = (int(v) for v in rng.integers(2, 7, size=3))
        logits, y = rng.normal(scale=3.0, size=(N, T, V)), rng.integers(V, size=(N, T))
        mask = np.arange(T)[None, :] < rng.integers(1, T + 1, size=(N, 1))  # (N, T): each caption its own length
        loss, dlogits = homework.torch_temporal_softmax_loss(logits, y, mask)
        got = checkers.call_student(student_fn, {"logits": logits, "y": y, "mask": mask}, "temporal_softmax_loss")
        checkers.compare_outputs("temporal_softmax_loss", got, {"loss": np.array(loss), "dlogits": dlogits},
                                 case=f"hidden, N={N}, T={T}, V={V}")


def test_beam_step(student_fn, m, rng):
    homework, checkers = m["rnnlib.checkers.captioning"], m["rnnlib.checkers"]
    for _ in range(3):
        K, V = int(rng.integers(1, 6)), int(rng.integers(3, 8))
        width = int(rng.integers(1, K * V + 1))
        scores, logits = -rng.random(K) * 3, rng.normal(size=(K, V))
        logprobs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))  # (K, V)
        new, parents, words = homework.reference_beam_step(scores, logprobs, width)
        got = checkers.call_student(student_fn, {"scores": scores, "logprobs": logprobs, "beam_width": width},
                                    "beam_step")
        want = {"new_scores": new, "parents": parents.astype(float), "words": words.astype(float)}
        checkers.compare_outputs("beam_step", got, want, case=f"hidden, K={K}, V={V}, beam_width={width}")


TESTS = {name[len("test_"):]: fn for name, fn in dict(globals()).items() if name.startswith("test_")}
NEEDED = ["rnnlib.rnn", "rnnlib.optim", "rnnlib.checkers", "rnnlib.charlm.loop", "rnnlib.charlm", "rnnlib.clipping", "rnnlib.jacobians",
          "rnnlib.lstm", "rnnlib.checkers.lstm", "rnnlib.checkers.captioning"]


@contextlib.contextmanager
def _failing_as(what):
    """Report any failure in the block as AssertionError('<what>: ...'), the student's error kept as cause."""
    try:
        yield
    except AssertionError as err:
        raise AssertionError(f"{what}: {err}") from err.__cause__
    except Exception as err:  # the student's function raised, e.g. the trap's "write your own code"
        raise AssertionError(f"{what}: {type(err).__name__}: {err}") from err


def grade(*, function, test, checker, references, uses, namespace):
    """Run one exercise's graded tests on namespace[function]; raise AssertionError if any fails.

    function: the student's function name; test: a key of TESTS; checker: 'module:name' of the
    notebook's checker; references: 'module:name' of rnnlib's own implementations to trap; uses:
    dict name -> 'module:name' bound to the reference while grading; namespace: the kernel's globals.
    """
    student_fn = namespace.get(function)
    if not callable(student_fn):
        raise AssertionError(f"{function} is not defined as a function; run its cell (keep its name).")
    modules = fresh_modules(sorted(set(NEEDED) | {checker.split(":")[0]}))
    seed = int(np.random.SeedSequence().entropy % 2**32)  # fresh inputs at every grading
    with substitutes(namespace, uses, modules):
        with installed(modules), _failing_as("the notebook's check"):  # 1. the notebook's checker, fresh
            resolve(checker, modules)(student_fn)
        with traps(references), _failing_as(f"hidden test (inputs drawn with seed {seed})"):  # 2. fresh inputs
            TESTS[test](student_fn, modules, np.random.default_rng(seed))
    print(f"{function}: the graded tests pass.")
