"""The GRU's written conventions side by side (forward only, numpy), to reconcile the slides.

Two independent choices hide behind "the GRU":

- **Which way z points.** Cho et al. (2014) and two of the slide decks write h_t = z * h_{t-1} + (1 - z) * n
  (z = 1 keeps the old state); Olah's blog (and the slides that follow it) and the MUT cells write
  h_t = (1 - z) * h_{t-1} + z * n (z = 1 takes the new candidate). Since sigmoid(-a) = 1 - sigmoid(a),
  negating the z block of every weight and bias turns one into the other: one model, two labels.
- **Where the reset acts.** Cho's paper resets before the matmul, n = tanh(x W_xn.T + (r * h) W_hn.T + b),
  while torch and cuDNN (and one of the slides) reset after it, n = tanh(x W_xn.T + b_xn + r * (h W_hn.T + b_hn)).
  These are different functions: r * (h W.T) = (r * h) W.T only when W_hn is diagonal, and b_hn is
  scaled by r only in the second. rnnlib.gru implements reset-after, torch's form, so that its
  weights load into torch.nn.GRU (and cuDNN) unchanged and parity can be checked to 1e-10.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_cell_args, check_choice
from ..lstm import sigmoid

__all__ = ["gru_forward_variant", "flip_update_gate", "UPDATES", "RESETS"]

UPDATES = ("cho", "olah")  # h = z h_prev + (1 - z) n   |   h = (1 - z) h_prev + z n
RESETS = ("after", "before")  # r * (h W_hn.T + b_hn)    |   (r * h) W_hn.T + b_hn


def gru_forward_variant(x, h0, W_xh, W_hh, b_xh, b_hh, update="cho", reset="after"):
    """Run a GRU written in one of the four conventions (update x reset) over a sequence.

    With update="cho", reset="after" this is rnnlib.gru.gru_forward (torch.nn.GRU).
    Inputs:
    - x: (N, T, D), h0: (N, H); W_xh: (3H, D), W_hh: (3H, H), b_xh, b_hh: (3H,) (gates r, z, n).
    - update: "cho" or "olah"; reset: "after" or "before".
    Returns: h: (N, T, H) hidden states h_1 .. h_T.
    """
    check_choice("update", update, UPDATES)
    check_choice("reset", reset, RESETS)
    dims = {}
    x, h_prev, W_xh, W_hh, b_xh, b_hh = check_cell_args(3, dims, x=x, h0=h0, W_xh=W_xh, W_hh=W_hh, b_xh=b_xh, b_hh=b_hh)
    H = dims["H"]
    out = []
    for t in range(x.shape[1]):
        xw = x[:, t] @ W_xh.T + b_xh  # (N, 3H)
        rz = sigmoid(xw[:, : 2 * H] + h_prev @ W_hh[: 2 * H].T + b_hh[: 2 * H])  # (N, 2H) r and z
        r, z = rz[:, :H], rz[:, H:]
        W_hn, b_hn = W_hh[2 * H :], b_hh[2 * H :]
        if reset == "after":
            n = np.tanh(xw[:, 2 * H :] + r * (h_prev @ W_hn.T + b_hn))  # (N, H)
        else:
            n = np.tanh(xw[:, 2 * H :] + (r * h_prev) @ W_hn.T + b_hn)  # (N, H)
        h_prev = z * h_prev + (1 - z) * n if update == "cho" else (1 - z) * h_prev + z * n
        out.append(h_prev)
    return np.stack(out, axis=1)  # (N, T, H)


def flip_update_gate(W_xh, W_hh, b_xh, b_hh):
    """Negate the z block (rows H..2H) of every weight and bias: z becomes 1 - z exactly.

    Inputs: W_xh (3H, D), W_hh (3H, H), b_xh (3H,), b_hh (3H,). Never modified.
    Returns: the four arrays, copied, with the z block negated.
    """
    dims = {}
    arrays = check_cell_args(3, dims, W_hh=W_hh, W_xh=W_xh, b_xh=b_xh, b_hh=b_hh)
    H = dims["H"]
    flipped = []
    for a in arrays:
        a = np.array(a, copy=True)
        a[H : 2 * H] *= -1.0
        flipped.append(a)
    W_hh, W_xh, b_xh, b_hh = flipped
    return W_xh, W_hh, b_xh, b_hh
