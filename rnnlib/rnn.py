"""The vanilla (Elman) RNN in numpy: one step and a whole sequence, forward and backward.

Row convention (batch-first), the same as torch.nn.RNN with nonlinearity="tanh":

    h_t = tanh(x_t @ W_xh.T + h_{t-1} @ W_hh.T + b_h)

which is the slides' column form h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h) transposed.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import check_array, check_cell_args

__all__ = [
    "RNNStepCache",
    "RNNCache",
    "RNNScanCache",
    "rnn_scan_forward",
    "rnn_scan_backward",
    "rnn_step_forward",
    "rnn_step_backward",
    "rnn_forward",
    "rnn_backward",
]


class RNNStepCache(NamedTuple):
    """What rnn_step_backward needs: the step's inputs x (N, D) and h_prev (N, H), its output
    h_next (N, H), whose tanh derivative is 1 - h_next**2, and the weights W_xh (H, D), W_hh (H, H)."""

    x: np.ndarray
    h_prev: np.ndarray
    h_next: np.ndarray
    W_xh: np.ndarray
    W_hh: np.ndarray


class RNNScanCache(NamedTuple):
    """What rnn_scan_backward needs (time-major arrays)."""

    h0: np.ndarray  # (N, H)
    hs: np.ndarray  # (T, N, H) hidden states h_1 .. h_T
    W_hh: np.ndarray  # (H, H)


class RNNCache(NamedTuple):
    """What the sequence backward pass needs."""

    x: np.ndarray  # (N, T, D)
    scan: RNNScanCache  # the recurrence's own cache (time-major hidden states)
    W_xh: np.ndarray  # (H, D)

    @property
    def h(self):
        """(N, T, H) hidden states, batch-first (a view of the time-major scan.hs)."""
        return self.scan.hs.transpose(1, 0, 2)

    @property
    def h0(self):
        """(N, H) initial hidden state."""
        return self.scan.h0

    @property
    def W_hh(self):
        """(H, H) hidden-to-hidden weights."""
        return self.scan.W_hh


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
    x, h_prev, W_xh, W_hh, b_h = check_cell_args(1, dims, x=x, h_prev=h_prev, W_xh=W_xh, W_hh=W_hh, b_h=b_h)
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


def rnn_scan_forward(xw, h0, W_hh):
    """The recurrence alone, for inputs already projected: h_t = tanh(xw[t] + h_{t-1} @ W_hh.T).

    rnn_forward and the character model both use it: the input term x_t @ W_xh.T + b_h has no
    dependence on h, so it is computed for all steps at once (one matmul, or an embedding lookup)
    and only this loop is sequential. Arrays are time-major so that each step reads one block.
    Inputs:
    - xw: (T, N, H) input pre-activations x_t @ W_xh.T + b_h.
    - h0: (N, H) initial hidden state.
    - W_hh: (H, H) hidden-to-hidden weights.
    Returns:
    - hs: (T, N, H) hidden states h_1 .. h_T.
    - cache: RNNScanCache for rnn_scan_backward.
    """
    dims = {}
    xw = check_array("xw", xw, ("T", "N", "H"), dims)
    h0 = check_array("h0", h0, ("N", "H"), dims)
    W_hh = check_array("W_hh", W_hh, ("H", "H"), dims)
    if xw.shape[0] == 0:
        raise ValueError(f"xw must have at least one time step; got shape {xw.shape}")
    hs = np.empty(xw.shape, dtype=np.result_type(xw, h0, W_hh))  # (T, N, H)
    h_prev, W_hh_T = h0, W_hh.T
    for t in range(xw.shape[0]):
        np.matmul(h_prev, W_hh_T, out=hs[t])  # (N, H)
        hs[t] += xw[t]
        h_prev = np.tanh(hs[t], out=hs[t])
    return hs, RNNScanCache(h0, hs, W_hh)


def rnn_scan_backward(dhs, cache):
    """Backward pass of rnn_scan_forward: BPTT through the recurrence.

    Inputs:
    - dhs: (T, N, H) upstream gradients dL/dh_t from above (not the recurrent path; that is added
      here). Never modified.
    - cache: RNNScanCache.
    Returns:
    - dxw: (T, N, H) gradients of the pre-activations (dL/da_t, a_t = xw[t] + h_{t-1} @ W_hh.T).
    - dh0: (N, H).
    - dW_hh: (H, H) = sum over t of da_t.T @ h_{t-1}.
    """
    if not isinstance(cache, RNNScanCache):
        raise ValueError(f"cache must be the RNNScanCache returned by rnn_scan_forward; got {type(cache).__name__}")
    T, N, H = cache.hs.shape
    dhs = check_array("dhs", dhs, ("T", "N", "H"), {"T": T, "N": N, "H": H})
    dtanh = cache.hs * cache.hs  # (T, N, H), then tanh'(a_t) = 1 - tanh(a_t)^2 = 1 - h_t^2
    np.subtract(1.0, dtanh, out=dtanh)
    da = np.empty(dtanh.shape, dtype=np.result_type(dhs, dtanh))  # (T, N, H) dL/da_t
    carry = np.zeros((N, H), dtype=da.dtype)  # dL/dh_t arriving from step t+1
    for t in reversed(range(T)):
        np.add(dhs[t], carry, out=da[t])  # from the output above and from step t+1
        da[t] *= dtanh[t]
        carry = da[t] @ cache.W_hh  # (N, H): W_hh.T in column form is W_hh on the right in row form
    dW_hh = da[0].T @ cache.h0  # (H, H)
    if T > 1:
        dW_hh += da[1:].reshape(-1, H).T @ cache.hs[:-1].reshape(-1, H)
    return da, carry, dW_hh


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
    x, h0, W_xh, W_hh, b_h = check_cell_args(1, dims, x=x, h0=h0, W_xh=W_xh, W_hh=W_hh, b_h=b_h)
    xw = x.transpose(1, 0, 2) @ W_xh.T  # (T, N, H): the input part of every step in one matmul
    xw += b_h
    hs, scan = rnn_scan_forward(xw, h0, W_hh)  # (T, N, H)
    h = np.ascontiguousarray(hs.transpose(1, 0, 2))  # (N, T, H), a copy: editing it cannot corrupt the cache
    return h, RNNCache(x, scan, W_xh)


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
    T, N, H = cache.scan.hs.shape
    dh = check_array("dh", dh, ("N", "T", "H"), {"N": N, "T": T, "H": H})
    da, dh0, dW_hh = rnn_scan_backward(dh.transpose(1, 0, 2), cache.scan)  # da: (T, N, H)
    D = cache.x.shape[2]
    dx = (da @ cache.W_xh).transpose(1, 0, 2)  # (N, T, D)
    dW_xh = da.reshape(-1, H).T @ cache.x.transpose(1, 0, 2).reshape(-1, D)  # (H, D): sum over t of da_t.T x_t
    db_h = da.reshape(-1, H).sum(axis=0)  # (H,)
    return dx, dh0, dW_xh, dW_hh, db_h
