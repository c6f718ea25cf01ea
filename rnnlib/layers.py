"""Layers around the recurrence: embedding lookup, affine over time, softmax and its loss."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import check_array

__all__ = [
    "EmbeddingCache",
    "AffineCache",
    "embedding_forward",
    "embedding_backward",
    "temporal_affine_forward",
    "temporal_affine_backward",
    "softmax",
    "softmax_cross_entropy",
]


class EmbeddingCache(NamedTuple):
    idx: np.ndarray  # (N, T) integer indices
    V: int  # vocabulary size


class AffineCache(NamedTuple):
    h: np.ndarray  # (N, T, H)
    W_hy: np.ndarray  # (V, H)


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
    if idx.size and (idx.min() < 0 or idx.max() >= V):
        raise ValueError(f"idx must hold indices in [0, V) = [0, {V}); got values in [{idx.min()}, {idx.max()}]")
    return W_embed[idx], EmbeddingCache(idx, V)  # (N, T, D)


def embedding_backward(dx, cache):
    """Gradient of embedding_forward with respect to W_embed (rows of repeated tokens add up).

    Inputs:
    - dx: (N, T, D) upstream gradient.
    - cache: EmbeddingCache.
    Returns:
    - dW_embed: (V, D).
    """
    if not isinstance(cache, EmbeddingCache):
        raise ValueError(f"cache must be the EmbeddingCache returned by embedding_forward; got {type(cache).__name__}")
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


def temporal_affine_forward(h, W_hy, b_y):
    """Scores for every step at once: logits = h @ W_hy.T + b_y.

    Inputs:
    - h: (N, T, H) hidden states.
    - W_hy: (V, H) hidden-to-output weights.
    - b_y: (V,) output bias.
    Returns:
    - logits: (N, T, V).
    - cache: AffineCache for temporal_affine_backward.
    """
    dims = {}
    h = check_array("h", h, ("N", "T", "H"), dims)
    W_hy = check_array("W_hy", W_hy, ("V", "H"), dims)
    b_y = check_array("b_y", b_y, ("V",), dims)
    logits = h @ W_hy.T + b_y  # (N, T, V)
    return logits, AffineCache(h, W_hy)


def temporal_affine_backward(dlogits, cache):
    """Backward pass of temporal_affine_forward.

    Inputs:
    - dlogits: (N, T, V) upstream gradient.
    - cache: AffineCache.
    Returns:
    - dh: (N, T, H), dW_hy: (V, H), db_y: (V,).
    """
    if not isinstance(cache, AffineCache):
        raise ValueError(f"cache must be the AffineCache returned by temporal_affine_forward; got {type(cache).__name__}")
    N, T, H = cache.h.shape
    dlogits = check_array("dlogits", dlogits, ("N", "T", "V"), {"N": N, "T": T, "V": cache.W_hy.shape[0]})
    V = cache.W_hy.shape[0]
    dh = dlogits @ cache.W_hy  # (N, T, H)
    dW_hy = dlogits.reshape(-1, V).T @ cache.h.reshape(-1, H)  # (V, H): sum over n, t of dz.T h
    db_y = dlogits.reshape(-1, V).sum(axis=0)  # (V,)
    return dh, dW_hy, db_y


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
    if targets.size and (targets.min() < 0 or targets.max() >= V):
        raise ValueError(
            f"targets must hold indices in [0, V) = [0, {V}); got values in [{targets.min()}, {targets.max()}]"
        )
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
