"""Truncated backpropagation through time: carry the hidden state forward forever, backpropagate k steps.

The sequence is cut into chunks of k steps. Each chunk starts from the last hidden state of the one
before (forward information is kept) but its backward pass stops at the chunk's start (the gradient
that would flow into the previous chunk is dropped). This is what `h = h.detach()` does in torch.
Also here: how close the truncated gradient is to the full one, what it costs, and the figure of
both (draw_truncation, behind rnnlib.widgets.truncation_widget). Training the model whose gradients
these compare is rnnlib.lm_training's.
"""
from __future__ import annotations

import tracemalloc
from typing import NamedTuple

import numpy as np

from ._validate import check_array, check_positive_int
from .bptt import PARAM_NAMES, check_rnn_lm_params, rnn_lm_backward, rnn_lm_forward, rnn_lm_loss_and_grads
from .plotting import figure_or_new

__all__ = [
    "RECURRENT_NAMES",
    "TruncatedResult",
    "TruncationCurve",
    "truncation_mask",
    "truncated_bptt",
    "peak_memory",
    "gradient_agreement",
    "truncation_curve",
    "draw_truncation",
]

RECURRENT_NAMES = ("W_xh", "W_hh", "b_h")  # the parameters whose gradient truncation changes


class TruncatedResult(NamedTuple):
    loss: float  # L = sum over all steps (the forward pass is never truncated)
    grads: dict  # name -> truncated gradient, for the names in PARAM_NAMES
    h_last: np.ndarray  # (N, H) hidden state after the last step, to carry into the next sequence
    cache_bytes: int  # bytes of activations held for one chunk's backward pass (the largest chunk)
    chunks: int = 0  # chunk calls made (forward + backward through one chunk each): the work that grows as k shrinks
    steps: int = 0  # time steps run forward and backward, summed over the chunks (T, whatever k)


class TruncationCurve(NamedTuple):
    ks: np.ndarray  # (K,) truncation lengths
    cosine: np.ndarray  # (K,) cosine similarity of truncated and full gradients
    rel_norm: np.ndarray  # (K,) ||truncated|| / ||full||


