"""The GRU in numpy: one step and a whole sequence, forward and backward.

Row convention (batch-first), the same function as torch.nn.GRU (and cuDNN). The three gates are
stacked in torch's order r, z, n along the first axis of W_xh (3H, D), W_hh (3H, H), b_xh and b_hh
(3H,):

    r = sigmoid(x W_xr.T + b_xr + h_{t-1} W_hr.T + b_hr)        reset gate
    z = sigmoid(x W_xz.T + b_xz + h_{t-1} W_hz.T + b_hz)        update gate
    n = tanh(x W_xn.T + b_xn + r * (h_{t-1} W_hn.T + b_hn))     candidate; reset AFTER the matmul
    h_t = (1 - z) * n + z * h_{t-1}                             Cho's update: z keeps the old state

Two biases, because b_hn sits inside r * (.) and so is not interchangeable with b_xn (for r and z
only their sums matter). rnnlib.gated.gru_forms compares this with Olah's and Cho's other forms.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import check_array, check_cell_args
from .lstm import sigmoid

__all__ = [
    "GRUStepCache",
    "GRUCache",
    "gru_step_forward",
    "gru_step_backward",
    "gru_forward",
    "gru_backward",
]


class GRUStepCache(NamedTuple):
    """What one step's backward pass needs."""

    x: np.ndarray  # (N, D)
    h_prev: np.ndarray  # (N, H)
    rzn: np.ndarray  # (N, 3H) gate activations r, z, n
    hw_n: np.ndarray  # (N, H) h_prev @ W_hn.T + b_hn, the term the reset gate scales
    W_xh: np.ndarray  # (3H, D)
    W_hh: np.ndarray  # (3H, H)


class GRUCache(NamedTuple):
    """What the sequence backward pass needs (time-major arrays)."""

    x: np.ndarray  # (N, T, D)
    h0: np.ndarray  # (N, H)
    hs: np.ndarray  # (T, N, H) hidden states h_1 .. h_T
    rzn: np.ndarray  # (T, N, 3H) gate activations
    hw_n: np.ndarray  # (T, N, H)
    W_xh: np.ndarray  # (3H, D)
    W_hh: np.ndarray  # (3H, H)

    @property
    def gates(self):
        """dict gate name -> (N, T, H) activations, batch-first."""
        H = self.hs.shape[2]
        return {k: self.rzn[:, :, j * H : (j + 1) * H].transpose(1, 0, 2) for j, k in enumerate("rzn")}


def _cell(xw, hw, h_prev):
    """From xw = x W_xh.T + b_xh and hw = h_prev W_hh.T + b_hh (N, 3H): gates (N, 3H), hw_n, h_next."""
    H = h_prev.shape[1]
    rzn = np.empty_like(xw)
    rzn[:, : 2 * H] = sigmoid(xw[:, : 2 * H] + hw[:, : 2 * H])  # r, z
    hw_n = hw[:, 2 * H :]
    rzn[:, 2 * H :] = np.tanh(xw[:, 2 * H :] + rzn[:, :H] * hw_n)  # n
    z, n = rzn[:, H : 2 * H], rzn[:, 2 * H :]
    return rzn, hw_n, (1.0 - z) * n + z * h_prev


def _cell_backward(dh, rzn, hw_n, h_prev):
    """Back through one cell: dxw, dhw (N, 3H) and the direct part of dh_prev."""
    H = h_prev.shape[1]
    r, z, n = rzn[:, :H], rzn[:, H : 2 * H], rzn[:, 2 * H :]
    dxw = np.empty_like(rzn)  # (N, 3H)
    dxw[:, 2 * H :] = dh * (1.0 - z) * (1.0 - n**2)  # a_n: dh/dn = 1 - z
    dxw[:, :H] = dxw[:, 2 * H :] * hw_n * r * (1.0 - r)  # a_r: da_n/dr = hw_n
    dxw[:, H : 2 * H] = dh * (h_prev - n) * z * (1.0 - z)  # a_z
    dhw = dxw.copy()
    dhw[:, 2 * H :] *= r  # ds = da_n * r
    return dxw, dhw, dh * z


def gru_step_forward(x, h_prev, W_xh, W_hh, b_xh, b_hh):
    """One GRU step (gates r, z, n in torch's order; reset applied after the matmul).

    Inputs:
    - x: (N, D) inputs at this step; h_prev: (N, H) previous hidden state.
    - W_xh: (3H, D), W_hh: (3H, H), b_xh: (3H,), b_hh: (3H,) gate-stacked parameters.
    Returns:
    - h_next: (N, H) next hidden state.
    - cache: GRUStepCache for gru_step_backward.
    """
    dims = {}
    x, h_prev, W_xh, W_hh, b_xh, b_hh = check_cell_args(3, dims, x=x, h_prev=h_prev, W_xh=W_xh, W_hh=W_hh,
                                                        b_xh=b_xh, b_hh=b_hh)
    rzn, hw_n, h_next = _cell(x @ W_xh.T + b_xh, h_prev @ W_hh.T + b_hh, h_prev)
    return h_next, GRUStepCache(x, h_prev, rzn, hw_n, W_xh, W_hh)


