"""Shared helper for the character-model tests (test_charlm, test_sampling, test_charplots, test_charloop)."""
import numpy as np
from conftest import random_problem

from rnnlib.charlm import PARAM_NAMES


def problem(N, T, V, H, seed=0, dtype=np.float64):
    """conftest.random_problem as the character model sees it (one-hot inputs: D = V).

    Returns (params with W_xh (H, V), W_hh, b_h, W_hy (V, H), b_y; idx (N, T); targets (N, T); h0 (N, H)).
    """
    p = random_problem(N=N, T=T, D=V, H=H, V=V, seed=seed, dtype=dtype)
    return {k: p.params[k] for k in PARAM_NAMES}, p.idx, p.targets, p.h0
