"""The LSTM in numpy: one step and a whole sequence, forward and backward.

Row convention (batch-first), the same as torch.nn.LSTM. The four gates are stacked in torch's
order i, f, g, o along the first axis of W_xh (4H, D), W_hh (4H, H) and b_h (4H,):

    a = x_t @ W_xh.T + h_{t-1} @ W_hh.T + b_h             (N, 4H) = [a_i | a_f | a_g | a_o]
    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
    c_t = f * c_{t-1} + i * g                             the cell state: a gated running sum
    h_t = o * tanh(c_t)

torch keeps two biases (bias_ih and bias_hh) that only ever appear as their sum; rnnlib keeps one,
b_h = bias_ih + bias_hh.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import check_array, check_cell_args

__all__ = [
    "LSTMStepCache",
    "LSTMCache",
    "sigmoid",
    "split_gates",
    "lstm_step_forward",
    "lstm_step_backward",
    "lstm_forward",
    "lstm_scan_backward",
    "lstm_backward",
]

GATES = ("i", "f", "g", "o")


class LSTMStepCache(NamedTuple):
    """What one step's backward pass needs."""

    x: np.ndarray  # (N, D)
    h_prev: np.ndarray  # (N, H)
    c_prev: np.ndarray  # (N, H)
    ifgo: np.ndarray  # (N, 4H) gate activations i, f, g, o (after sigmoid / tanh)
    c_next: np.ndarray  # (N, H)
    tanh_c: np.ndarray  # (N, H) tanh(c_next)
    W_xh: np.ndarray  # (4H, D)
    W_hh: np.ndarray  # (4H, H)


class LSTMCache(NamedTuple):
    """What the sequence backward pass needs (time-major arrays, like RNNScanCache)."""

    x: np.ndarray  # (N, T, D)
    h0: np.ndarray  # (N, H)
    c0: np.ndarray  # (N, H)
    hs: np.ndarray  # (T, N, H) hidden states h_1 .. h_T
    cs: np.ndarray  # (T, N, H) cell states c_1 .. c_T
    ifgo: np.ndarray  # (T, N, 4H) gate activations
    tanh_cs: np.ndarray  # (T, N, H) tanh(c_t)
    W_xh: np.ndarray  # (4H, D)
    W_hh: np.ndarray  # (4H, H)

    @property
    def gates(self):
        """dict gate name -> (N, T, H) activations, batch-first (for plots and the gate inspector)."""
        return {k: v.transpose(1, 0, 2) for k, v in split_gates(self.ifgo).items()}

    @property
    def c(self):
        """(N, T, H) cell states, batch-first."""
        return self.cs.transpose(1, 0, 2)


def sigmoid(a):
    """The logistic function 1 / (1 + exp(-a)), computed without overflow for large |a|."""
    a = np.asarray(a)
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def split_gates(stacked, names=GATES):
    """Split the last axis of a gate-stacked array (..., kH) into a dict name -> (..., H) views."""
    stacked = np.asarray(stacked)
    k = len(names)
    if stacked.ndim == 0 or stacked.shape[-1] % k:
        raise ValueError(f"stacked must have a last axis that is a multiple of {k}; got shape {stacked.shape}")
    H = stacked.shape[-1] // k
    return {name: stacked[..., j * H : (j + 1) * H] for j, name in enumerate(names)}


def _cell(a, c_prev):
    """From the pre-activations a (N, 4H) and c_prev: the gates (N, 4H), c_next, tanh(c_next), h_next."""
    H = c_prev.shape[1]
    ifgo = np.empty_like(a)
    ifgo[:, : 2 * H] = sigmoid(a[:, : 2 * H])  # i, f
    ifgo[:, 2 * H : 3 * H] = np.tanh(a[:, 2 * H : 3 * H])  # g
    ifgo[:, 3 * H :] = sigmoid(a[:, 3 * H :])  # o
    i, f, g, o = (ifgo[:, j * H : (j + 1) * H] for j in range(4))
    c_next = f * c_prev + i * g  # (N, H)
    tanh_c = np.tanh(c_next)  # (N, H)
    return ifgo, c_next, tanh_c, o * tanh_c


