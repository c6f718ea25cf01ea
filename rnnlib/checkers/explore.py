"""Explore your own answer: plain functions that run a student's exercise function and compare it with rnnlib's.

Each exercise of notebooks 02-06 has one computation here that calls the student's function `fn`
(default: rnnlib's reference) on a small fixed problem; rnnlib.checkers.widgets wraps them in sliders.

- 02 `adagrad_path(fn, lr)`: Adagrad on an elongated 2-D bowl, driven by the student's `adagrad_step`;
- 03 `gradient_norms_per_step(fn, sigma)`: ||dL/da_t|| of every step from the student's `my_rnn_backward`,
  the loss on the last step only;
- 04 `clipped_descent(fn, max_norm)`: gradient descent down notebook 04's cliff, clipped by the
  student's `clip_by_norm`;
- 05 `student_gate_trace(fn, x, tokens, ...)`: the gates of a sequence, run step by step through the
  student's `my_lstm_step_forward` (a GateTrace for the gate inspector);
- 06 `toy_beam_search(fn, beam_width)`: beam search on a toy bigram model, one `beam_step` per word.

`attempt(name, compute, *args)` runs one of them and turns any failure into a one-line message:
"not implemented yet — write <name> above and re-run this cell" for NotImplementedError, else the
error's type and first line, so a widget never shows a traceback.
"""
from __future__ import annotations

import itertools

import numpy as np

from .._validate import check_number, check_positive_int
from ..clipping import GradientPath, cliff_loss_and_grad, clip_by_global_norm
from ..decoding import log_softmax
from ..gated.widgets import GateTrace
from ..optim import adagrad_step

__all__ = ["attempt", "failure_message", "reference_adagrad_step", "adagrad_path", "BOWL",
           "reference_rnn_backward", "gradient_norms_per_step", "reference_clip", "clipped_descent", "CLIFF",
           "student_gate_trace", "TOY_WORDS", "toy_bigram", "toy_beam_search", "exhaustive_best"]


def failure_message(name, err):
    """The one line a widget shows when the student's function `name` raised err."""
    if isinstance(err, NotImplementedError):
        return f"not implemented yet — write {name} above and re-run this cell"
    lines = str(err).strip().splitlines()
    return f"{name} raised {type(err).__name__}" + (f": {lines[0]}" if lines else "")


def attempt(name, compute, *args, **kwargs):
    """(compute(*args, **kwargs), None), or (None, failure_message(name, err)) if it raised anything."""
    try:
        return compute(*args, **kwargs), None
    except Exception as err:  # noqa: BLE001 - the student's code may raise anything; the widget shows one line
        return None, failure_message(name, err)


def _finite(name, a, shape):
    a = np.asarray(a, dtype=np.float64)
    if a.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite; got {a}")
    return a


# --- 02: Adagrad on an elongated bowl -------------------------------------------------------------
BOWL = np.array([1.0, 20.0])  # curvatures of the loss 0.5 * sum(BOWL * theta**2): one flat, one steep direction


def reference_adagrad_step(param, grad, memory, lr):
    """rnnlib's Adagrad step (rnnlib.optim.adagrad_step, min-char-rnn's eps = 1e-8 inside the root) on one
    parameter, in place."""
    adagrad_step(param, grad, memory, lr, 1e-8, eps_inside=True)


def adagrad_path(fn, lr, steps=60, theta0=(-3.0, 1.0)):
    """Minimize 0.5 * sum(BOWL * theta**2) with fn(param, grad, memory, lr) (Adagrad, in place).

    Returns (steps + 1, 2) float64: the parameters visited, start first. A path that stops being
    finite raises ValueError.
    """
    lr = check_number("lr", lr, 0, low_open=True)
    steps = check_positive_int("steps", steps)
    param, memory = np.array(theta0, dtype=np.float64), np.zeros(2)
    path = [param.copy()]
    for _ in range(steps):
        fn(param, BOWL * param, memory, lr)
        path.append(_finite("param after adagrad_step", param, (2,)).copy())
    return np.array(path)


def bowl_loss(path):
    """The bowl's loss 0.5 * sum(BOWL * theta**2) at each row of a (n, 2) path."""
    return 0.5 * (np.asarray(path) ** 2 * BOWL).sum(axis=1)


# --- 03: the gradient reaching each step -----------------------------------------------------------
def reference_rnn_backward(dh, cache):
    """rnnlib's BPTT (rnnlib.rnn.rnn_backward)."""
    from ..rnn import rnn_backward

    return rnn_backward(dh, cache)


def gradient_norms_per_step(fn, sigma, T=30, H=8, seed=0):
    """||dL/da_t|| for t = 1..T from fn(dh, cache) (a BPTT loop), the loss on h_T only.

    A tanh RNN with W_hh = sigma * (random orthogonal), W_xh = I (D = H, so dx_t = dL/da_t) and
    b_h = 0 reads random inputs (N = 1); dh is zero except a fixed unit vector at the last step.
    Returns (T,) float64, the norms in time order.
    """
    from ..jacobians import random_orthogonal
    from ..rnn import rnn_forward

    sigma = check_number("sigma", sigma, 0, low_open=True)
    rng = np.random.default_rng(seed)
    W_hh = sigma * random_orthogonal(H, rng)
    x = 0.5 * rng.normal(size=(1, T, H))
    _, cache = rnn_forward(x, np.zeros((1, H)), np.eye(H), W_hh, np.zeros(H))
    dh = np.zeros((1, T, H))
    dh[0, -1] = np.ones(H) / np.sqrt(H)
    out = fn(dh, cache)
    dx = _finite("dx (the first thing my_rnn_backward returns)", out[0], (1, T, H))
    return np.linalg.norm(dx[0], axis=1)


