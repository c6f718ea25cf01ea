"""Gradient clipping done right, the slides' squared-norm slip, and a one-unit RNN with a cliff.

Clipping by global norm (Pascanu et al., 2013, Algorithm 1): with g all parameter gradients
stacked into one vector and ||g|| its Euclidean norm,

    if ||g|| > max_norm:  g <- g * max_norm / ||g||

so the step keeps its direction and has length at most max_norm.
"""
from __future__ import annotations

from typing import NamedTuple

import math

import numpy as np

from ._validate import check_array, check_number, check_positive_int
from .optim import SGD

__all__ = [
    "global_norm",
    "clip_by_global_norm",
    "clip_elementwise",
    "clip_squared_norm_erratum",
    "cosine_similarity",
    "CliffCache",
    "one_unit_rnn_forward",
    "one_unit_rnn_backward",
    "cliff_loss_and_grad",
    "GradientPath",
    "gradient_descent_path",
]


def _check_grads(grads):
    if isinstance(grads, np.ndarray) or not isinstance(grads, (list, tuple)) or not grads:
        raise ValueError(f"grads must be a non-empty list of arrays (one per parameter); got {type(grads).__name__}")
    arrays = [np.asarray(g) for g in grads]
    for i, g in enumerate(arrays):
        if not np.issubdtype(g.dtype, np.floating):
            raise ValueError(f"grads[{i}] must be a floating-point array; got dtype {g.dtype}")
    return arrays


def global_norm(grads):
    """Euclidean norm of all gradients together: sqrt(sum over arrays of sum(g**2)).

    Inputs: grads, a list of arrays of any shapes. Returns: float.
    """
    return _norm(_check_grads(grads))


def _norm(arrays):
    return math.sqrt(sum(float(np.vdot(g, g)) for g in arrays))  # vdot flattens: sum of g**2


def clip_by_global_norm(grads, max_norm, eps=1e-6):
    """Rescale all gradients together so that their global norm is at most max_norm.

    The same rule as torch.nn.utils.clip_grad_norm_: coef = max_norm / (norm + eps), applied only
    when coef < 1. The direction of the stacked gradient never changes.
    Inputs: grads (list of arrays, or dict name -> array; never modified), max_norm (> 0), eps (torch's 1e-6).
    Returns: (clipped, norm): new arrays in the same order (a dict with the same keys for a dict), and
    the global norm before clipping.
    """
    if isinstance(grads, dict):
        clipped, norm = clip_by_global_norm(list(grads.values()), max_norm, eps)
        return dict(zip(grads, clipped)), norm
    grads = _check_grads(grads)
    max_norm = check_number("max_norm", max_norm, 0, low_open=True)
    norm = _norm(grads)
    coef = min(max_norm / (norm + eps), 1.0)
    return [g * coef for g in grads], norm


def clip_elementwise(grads, limit=5.0):
    """min-char-rnn's clipping: np.clip every entry to [-limit, limit] (changes the direction).

    Inputs: grads (list of arrays, never modified), limit (> 0). Returns: list of new arrays.
    """
    grads = _check_grads(grads)
    limit = check_number("limit", limit, 0, low_open=True)
    return [np.clip(g, -limit, limit) for g in grads]


def clip_squared_norm_erratum(grad, threshold):
    """The slides' clipping snippet, line for line, kept to show what goes wrong.

        grad_norm = np.sum(grad * grad)          # this is ||g||**2, not ||g||
        if grad_norm > threshold:
            grad *= (threshold / grad_norm)

    The test fires as soon as ||g|| > sqrt(threshold), and the rescaling leaves a norm of
    threshold / ||g|| (not threshold). Unlike the slides (grad *= ...), the input is not modified.
    Inputs: grad (any shape, never modified), threshold (> 0). Returns: new array.
    """
    grad = _check_grads([grad])[0]
    threshold = check_number("threshold", threshold, 0, low_open=True)
    grad_norm = np.sum(grad * grad)
    grad = grad.copy()
    if grad_norm > threshold:
        grad *= (threshold / grad_norm)
    return grad


