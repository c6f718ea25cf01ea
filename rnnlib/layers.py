"""Layers around the recurrence: embedding lookup, affine over time, softmax and its loss."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import check_array, check_cache, check_indices

__all__ = [
    "EmbeddingCache",
    "AffineCache",
    "embedding_forward",
    "embedding_backward",
    "affine_forward",
    "affine_backward",
    "softmax",
    "softmax_cross_entropy",
]


class EmbeddingCache(NamedTuple):
    idx: np.ndarray  # (N, T) integer indices
    V: int  # vocabulary size


class AffineCache(NamedTuple):
    x: np.ndarray  # (..., D) the layer's input
    W: np.ndarray  # (M, D)


def embedding_forward(idx, W_embed):
    """Look up rows of W_embed: the same as one_hot(idx) @ W_embed, without the matmul.

    Inputs:
    - idx: (N, T) integer token indices in [0, V).
    - W_embed: (V, D) one row per token.
    Returns:
    - x: (N, T, D) embedded inputs.
    - cache: EmbeddingCache for embedding_backward.
    """
    dims = {}
    idx = check_array("idx", idx, ("N", "T"), dims, kind="int")
    W_embed = check_array("W_embed", W_embed, ("V", "D"), dims)
    V = W_embed.shape[0]
    check_indices("idx", idx, V)
    return W_embed[idx], EmbeddingCache(idx, V)  # (N, T, D)


def embedding_backward(dx, cache):
    """Gradient of embedding_forward with respect to W_embed (rows of repeated tokens add up).

    Inputs:
    - dx: (N, T, D) upstream gradient.
    - cache: EmbeddingCache.
    Returns:
    - dW_embed: (V, D).
    """
    check_cache("cache", cache, EmbeddingCache, "embedding_forward")
    N, T = cache.idx.shape
    dx = check_array("dx", dx, ("N", "T", "D"), {"N": N, "T": T})
    D = dx.shape[2]
    flat_idx, dx2 = cache.idx.ravel(), dx.reshape(-1, D)  # (N*T,), (N*T, D)
    if flat_idx.size * cache.V <= 4_000_000:  # small vocabulary: onehot(idx).T @ dx, one matmul
        dW_embed = np.eye(cache.V, dtype=dx.dtype)[flat_idx].T @ dx2  # (V, D)
    else:  # large vocabulary: scatter-add the rows instead of building the one-hot matrix
        dW_embed = np.zeros((cache.V, D), dtype=dx.dtype)
        np.add.at(dW_embed, flat_idx, dx2)
    return dW_embed


def affine_forward(x, W, b):
    """An affine layer applied at every position at once: out = x @ W.T + b.

    Works over any leading axes: x (N, T, D) gives scores (N, T, M) for every step (the RNN's output
    layer, W = W_hy, b = b_y), x (N, D) gives (N, M) (e.g. image features projected to h0).

    Inputs:
    - x: (..., D) inputs, at least 1-D.
    - W: (M, D) weights; b: (M,) bias.
    Returns:
    - out: (..., M).
    - cache: AffineCache for affine_backward.
    """
    dims = {}
    lead = tuple(f"n{i}" for i in range(max(np.ndim(x) - 1, 0)))  # any leading axes
    x = check_array("x", x, lead + ("D",), dims)
    W = check_array("W", W, ("M", "D"), dims)
    b = check_array("b", b, ("M",), dims)
    out = x @ W.T + b  # (..., M)
    return out, AffineCache(x, W)


def affine_backward(dout, cache):
    """Backward pass of affine_forward.

    Inputs:
    - dout: (..., M) upstream gradient, shaped like affine_forward's output.
    - cache: AffineCache.
    Returns:
    - dx: (..., D), dW: (M, D) (summed over all leading axes), db: (M,).
    """
    check_cache("cache", cache, AffineCache, "affine_forward")
    M, D = cache.W.shape
    expected = cache.x.shape[:-1] + (M,)
    dout = check_array("dout", dout, tuple(f"_{i}" for i in range(len(expected))),
                       {f"_{i}": n for i, n in enumerate(expected)})
    dx = dout @ cache.W  # (..., D)
    dW = dout.reshape(-1, M).T @ cache.x.reshape(-1, D)  # (M, D): sum over positions of dout.T x
    db = dout.reshape(-1, M).sum(axis=0)  # (M,)
    return dx, dW, db


def softmax(z, axis=-1):
    """Numerically stable softmax along `axis`: exp(z - max z) / sum exp(z - max z).

    Subtracting the maximum changes nothing mathematically (it cancels in the ratio) but keeps
    exp() from overflowing for large scores. Input: any float array. Returns: same shape.
    """
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        raise ValueError(f"z must be a floating-point array; got dtype {z.dtype}")
    if z.ndim == 0:
        raise ValueError("z must have at least one axis of scores; got a scalar")
    shifted = z - z.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def softmax_cross_entropy(logits, targets, mask=None, reduction="mean"):
    """Softmax cross-entropy over time and its gradient with respect to the logits.

    L = -sum_{n,t} mask[n,t] * log softmax(logits[n,t])[targets[n,t]], divided by the number of
    counted positions when reduction="mean" (loss per token, in nats).

    Inputs:
    - logits: (N, T, V) scores.
    - targets: (N, T) integer indices of the correct tokens, in [0, V).
    - mask: optional (N, T) array of 0/1 (or bools): which positions count.
    - reduction: "mean" (per counted token) or "sum" (L = sum_t L_t).
    Returns:
    - loss: float.
    - dlogits: (N, T, V) gradient dL/dlogits = (softmax - onehot(targets)) * mask [/ count].
    """
    dims = {}
    logits = check_array("logits", logits, ("N", "T", "V"), dims)
    targets = check_array("targets", targets, ("N", "T"), dims, kind="int")
    V = logits.shape[2]
    check_indices("targets", targets, V)
    if mask is not None:
        mask = np.asarray(mask)
        if mask.dtype == bool or np.issubdtype(mask.dtype, np.integer):
            mask = mask.astype(logits.dtype)
        mask = check_array("mask", mask, ("N", "T"), dims)
        if not np.all((mask == 0) | (mask == 1)):
            raise ValueError(f"mask must hold only 0s and 1s; got values {np.unique(mask)[:5].tolist()}")
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum'; got {reduction!r}")
    rows, cols = np.arange(targets.size), targets.ravel()  # position n*T + t, and its target
    # (N, T, V) shifted scores, so exp never overflows; C order so that `flat` below is a view
    probs = np.subtract(logits, logits.max(axis=2, keepdims=True), order="C")
    flat = probs.reshape(-1, V)  # (N*T, V) view
    picked = flat[rows, cols].reshape(targets.shape)  # (N, T) shifted score of each target
    np.exp(probs, out=probs)
    totals = probs.sum(axis=2)  # (N, T)
    probs /= totals[..., None]  # softmax
    log_p = picked - np.log(totals)  # (N, T) log p(target)
    flat[rows, cols] -= 1.0  # probs becomes dL/dlogits = softmax - onehot(targets), in place
    dlogits = probs
    if mask is not None:
        log_p *= mask
        dlogits *= mask[..., None]
    loss = -float(log_p.sum())
    if reduction == "mean":
        count = max(float(mask.sum()), 1.0) if mask is not None else float(max(targets.size, 1))
        loss /= count
        dlogits /= count
    return float(loss), dlogits