# --- 04: descent down the cliff, clipped -----------------------------------------------------------
CLIFF = dict(T=20, h0=0.5, target=-0.5)  # notebook 04's one-unit RNN with a cliff


def reference_clip(grads, max_norm):
    """rnnlib's clipping (rnnlib.clipping.clip_by_global_norm), returning only the clipped list."""
    return clip_by_global_norm(grads, max_norm)[0]


def clipped_descent(fn, max_norm, lr=0.2, steps=40, theta0=(2.0, 0.3)):
    """Gradient descent on notebook 04's cliff (one-unit RNN, CLIFF), each gradient clipped by fn([g], max_norm).

    Returns GradientPath (theta (steps + 1, 2), loss (steps + 1,), grad_norm (steps,) before clipping).
    """
    max_norm = check_number("max_norm", max_norm, 0, low_open=True)
    steps = check_positive_int("steps", steps)
    theta = np.array(theta0, dtype=np.float64)
    thetas, losses, norms = [theta.copy()], [], []
    for _ in range(steps):
        loss, grad = cliff_loss_and_grad(theta, **CLIFF)
        clipped = fn([grad.copy()], max_norm)
        if not isinstance(clipped, (list, tuple)) or len(clipped) != 1:
            raise ValueError(f"clip_by_norm must return a list with one array per gradient (here 1); got {clipped!r:.60}")
        theta = theta - lr * _finite("the clipped gradient", clipped[0], (2,))
        thetas.append(theta.copy())
        losses.append(loss)
        norms.append(float(np.linalg.norm(grad)))
    losses.append(cliff_loss_and_grad(theta, **CLIFF)[0])
    return GradientPath(np.array(thetas), np.array(losses), np.array(norms))


# --- 05: the gates, from the student's LSTM step ---------------------------------------------------
def student_gate_trace(fn, x, tokens, W_xh, W_hh, b_h):
    """A GateTrace of one sequence (x (T, D), tokens: T labels) run step by step through fn from h0 = c0 = 0.

    fn(x_t (1, D), h_prev, c_prev, W_xh, W_hh, b_h) -> (h_next, c_next, cache) with cache.ifgo (1, 4H)
    (an rnnlib LSTMStepCache). Compare with rnnlib.gated.widgets.lstm_gate_trace.
    """
    x = np.asarray(x, dtype=np.float64)
    H = np.shape(W_hh)[1]
    h, c = np.zeros((1, H)), np.zeros((1, H))
    rows = {k: [] for k in "ifgoch"}
    for t in range(x.shape[0]):
        h, c, cache = fn(x[t : t + 1], h, c, W_xh, W_hh, b_h)
        h, c = _finite("h_next", h, (1, H)), _finite("c_next", c, (1, H))
        ifgo = _finite("cache.ifgo (the gates i, f, g, o)", getattr(cache, "ifgo", None), (1, 4 * H))[0]
        for k, gate in zip("ifgo", np.split(ifgo, 4)):
            rows[k].append(gate)
        rows["c"].append(c[0])
        rows["h"].append(h[0])
    return GateTrace(tuple(str(s) for s in tokens), *(np.array(rows[k]) for k in "ifgoch"))


# --- 06: beam search on a toy bigram model ---------------------------------------------------------
TOY_WORDS = ("a", "red", "blue", "big", "small", "circle", "square", "left", "of", "the")


def toy_bigram(seed=10):
    """log P(next word | word) of a toy bigram model over TOY_WORDS: (V, V) float64, rows sum to 1 in probability."""
    rng = np.random.default_rng(seed)
    return log_softmax(1.5 * rng.normal(size=(len(TOY_WORDS), len(TOY_WORDS))))


def toy_beam_search(fn, beam_width, length=4, start=0, seed=10):
    """Beam search for `length` words after TOY_WORDS[start], one fn(scores, logprobs, beam_width) per word.

    fn returns (new_scores, parents, words), best first (the exercise's beam_step).
    Returns a list of (word indices after start, total log-probability), best first.
    """
    beam_width = check_positive_int("beam_width", beam_width)
    table = toy_bigram(seed)
    V = table.shape[0]
    seqs, scores = [[start]], np.zeros(1)
    for _ in range(length):
        new_scores, parents, words = fn(scores.copy(), table[[s[-1] for s in seqs]], beam_width)
        parents, words = np.asarray(parents), np.asarray(words)
        K = min(beam_width, len(seqs) * V)
        new_scores = _finite("new_scores", new_scores, (K,))
        for name, idx, size in (("parents", parents, len(seqs)), ("words", words, V)):
            if idx.shape != (K,) or not np.issubdtype(idx.dtype, np.integer) or idx.min() < 0 or idx.max() >= size:
                raise ValueError(f"{name} must be {K} integers in 0..{size - 1}; got {idx!r:.60}")
        seqs = [seqs[p] + [int(w)] for p, w in zip(parents, words)]
        scores = new_scores
    return [(s[1:], float(lp)) for s, lp in zip(seqs, scores)]


def exhaustive_best(length=4, start=0, seed=10):
    """The most probable `length` words after TOY_WORDS[start], by trying all V**length: (words, log-probability)."""
    table = toy_bigram(seed)
    best = (None, -np.inf)
    for words in itertools.product(range(table.shape[0]), repeat=length):
        lp = sum(table[a, b] for a, b in zip((start,) + words, words))
        if lp > best[1]:
            best = (list(words), float(lp))
    return best