def cosine_similarity(a, b):
    """cos of the angle between two gradients, each a list of arrays stacked into one vector."""
    va = np.concatenate([np.ravel(g) for g in _check_grads(a)])
    vb = np.concatenate([np.ravel(g) for g in _check_grads(b)])
    if va.shape != vb.shape:
        raise ValueError(f"b must hold as many numbers as a ({va.size}); got {vb.size}")
    return float(va @ vb / max(np.linalg.norm(va) * np.linalg.norm(vb), 1e-300))


class CliffCache(NamedTuple):
    h: np.ndarray  # (T + 1, ...) states h_0 .. h_T, one per grid point
    w: np.ndarray  # (...) recurrent weight
    target: float


def one_unit_rnn_forward(w, b, T=20, h0=0.5, target=0.5):
    """A one-unit tanh RNN without input, h_t = tanh(w h_{t-1} + b), and the loss (h_T - target)**2.

    w and b may be arrays of the same shape (a grid of parameter pairs): all pairs run at once.
    For w > 1 the map has two stable fixed points; which one h_T reaches flips abruptly as (w, b)
    crosses a boundary, so the loss surface has a cliff.
    Inputs: w, b (...) arrays or floats, T (steps), h0, target. Returns: loss (...), CliffCache.
    """
    T = check_positive_int("T", T)
    w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
    h = np.empty((T + 1,) + w.shape)  # (T + 1, ...)
    h[0] = h0
    for t in range(1, T + 1):
        h[t] = np.tanh(w * h[t - 1] + b)
    return (h[T] - target) ** 2, CliffCache(h, w, float(target))


def one_unit_rnn_backward(cache):
    """BPTT for one_unit_rnn_forward: returns (dw, db), each shaped like w."""
    h, w = cache.h, cache.w
    dh = 2.0 * (h[-1] - cache.target)  # (...)
    dw = np.zeros_like(w)
    db = np.zeros_like(w)
    for t in range(h.shape[0] - 1, 0, -1):
        da = dh * (1.0 - h[t] ** 2)  # through tanh
        dw = dw + da * h[t - 1]
        db = db + da
        dh = da * w  # to h_{t-1}
    return dw, db


def cliff_loss_and_grad(theta, **kwargs):
    """Loss and gradient at theta = (w, b) of the one-unit RNN: (float, (2,) array)."""
    theta = check_array("theta", theta, (2,))
    loss, cache = one_unit_rnn_forward(theta[0], theta[1], **kwargs)
    dw, db = one_unit_rnn_backward(cache)
    return float(loss), np.array([float(dw), float(db)])


class GradientPath(NamedTuple):
    theta: np.ndarray  # (steps + 1, 2) parameters visited, start first
    loss: np.ndarray  # (steps + 1,) loss at each
    grad_norm: np.ndarray  # (steps,) gradient norm before clipping at each step


def gradient_descent_path(theta0, lr, steps, max_norm=None, **kwargs):
    """Plain gradient descent on the one-unit RNN's loss, with optional clipping by norm.

    Inputs: theta0 (2,) start (w, b); lr (> 0); steps (int); max_norm: None (no clipping) or the
    threshold for clip_by_global_norm; kwargs for one_unit_rnn_forward.
    Returns: GradientPath. Stops with ValueError if the loss or gradient stops being finite.
    """
    theta = check_array("theta0", theta0, (2,)).astype(np.float64)
    lr = check_number("lr", lr, 0, low_open=True)
    steps = check_positive_int("steps", steps)
    thetas, losses, norms = [theta.copy()], [], []
    optimizer = SGD({"theta": theta}, lr)  # updates theta in place: theta -= lr * grad
    for step in range(steps):
        loss, grad = cliff_loss_and_grad(theta, **kwargs)
        if not (np.isfinite(loss) and np.all(np.isfinite(grad))):
            raise ValueError(f"the loss or gradient became non-finite at step {step} (theta={theta}); lower lr or clip")
        losses.append(loss)
        norms.append(float(np.linalg.norm(grad)))
        if max_norm is not None:
            (grad,), _ = clip_by_global_norm([grad], max_norm)
        optimizer.step({"theta": grad})
        thetas.append(theta.copy())
    losses.append(cliff_loss_and_grad(theta, **kwargs)[0])
    return GradientPath(np.array(thetas), np.array(losses), np.array(norms))
