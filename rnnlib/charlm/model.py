"""A character-level language model: min-char-rnn done right, vectorized and batched.

The model is the vanilla RNN of rnnlib.rnn with one-hot characters in and a softmax over the
vocabulary out (V characters, H hidden units, row convention, batch-first):

    h_t = tanh(onehot(x_t) @ W_xh.T + h_{t-1} @ W_hh.T + b_h)     onehot(x) @ W_xh.T = W_xh.T[x]
    z_t = h_t @ W_hy.T + b_y,        p_t = softmax(z_t),        loss_t = -log p_t[target_t]

What makes it fast and correct (compared with the per-character loop in rnnlib.charlm.loop):
- the input term is an embedding lookup W_xh.T[x] (no one-hot matmul), the output layer and the
  softmax run for all N*T positions in one matmul, only the recurrence h_{t-1} -> h_t loops over t;
- N parallel streams of the text (batch), each with its own hidden state, carried from chunk to
  chunk (truncated BPTT over T steps);
- a numerically stable softmax, clipping by the global norm of all gradients, Adagrad (rnnlib.optim);
- one loss, reported and differentiated: the mean -ln p over the N*T characters of a chunk (min-char-rnn
  differentiates the sum over its T characters, T times larger; rnnlib.charlm.loop keeps that form);
- losses in nats per character, bits per character (bpc = nats / ln 2) and perplexity (e^nats).

Training loop: rnnlib.charlm.training.train_charlm. Sampling: rnnlib.charlm.sampling. Command line
for any UTF-8 text file:  python -m rnnlib.charlm --help   (see rnnlib.charlm.cli).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .._validate import check_array, check_indices, check_positive_int
from ..bptt import PARAM_NAMES, check_rnn_lm_params, init_rnn_lm  # the same five parameters as rnnlib.bptt's model
from ..layers import (AffineCache, EmbeddingCache, affine_backward, affine_forward, embedding_backward,
                      embedding_forward, softmax_cross_entropy)
from ..rnn import RNNScanCache, rnn_scan_backward, rnn_scan_forward
from ..text import mean_over_streams

__all__ = [
    "PARAM_NAMES",
    "CharLMCache",
    "LossReport",
    "loss_report",
    "init_params",
    "check_params",
    "charlm_forward",
    "charlm_forward_unchecked",
    "charlm_hidden_states",
    "check_char_indices",
    "charlm_backward",
    "make_streams",
    "evaluate_nats",
]



class LossReport(NamedTuple):
    """One loss in the three usual units."""

    nats: float  # mean -ln p(next char), natural log
    bpc: float  # bits per character = nats / ln 2
    perplexity: float  # e^nats: "as unsure as a uniform choice among this many characters"


def loss_report(nats):
    """Express a mean loss per character (in nats) as a LossReport(nats, bpc, perplexity)."""
    nats = float(nats)
    return LossReport(nats, nats / math.log(2), math.exp(nats) if nats < 700 else math.inf)


class CharLMCache(NamedTuple):
    """What charlm_backward needs: the caches of the layers it is built from (rnnlib.layers and
    rnnlib.rnn). Arrays are time-major (T, N, ...), so the loops over t read contiguous blocks."""

    embed: EmbeddingCache  # inputs: rows of W_xh.T looked up by character
    scan: RNNScanCache  # the recurrence; scan.hs (T, N, H) are h_1 .. h_T
    affine: AffineCache  # the output layer over all T*N positions at once
    dlogits: np.ndarray  # (T, N, V): dL/dz = (softmax - onehot(target)) / (N*T), from the forward pass
    targets: np.ndarray  # (T, N)

    @property
    def hs(self):
        """(T, N, H) hidden states h_1 .. h_T."""
        return self.scan.hs

    @property
    def h(self):
        """(N, T, H) hidden states h_1 .. h_T, batch-first (a view of the time-major hs)."""
        return self.scan.hs.transpose(1, 0, 2)

    @property
    def h_last(self):
        """(N, H) hidden state after the last step: the state to carry into the next chunk."""
        return self.scan.hs[-1]

    @property
    def probs(self):
        """(T*N, V) softmax outputs, rows in (t, n) order (dlogits * N*T + onehot(targets))."""
        T, N, V = self.dlogits.shape
        probs = (self.dlogits * (N * T)).reshape(T * N, V)
        probs[np.arange(T * N), self.targets.ravel()] += 1.0
        return probs


def init_params(V, H=100, rng=None, dtype=np.float32, scale=0.01):
    """Fresh parameters, min-char-rnn's way: weights ~ N(0, scale^2), biases zero.

    rnnlib.bptt.init_rnn_lm(V, H, V, rng, scale, dist="normal", dtype=dtype): the one initializer of
    the RNN language model, with the character model's input size (one-hot over V) and defaults.
    Inputs: V vocabulary size, H hidden size, rng a np.random.Generator, an int seed or None (fresh),
    dtype float32 (training speed) or float64 (gradient checks).
    Returns: dict W_xh (H, V), W_hh (H, H), b_h (H,), W_hy (V, H), b_y (V,).
    """
    return init_rnn_lm(V, H, V, rng, scale, dist="normal", dtype=dtype)


def check_params(params):
    """Validate a parameter dict (names as rnnlib.bptt.check_rnn_lm_params, then the character model's
    shapes: the input is a one-hot over V, so W_xh is (H, V)); return dims {"H": H, "V": V}."""
    check_rnn_lm_params(params)
    dims = {}
    for name, shape in zip(PARAM_NAMES, (("H", "V"), ("H", "H"), ("H",), ("V", "H"), ("V",))):
        check_array(name, params[name], shape, dims)
    return dims


def check_char_indices(name, idx, V):
    """Check that an integer array holds character codes in [0, V) (rnnlib._validate.check_indices)."""
    return check_indices(name, idx, V)


def charlm_forward(params, idx, targets, h0):
    """Mean loss per character over a batch of chunks, and the cache for charlm_backward.

    Inputs:
    - params: dict of W_xh (H, V), W_hh (H, H), b_h (H,), W_hy (V, H), b_y (V,).
    - idx: (N, T) integer input characters; targets: (N, T) the characters that follow them.
    - h0: (N, H) hidden state carried in from the previous chunk (zeros at the start of a text).
    Returns:
    - loss: float, mean -ln p(target) over the N*T positions (nats per character): the loss
      that charlm_backward differentiates.
    - cache: CharLMCache; cache.h_last (N, H) is the hidden state to carry into the next chunk.
    """
    dims = check_params(params)
    idx = check_array("idx", idx, ("N", "T"), dims, kind="int")
    targets = check_array("targets", targets, ("N", "T"), dims, kind="int")
    h0 = check_array("h0", h0, ("N", "H"), dims)
    check_char_indices("idx", idx, dims["V"])
    check_char_indices("targets", targets, dims["V"])
    return charlm_forward_unchecked(params, idx, targets, h0)


def charlm_hidden_states(params, idx, h0):
    """Read characters into the RNN: embedding lookup, + b_h, then the tanh recurrence (no checks).

    The one place where the character model turns characters into hidden states; charlm_forward,
    evaluate_nats and sampling all call it.
    Inputs: params (charlm dict), idx (N, T) integer characters, h0 (N, H) the state before them.
    Returns: hs (T, N, H), time-major like the scan, with hs[-1] the last state; the embedding's
    and the scan's caches (for charlm_backward).
    """
    xw, embed = embedding_forward(idx.T, params["W_xh"].T)  # (T, N, H): W_xh.T[x] instead of onehot(x) @ W_xh.T
    xw += params["b_h"]
    hs, scan = rnn_scan_forward(xw, h0.astype(xw.dtype, copy=False), params["W_hh"])  # (T, N, H)
    return hs, embed, scan


def charlm_forward_unchecked(params, idx, targets, h0):
    """charlm_forward without its input checks, for a loop that validated the whole text once."""
    hs, embed, scan = charlm_hidden_states(params, idx, h0)  # (T, N, H)
    logits, affine = affine_forward(hs, params["W_hy"], params["b_y"])  # (T, N, V): all positions in one matmul
    loss, dlogits = softmax_cross_entropy(logits, targets.T, reduction="mean")  # per character, N*T of them
    return loss, CharLMCache(embed, scan, affine, dlogits, targets.T)


def charlm_backward(cache):
    """Gradients of charlm_forward's loss, the mean -ln p over the chunk's N*T characters.

    (min-char-rnn differentiates the sum over its T characters: its gradients are T times these.)
    Inputs: cache from charlm_forward (never modified).
    Returns: dict of gradients dW_xh (H, V), dW_hh (H, H), db_h (H,), dW_hy (V, H), db_y (V,),
    keyed by parameter name, plus "h0": dL/dh0 (N, H).
    """
    if not isinstance(cache, CharLMCache):
        raise ValueError(f"cache must be the CharLMCache returned by charlm_forward; got {type(cache).__name__}")
    dhs, dW_hy, db_y = affine_backward(cache.dlogits, cache.affine)  # dhs: (T, N, H)
    dxw, dh0, dW_hh = rnn_scan_backward(dhs, cache.scan)  # dxw: (T, N, H)
    dW_xh_T = embedding_backward(dxw, cache.embed)  # (V, H): rows of repeated characters add up
    db_h = dxw.reshape(-1, dxw.shape[2]).sum(axis=0)  # (H,)
    return {"W_xh": dW_xh_T.T, "W_hh": dW_hh, "b_h": db_h, "W_hy": dW_hy, "b_y": db_y, "h0": dh0}


def evaluate_nats(params, data, streams=16, *, chunk=500):
    """Mean loss per character (nats) of predicting data[1:] from data[:-1], every target, forward only.

    The L - 1 targets are read as `streams` contiguous streams of S = (L - 1) // streams targets
    (fewer streams when the text is shorter), each starting from h = 0 and carrying its hidden state
    through chunks of `chunk` steps; the remainder, fewer than `streams` targets, is read as one more
    stream starting where the others stopped. So every target is scored once; chunk only bounds the
    memory. The same function as rnnlib.charlstm.evaluate_nats. Use loss_report() for bpc and perplexity.
    Inputs: params (charlm dict), data (L,) int indices in [0, V), L >= 2; streams, chunk positive ints.
    Returns: float, the mean over all L - 1 predictions.
    """
    check_params(params)
    chunk, streams = check_positive_int("chunk", chunk), check_positive_int("streams", streams)
    data = check_array("data", data, ("L",), kind="int")
    if len(data) < 2:
        raise ValueError(f"data must hold at least 2 indices (one input, one target); got {len(data)}")
    check_char_indices("data", data, params["W_hy"].shape[0])
    return mean_over_streams(data, streams, lambda segment, N, S: _stream_nll(params, segment, N, S, chunk))


def _stream_nll(params, data, N, S, chunk):
    """Summed -ln p over N streams of S targets each from data (N*S + 1,), state carried across chunks."""
    streams = np.stack([data[i * S: i * S + S + 1] for i in range(N)])  # (N, S + 1)
    h = np.zeros((N, params["W_hh"].shape[0]), dtype=params["W_hh"].dtype)
    total = 0.0
    for p in range(0, S, chunk):
        x, y = streams[:, p:min(p + chunk, S)], streams[:, p + 1:min(p + chunk, S) + 1]
        hs, _, _ = charlm_hidden_states(params, x, h)  # (chunk, N, H)
        logits, _ = affine_forward(hs, params["W_hy"], params["b_y"])
        nll, _ = softmax_cross_entropy(logits, y.T, reduction="sum")
        total, h = total + nll, hs[-1]
    return total


def make_streams(data, N, T):
    """Cut an index sequence into N equal contiguous streams for batched truncated BPTT.

    Stream n reads data[n*S : n*S + S + 1] with S = (len(data) - 1) // N, so inputs and targets
    (shifted by one) both fit; an epoch is S // T chunks of T steps. With N = 1 this is
    min-char-rnn's single pass through the text.
    Returns: (N, S + 1) int array.
    """
    data = check_array("data", data, ("L",), kind="int")
    N, T = check_positive_int("N", N), check_positive_int("T", T)
    S = (len(data) - 1) // N
    if S < T:
        raise ValueError(f"data is too short for N={N} streams of T={T} steps: need at least "
                         f"N*T + 1 = {N * T + 1} characters; got {len(data)}")
    return np.stack([data[n * S: n * S + S + 1] for n in range(N)])
