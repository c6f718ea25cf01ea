"""Copy numpy weights into torch modules, so that torch can serve as the reference."""
from __future__ import annotations

import numpy as np

from ._validate import check_array

__all__ = ["torch_rnn"]


def torch_rnn(W_xh, W_hh, b_h=None, dtype=None):
    """A one-layer, batch-first torch.nn.RNN(tanh) holding exactly these weights.

    Inputs:
    - W_xh: (H, D), W_hh: (H, H), b_h: (H,) or None for an RNN without bias.
    - dtype: torch dtype (default torch.float64, for parity checks).
    Returns: torch.nn.RNN; its weight_ih_l0 is W_xh and weight_hh_l0 is W_hh. With a bias, torch
    has two (b_ih and b_hh); b_h goes into bias_ih_l0 and bias_hh_l0 is zero.
    """
    import torch

    dtype = torch.float64 if dtype is None else dtype
    dims = {}
    W_xh = check_array("W_xh", W_xh, ("H", "D"), dims)
    W_hh = check_array("W_hh", W_hh, ("H", "H"), dims)
    if b_h is not None:
        b_h = check_array("b_h", b_h, ("H",), dims)
    H, D = W_xh.shape
    rnn = torch.nn.RNN(D, H, nonlinearity="tanh", bias=b_h is not None, batch_first=True, dtype=dtype)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(W_xh)))
        rnn.weight_hh_l0.copy_(torch.from_numpy(np.ascontiguousarray(W_hh)))
        if b_h is not None:
            rnn.bias_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(b_h)))
            rnn.bias_hh_l0.zero_()
    return rnn