def truncation_mask(T, k):
    """Which (loss step t, step s) pairs keep their gradient path under truncation with chunks of k.

    Inputs: T steps, chunk length k. Returns: (T, T) bool array; [t, s] is True when s <= t and both
    lie in the same chunk, i.e. when L_t's gradient still reaches step s (full BPTT: s <= t).
    """
    T, k = check_positive_int("T", T), check_positive_int("k", k)
    t, s = np.arange(T)[:, None], np.arange(T)[None, :]
    return (s <= t) & (s // k == t // k)


def _cache_bytes(cache):
    seen, total = set(), 0
    arrays = [cache.rnn.x, cache.rnn.h, cache.dlogits]  # what grows with the number of steps held
    for a in arrays:
        if id(a) not in seen:
            seen.add(id(a))
            total += a.nbytes
    return total


def truncated_bptt(params, x, targets, h0, k):
    """Gradient of L = sum_t L_t by truncated BPTT with chunks of k steps (rnnlib's numpy version).

    Inputs:
    - params: dict W_xh (H, D), W_hh (H, H), b_h (H,), W_hy (V, H), b_y (V,).
    - x: (N, T, D) inputs; targets: (N, T) integer next-token indices; h0: (N, H).
    - k: chunk length; k >= T gives full BPTT.
    Returns: TruncatedResult(loss, grads, h_last, cache_bytes, chunks, steps); chunks and steps count
    the work done (chunk calls, and time steps run forward and backward).
    """
    dims = {}
    x = check_array("x", x, ("N", "T", "D"), dims)
    targets = check_array("targets", targets, ("N", "T"), dims, kind="int")
    k = check_positive_int("k", k)
    check_rnn_lm_params(params)
    grads = {name: np.zeros(np.shape(params[name])) for name in PARAM_NAMES}
    h, loss, biggest, chunks, steps = h0, 0.0, 0, 0, 0
    for start in range(0, x.shape[1], k):
        chunk = slice(start, start + k)
        chunk_loss, h, held = _chunk(params, x[:, chunk], targets[:, chunk], h, grads)
        loss += chunk_loss
        biggest = max(biggest, held)
        chunks, steps = chunks + 1, steps + x[:, chunk].shape[1]
    return TruncatedResult(loss, grads, h, biggest, chunks, steps)


def _chunk(params, x, targets, h, grads):
    """Forward and backward through one chunk; adds its gradients into grads.

    Returns (loss, last hidden state (N, H), bytes of activations held). The chunk's cache is freed
    when this returns, so a truncated pass never holds more than one chunk's activations.
    """
    loss, cache = rnn_lm_forward(params, x, targets, h, reduction="sum")
    chunk_grads = rnn_lm_backward(1.0, cache)  # stops at the chunk's start: dh0 is dropped
    for name in PARAM_NAMES:
        grads[name] += chunk_grads[name]
    return loss, cache.rnn.h[:, -1].copy(), _cache_bytes(cache)  # the state carried into the next chunk


def peak_memory(params, x, targets, h0, k):
    """Peak memory allocated during one truncated_bptt call, measured with tracemalloc.

    Inputs: as truncated_bptt. Returns: bytes (int) above what was allocated when the call started;
    numpy reports its array buffers to tracemalloc, so this counts the activations actually held
    and every temporary array of the forward and backward passes. An unmeasured call runs first, so
    that one-time allocations (a first call's caches) are not counted.
    If the caller is already tracing, tracing stays on but its recorded peak is reset.
    """
    truncated_bptt(params, x, targets, h0, k)  # unmeasured: one-time allocations of a first call are not the chunk's
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        truncated_bptt(params, x, targets, h0, k)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        if started:
            tracemalloc.stop()


def gradient_agreement(grads, reference, names=RECURRENT_NAMES):
    """Cosine similarity and relative norm of one gradient against a reference, over several parameters.

    Inputs: two dicts name -> array; names: which entries to flatten and concatenate.
    Returns: (cosine, rel_norm) as floats; cosine = <g, r> / (|g| |r|), rel_norm = |g| / |r|.
    """
    for label, d in (("grads", grads), ("reference", reference)):
        missing = [name for name in names if name not in d]
        if missing:
            raise ValueError(f"{label} is missing {missing}; expected entries for {list(names)}")
    for name in names:
        if np.shape(grads[name]) != np.shape(reference[name]):
            raise ValueError(f"grads[{name!r}] must have the reference's shape {np.shape(reference[name])}; "
                             f"got {np.shape(grads[name])}")
    g = np.concatenate([np.ravel(grads[name]) for name in names])
    r = np.concatenate([np.ravel(reference[name]) for name in names])
    norm_g, norm_r = np.linalg.norm(g), np.linalg.norm(r)
    if norm_r == 0:
        raise ValueError("reference gradient is zero; cosine similarity and relative norm are undefined")
    cosine = float(g @ r / (norm_g * norm_r)) if norm_g > 0 else 0.0
    return cosine, float(norm_g / norm_r)


def truncation_curve(params, x, targets, h0, ks):
    """Cosine similarity and relative norm of the truncated gradient against full BPTT, for each k in ks.

    Inputs: params, x (N, T, D), targets (N, T), h0 (N, H), ks: iterable of positive ints.
    Returns: TruncationCurve(ks, cosine, rel_norm), measured on the recurrent parameters.
    """
    ks = np.array([check_positive_int("k", k) for k in ks])  # no int(): 2.5 must not quietly become 2
    if ks.size == 0:
        raise ValueError("ks must hold at least one truncation length; got none")
    _, full = rnn_lm_loss_and_grads(params, x, targets, h0)
    pairs = [gradient_agreement(truncated_bptt(params, x, targets, h0, int(k)).grads, full) for k in ks]
    return TruncationCurve(ks, np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))


def draw_truncation(k, T, curves, fig=None):
    """Two panels for truncation length k: which (t, s) gradient paths survive, and the similarity curves.

    Inputs:
    - k: the chunk length to show; T: sequence length.
    - curves: dict label -> TruncationCurve (e.g. {"untrained": ..., "trained": ...}).
    - fig: a matplotlib Figure to draw into (cleared first), or None for a new one.
    Returns: the figure. Left: a T x T grid, dark where L_t's gradient reaches step s, light where
    truncation cuts it, blank above the diagonal; steps are numbered 1..T as in the maths. Right:
    cosine against k with a marker at k.
    """
    mask = truncation_mask(T, k)
    fig = figure_or_new(fig, (10, 4))
    fig.clear()
    ax_grid, ax_curve = fig.subplots(1, 2)
    image = np.where(mask, 2.0, np.where(np.tri(T, dtype=bool), 1.0, 0.0))  # 2 kept, 1 cut, 0 none
    ax_grid.imshow(image, cmap="Blues", vmin=0, vmax=2, origin="upper",
                   extent=(0.5, T + 0.5, T + 0.5, 0.5))  # steps 1..T, as in the maths
    ax_grid.set(xlabel="step s receiving gradient", ylabel="loss term L_t",
                title=f"k = {k}: {int(mask.sum())} of {T * (T + 1) // 2} terms kept")
    for label, curve in curves.items():
        ax_curve.plot(curve.ks, curve.cosine, marker=".", label=label)
    ax_curve.axvline(k, color="gray", linestyle="--")
    ax_curve.set(xlabel="truncation length k", ylabel="cosine(truncated, full)",
                 title="agreement with the full gradient", xscale="log")
    ax_curve.legend()
    fig.tight_layout()
    return fig
