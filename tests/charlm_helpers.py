"""Shared helpers for the character-model tests (test_charlm, test_sampling, test_charplots, test_charloop)."""
import numpy as np

from rnnlib.charlm import init_params


def problem(N, T, V, H, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    params = init_params(V, H, rng, dtype, scale=0.5)
    params["b_h"] += rng.normal(scale=0.5, size=H).astype(dtype)
    params["b_y"] += rng.normal(scale=0.5, size=V).astype(dtype)
    idx, targets = rng.integers(0, V, (N, T)), rng.integers(0, V, (N, T))
    return params, idx, targets, rng.normal(scale=0.5, size=(N, H)).astype(dtype)
