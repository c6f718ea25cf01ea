"""The vanilla (Elman) RNN in numpy: one step and a whole sequence, forward and backward.

Row convention (batch-first), the same as torch.nn.RNN with nonlinearity="tanh":

    h_t = tanh(x_t @ W_xh.T + h_{t-1} @ W_hh.T + b_h)

which is the slides' column form h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h) transposed.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import check_array

__all__ = [
    "RNNStepCache",
    "RNNCache",
    "rnn_step_forward",
    "rnn_step_backward",
    "rnn_forward",
    "rnn_backward",
]


class RNNStepCache(NamedTuple):
    """What one step's backward pass needs."""

    x: np.ndarray  # (N, D)
    h_prev: np.ndarray  # (N, H)
    h_next: np.ndarray  # (N, H)
    W_xh: np.ndarray  # (H, D)
    W_hh: np.ndarray  # (H, H)


class RNNCache(NamedTuple):
    """What the sequence backward pass needs."""

    x: np.ndarray  # (N, T, D)
    h0: np.ndarray  # (N, H)
    h: np.ndarray  # (N, T, H)
    W_xh: np.ndarray  # (H, D)
    W_hh: np.ndarray  # (H, H)


def _check_params(W_xh, W_hh, b_h, dims):
    W_xh = check_array("W_xh", W_xh, ("H", "D"), dims)
    W_hh = check_array("W_hh", W_hh, ("H", "H"), dims)
    b_h = check_array("b_h", b_h, ("H",), dims)
    return W_xh, W_hh, b_h


def _step(x, h_prev, W_xh, W_hh, b_h):
    return np.tanh(x @ W_xh.T + h_prev @ W_hh.T + b_h)  # (N, H)


def rnn_step_forward(x, h_prev, W_xh, W_hh, b_h):
    """One step of the tanh RNN: h_next = tanh(x @ W_xh.T + h_prev @ W_hh.T + b_h).

    Inputs:
    - x: (N, D) inputs at this step.
    - h_prev: (N, H) previous hidden state.
    - W_xh: (H, D) input-to-hidden weights.
    - W_hh: (H, H) hidden-to-hidden weights.
    - b_h: (H,) hidden bias.
    Returns:
    - h_next: (N, H) next hidden state.
    - cache: RNNStepCache for rnn_step_backward.
    """
    dims = {}
    x = check_array("x", x, ("N", "D"), dims)
    h_prev = check_array("h_prev", h_prev, ("N", "H"), dims)
    W_xh, W_hh, b_h = _check_params(W_xh, W_hh, b_h, dims)
    h_next = _step(x, h_prev, W_xh, W_hh, b_h)  # (N, H)
    return h_next, RNNStepCache(x, h_prev, h_next, W_xh, W_hh)


def _step_backward(dh_next, cache):
    da = dh_next * (1.0 - cache.h_next**2)  # (N, H): tanh'(a) = 1 - tanh(a)^2
    dx = da @ cache.W_xh  # (N, D)
    dh_prev = da @ cache.W_hh  # (N, H): W_hh.T in column form is W_hh on the right in row form
    dW_xh = da.T @ cache.x  # (H, D)
    dW_hh = da.T @ cache.h_prev  # (H, H)
    db_h = da.sum(axis=0)  # (H,)
    return dx, dh_prev, dW_xh, dW_hh, db_h


def rnn_step_backward(dh_next, cache):
    """Backward pass of one RNN step.

    Inputs:
    - dh_next: (N, H) upstream gradient dL/dh_next (never modified).
    - cache: RNNStepCache from rnn_step_forward.
    Returns (in the order of the forward inputs):
    - dx: (N, D), dh_prev: (N, H), dW_xh: (H, D), dW_hh: (H, H), db_h: (H,).
    """
    if not isinstance(cache, RNNStepCache):
        raise ValueError(f"cache must be the RNNStepCache returned by rnn_step_forward; got {type(cache).__name__}")
    dh_next = check_array("dh_next", dh_next, ("N", "H"), {"N": cache.h_next.shape[0], "H": cache.h_next.shape[1]})
    return _step_backward(dh_next, cache)


def rnn_forward(x, h0, W_xh, W_hh, b_h):
    """Run the tanh RNN over a whole sequence.

    Inputs:
    - x: (N, T, D) inputs.
    - h0: (N, H) initial hidden state.
    - W_xh: (H, D), W_hh: (H, H), b_h: (H,) parameters, shared by every step.
    Returns:
    - h: (N, T, H) hidden states h_1 .. h_T (h[:, t] is the state after reading x[:, t]).
    - cache: RNNCache for rnn_backward.
    """
    dims = {}
    x = check_array("x", x, ("N", "T", "D"), dims)
    h0 = check_array("h0", h0, ("N", "H"), dims)
    W_xh, W_hh, b_h = _check_params(W_xh, W_hh, b_h, dims)
    N, T, _ = x.shape
    dtype = np.result_type(x, h0, W_xh, W_hh, b_h)
    h = np.empty((N, T, h0.shape[1]), dtype=dtype)  # (N, T, H)
    xw = x @ W_xh.T + b_h  # (N, T, H): the input part of every step in one matmul
    h_prev = h0
    for t in range(T):
        h_prev = np.tanh(xw[:, t] + h_prev @ W_hh.T)  # (N, H)
        h[:, t] = h_prev
    return h, RNNCache(x, h0, h, W_xh, W_hh)


def rnn_backward(dh, cache):
    """Backpropagation through time for rnn_forward.

    Inputs:
    - dh: (N, T, H) upstream gradients dL/dh_t from the layers above, for every step
      (not including the recurrent path; that is added here). Never modified.
    - cache: RNNCache from rnn_forward.
    Returns (in the order of the forward inputs):
    - dx: (N, T, D), dh0: (N, H), dW_xh: (H, D), dW_hh: (H, H), db_h: (H,).
    """
    if not isinstance(cache, RNNCache):
        raise ValueError(f"cache must be the RNNCache returned by rnn_forward; got {type(cache).__name__}")
    N, T, H = cache.h.shape
    dh = check_array("dh", dh, ("N", "T", "H"), {"N": N, "T": T, "H": H})
    h_prev_all = np.concatenate([cache.h0[:, None, :], cache.h[:, :-1]], axis=1)  # (N, T, H)
    da_all = np.empty_like(cache.h, dtype=np.result_type(dh, cache.h))  # (N, T, H)
    dh_carry = np.zeros((N, H), dtype=da_all.dtype)  # gradient arriving through h_{t+1}
    for t in reversed(range(T)):
        da = (dh[:, t] + dh_carry) * (1.0 - cache.h[:, t] ** 2)  # (N, H)
        da_all[:, t] = da
        dh_carry = da @ cache.W_hh  # (N, H)
    dx = da_all @ cache.W_xh  # (N, T, D)
    dW_xh = np.einsum("nth,ntd->hd", da_all, cache.x)  # (H, D): sum over time of da_t^T x_t
    dW_hh = np.einsum("nth,ntk->hk", da_all, h_prev_all)  # (H, H)
    db_h = da_all.sum(axis=(0, 1))  # (H,)
    return dx, dh_carry, dW_xh, dW_hh, db_h