def _cell_backward(dh, dc_next, ifgo, c_prev, tanh_c):
    """Back through one cell: returns da (N, 4H), the pre-activation gradients, and dc_prev (N, H)."""
    H = c_prev.shape[1]
    i, f, g, o = (ifgo[:, j * H : (j + 1) * H] for j in range(4))
    dc = dc_next + dh * o * (1.0 - tanh_c**2)  # (N, H): through h = o * tanh(c), plus the cell path
    da = np.empty_like(ifgo)  # (N, 4H)
    da[:, :H] = dc * g * i * (1.0 - i)  # a_i: dc/di = g, sigmoid' = i (1 - i)
    da[:, H : 2 * H] = dc * c_prev * f * (1.0 - f)  # a_f: dc/df = c_prev
    da[:, 2 * H : 3 * H] = dc * i * (1.0 - g**2)  # a_g: dc/dg = i, tanh' = 1 - g^2
    da[:, 3 * H :] = dh * tanh_c * o * (1.0 - o)  # a_o: dh/do = tanh(c)
    return da, dc * f  # dc_prev = dc * f: the cell path, dc_t/dc_{t-1} = diag(f_t)


def lstm_step_forward(x, h_prev, c_prev, W_xh, W_hh, b_h):
    """One LSTM step (gates i, f, g, o in torch's order).

    Inputs:
    - x: (N, D) inputs at this step.
    - h_prev: (N, H) previous hidden state; c_prev: (N, H) previous cell state.
    - W_xh: (4H, D), W_hh: (4H, H), b_h: (4H,) gate-stacked parameters.
    Returns:
    - h_next: (N, H) next hidden state; c_next: (N, H) next cell state.
    - cache: LSTMStepCache for lstm_step_backward.
    """
    dims = {}
    x, h_prev, c_prev, W_xh, W_hh, b_h = check_cell_args(4, dims, x=x, h_prev=h_prev, c_prev=c_prev, W_xh=W_xh,
                                                          W_hh=W_hh, b_h=b_h)
    a = x @ W_xh.T + h_prev @ W_hh.T + b_h  # (N, 4H)
    ifgo, c_next, tanh_c, h_next = _cell(a, c_prev)
    return h_next, c_next, LSTMStepCache(x, h_prev, c_prev, ifgo, c_next, tanh_c, W_xh, W_hh)


def lstm_step_backward(dh_next, dc_next, cache):
    """Backward pass of one LSTM step.

    Inputs:
    - dh_next: (N, H) upstream gradient dL/dh_next; dc_next: (N, H) dL/dc_next from the next step
      (zeros at the last step). Never modified.
    - cache: LSTMStepCache from lstm_step_forward.
    Returns (in the order of the forward inputs):
    - dx: (N, D), dh_prev: (N, H), dc_prev: (N, H), dW_xh: (4H, D), dW_hh: (4H, H), db_h: (4H,).
    """
    if not isinstance(cache, LSTMStepCache):
        raise ValueError(f"cache must be the LSTMStepCache returned by lstm_step_forward; got {type(cache).__name__}")
    dims = {"N": cache.c_next.shape[0], "H": cache.c_next.shape[1]}
    dh_next = check_array("dh_next", dh_next, ("N", "H"), dims)
    dc_next = check_array("dc_next", dc_next, ("N", "H"), dims)
    da, dc_prev = _cell_backward(dh_next, dc_next, cache.ifgo, cache.c_prev, cache.tanh_c)
    dx = da @ cache.W_xh  # (N, D)
    dh_prev = da @ cache.W_hh  # (N, H)
    dW_xh = da.T @ cache.x  # (4H, D)
    dW_hh = da.T @ cache.h_prev  # (4H, H)
    return dx, dh_prev, dc_prev, dW_xh, dW_hh, da.sum(axis=0)


