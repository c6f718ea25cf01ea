"""Seeding for reproducible notebooks and tests."""
from __future__ import annotations

import random

import numpy as np

from ._validate import check_rng, check_seed

__all__ = ["set_seed", "torch_seed"]


def set_seed(seed=0):
    """Seed Python's `random`, NumPy's global generator and torch; return a fresh np.random.Generator.

    Prefer the returned generator (or one made with np.random.default_rng(seed)) and pass it on
    explicitly where randomness matters; the global seeds are for code that does not take one.
    """
    seed = check_seed("seed", seed)
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # torch is optional for the numpy parts
        pass
    else:
        torch.manual_seed(seed)
    return np.random.default_rng(seed)


def torch_seed(rng):
    """The int a torch loop passes to torch.manual_seed, from the course's one rule for randomness (rng):
    an int seed is used as it is (so rng=0 reproduces seed=0), a np.random.Generator gives its next
    integer below 2**31, None a fresh one."""
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return int(rng)
    return int(check_rng("rng", rng).integers(2**31))
