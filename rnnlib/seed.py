"""Seeding for reproducible notebooks and tests."""
from __future__ import annotations

import random

import numpy as np

__all__ = ["set_seed"]


def set_seed(seed=0):
    """Seed Python's `random`, NumPy's global generator and torch; return a fresh np.random.Generator.

    Prefer the returned generator (or one made with np.random.default_rng(seed)) and pass it on
    explicitly where randomness matters; the global seeds are for code that does not take one.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # torch is optional for the numpy parts
        pass
    else:
        torch.manual_seed(seed)
    return np.random.default_rng(seed)