def lstm_forward(x, h0, W_xh, W_hh, b_h, c0=None):
    """Run the LSTM over a whole sequence.

    Inputs:
    - x: (N, T, D) inputs.
    - h0: (N, H) initial hidden state.
    - W_xh: (4H, D), W_hh: (4H, H), b_h: (4H,) parameters, shared by every step.
    - c0: (N, H) initial cell state, or None for zeros.
    Returns:
    - h: (N, T, H) hidden states h_1 .. h_T (h[:, t] is the state after reading x[:, t]).
    - cache: LSTMCache for lstm_backward (cache.c holds the cell states, cache.gates the gates).
    """
    dims = {}
    x, h0, W_xh, W_hh, b_h = check_cell_args(4, dims, x=x, h0=h0, W_xh=W_xh, W_hh=W_hh, b_h=b_h)
    c0 = np.zeros_like(h0) if c0 is None else check_cell_args(4, dims, c0=c0)[0]
    T, N, H = x.shape[1], x.shape[0], h0.shape[1]
    xw = x.transpose(1, 0, 2) @ W_xh.T  # (T, N, 4H): the input part of every step in one matmul
    xw += b_h
    dtype = xw.dtype
    hs, cs, tanh_cs = (np.empty((T, N, H), dtype) for _ in range(3))
    ifgo = np.empty((T, N, 4 * H), dtype)
    h_prev, c_prev, W_hh_T = h0, c0, W_hh.T
    for t in range(T):
        ifgo[t], cs[t], tanh_cs[t], hs[t] = _cell(xw[t] + h_prev @ W_hh_T, c_prev)
        h_prev, c_prev = hs[t], cs[t]
    h = np.ascontiguousarray(hs.transpose(1, 0, 2))  # (N, T, H), a copy: editing it cannot corrupt the cache
    return h, LSTMCache(x, h0, c0, hs, cs, ifgo, tanh_cs, W_xh, W_hh)


def lstm_scan_backward(dhs, cache, dc_last=None):
    """BPTT through the LSTM recurrence, time-major; also returns dc0 and accepts dL/dc_T.

    Inputs:
    - dhs: (T, N, H) upstream gradients dL/dh_t from above. Never modified.
    - cache: LSTMCache from lstm_forward.
    - dc_last: (N, H) gradient arriving at the last cell state c_T, or None for zeros.
    Returns:
    - da: (T, N, 4H) pre-activation gradients; dh0: (N, H); dc0: (N, H); dW_hh: (4H, H).
    """
    if not isinstance(cache, LSTMCache):
        raise ValueError(f"cache must be the LSTMCache returned by lstm_forward; got {type(cache).__name__}")
    T, N, H = cache.hs.shape
    dims = {"T": T, "N": N, "H": H}
    dhs = check_array("dhs", dhs, ("T", "N", "H"), dims)
    dc = np.zeros((N, H), cache.cs.dtype) if dc_last is None else check_array("dc_last", dc_last, ("N", "H"), dims)
    da = np.empty((T, N, 4 * H), dtype=np.result_type(dhs, cache.ifgo))  # (T, N, 4H)
    dh_carry = np.zeros((N, H), da.dtype)  # dL/dh_t arriving from step t+1
    for t in reversed(range(T)):
        c_prev = cache.cs[t - 1] if t > 0 else cache.c0
        da[t], dc = _cell_backward(dhs[t] + dh_carry, dc, cache.ifgo[t], c_prev, cache.tanh_cs[t])
        dh_carry = da[t] @ cache.W_hh  # (N, H)
    dW_hh = da[0].T @ cache.h0  # (4H, H)
    if T > 1:
        dW_hh += da[1:].reshape(-1, 4 * H).T @ cache.hs[:-1].reshape(-1, H)
    return da, dh_carry, dc, dW_hh


def lstm_backward(dh, cache):
    """Backpropagation through time for lstm_forward.

    Inputs:
    - dh: (N, T, H) upstream gradients dL/dh_t from the layers above, for every step (the
      recurrent and cell paths are added here). Never modified.
    - cache: LSTMCache from lstm_forward.
    Returns (in the order of the forward inputs; for dc0 use lstm_scan_backward):
    - dx: (N, T, D), dh0: (N, H), dW_xh: (4H, D), dW_hh: (4H, H), db_h: (4H,).
    """
    if not isinstance(cache, LSTMCache):
        raise ValueError(f"cache must be the LSTMCache returned by lstm_forward; got {type(cache).__name__}")
    T, N, H = cache.hs.shape
    dh = check_array("dh", dh, ("N", "T", "H"), {"N": N, "T": T, "H": H})
    da, dh0, _, dW_hh = lstm_scan_backward(dh.transpose(1, 0, 2), cache)  # da: (T, N, 4H)
    D = cache.x.shape[2]
    dx = (da @ cache.W_xh).transpose(1, 0, 2)  # (N, T, D)
    dW_xh = da.reshape(-1, 4 * H).T @ cache.x.transpose(1, 0, 2).reshape(-1, D)  # (4H, D)
    db_h = da.reshape(-1, 4 * H).sum(axis=0)  # (4H,)
    return dx, dh0, dW_xh, dW_hh, db_h