def gru_step_backward(dh_next, cache):
    """Backward pass of one GRU step.

    Inputs:
    - dh_next: (N, H) upstream gradient dL/dh_next (never modified).
    - cache: GRUStepCache from gru_step_forward.
    Returns (in the order of the forward inputs):
    - dx: (N, D), dh_prev: (N, H), dW_xh: (3H, D), dW_hh: (3H, H), db_xh: (3H,), db_hh: (3H,).
    """
    if not isinstance(cache, GRUStepCache):
        raise ValueError(f"cache must be the GRUStepCache returned by gru_step_forward; got {type(cache).__name__}")
    dh_next = check_array("dh_next", dh_next, ("N", "H"), {"N": cache.h_prev.shape[0], "H": cache.h_prev.shape[1]})
    dxw, dhw, dh_direct = _cell_backward(dh_next, cache.rzn, cache.hw_n, cache.h_prev)
    dx = dxw @ cache.W_xh  # (N, D)
    dh_prev = dh_direct + dhw @ cache.W_hh  # (N, H)
    return dx, dh_prev, dxw.T @ cache.x, dhw.T @ cache.h_prev, dxw.sum(axis=0), dhw.sum(axis=0)


def gru_forward(x, h0, W_xh, W_hh, b_xh, b_hh):
    """Run the GRU over a whole sequence.

    Inputs:
    - x: (N, T, D) inputs; h0: (N, H) initial hidden state.
    - W_xh: (3H, D), W_hh: (3H, H), b_xh: (3H,), b_hh: (3H,) parameters, shared by every step.
    Returns:
    - h: (N, T, H) hidden states h_1 .. h_T.
    - cache: GRUCache for gru_backward (cache.gates holds r, z, n).
    """
    dims = {}
    x, h0, W_xh, W_hh, b_xh, b_hh = check_cell_args(3, dims, x=x, h0=h0, W_xh=W_xh, W_hh=W_hh, b_xh=b_xh, b_hh=b_hh)
    N, T, H = x.shape[0], x.shape[1], h0.shape[1]
    xw = x.transpose(1, 0, 2) @ W_xh.T  # (T, N, 3H): the input part of every step in one matmul
    xw += b_xh
    hs, hw_n = np.empty((T, N, H), xw.dtype), np.empty((T, N, H), xw.dtype)
    rzn = np.empty((T, N, 3 * H), xw.dtype)
    h_prev, W_hh_T = h0, W_hh.T
    for t in range(T):
        rzn[t], hw_n[t], hs[t] = _cell(xw[t], h_prev @ W_hh_T + b_hh, h_prev)
        h_prev = hs[t]
    h = np.ascontiguousarray(hs.transpose(1, 0, 2))  # (N, T, H), a copy
    return h, GRUCache(x, h0, hs, rzn, hw_n, W_xh, W_hh)


def gru_backward(dh, cache):
    """Backpropagation through time for gru_forward.

    Inputs:
    - dh: (N, T, H) upstream gradients dL/dh_t from the layers above (never modified).
    - cache: GRUCache from gru_forward.
    Returns (in the order of the forward inputs):
    - dx: (N, T, D), dh0: (N, H), dW_xh: (3H, D), dW_hh: (3H, H), db_xh: (3H,), db_hh: (3H,).
    """
    if not isinstance(cache, GRUCache):
        raise ValueError(f"cache must be the GRUCache returned by gru_forward; got {type(cache).__name__}")
    T, N, H = cache.hs.shape
    dh = check_array("dh", dh, ("N", "T", "H"), {"N": N, "T": T, "H": H})
    dxw = np.empty((T, N, 3 * H), np.result_type(dh, cache.rzn))  # (T, N, 3H)
    dhw = np.empty_like(dxw)  # (T, N, 3H)
    carry = np.zeros((N, H), dxw.dtype)  # dL/dh_t arriving from step t+1
    for t in reversed(range(T)):
        h_prev = cache.hs[t - 1] if t > 0 else cache.h0
        dxw[t], dhw[t], direct = _cell_backward(dh[:, t] + carry, cache.rzn[t], cache.hw_n[t], h_prev)
        carry = direct + dhw[t] @ cache.W_hh  # (N, H)
    h_prevs = np.concatenate([cache.h0[None], cache.hs[:-1]]).reshape(-1, H)  # (T*N, H)
    D = cache.x.shape[2]
    dx = (dxw @ cache.W_xh).transpose(1, 0, 2)  # (N, T, D)
    dW_xh = dxw.reshape(-1, 3 * H).T @ cache.x.transpose(1, 0, 2).reshape(-1, D)  # (3H, D)
    dW_hh = dhw.reshape(-1, 3 * H).T @ h_prevs  # (3H, H)
    return dx, carry, dW_xh, dW_hh, dxw.reshape(-1, 3 * H).sum(axis=0), dhw.reshape(-1, 3 * H).sum(axis=0)
