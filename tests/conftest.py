"""Shared fixtures for the tests: a seeded generator and a factory of small random problems.

    def test_something(make_problem):
        p = make_problem(N=2, T=3, D=4, H=5, V=6, seed=1)
        out, cache = rnn_forward(p.x, p.h0, p.params["W_xh"], p.params["W_hh"], p.params["b_h"])

    def test_lstm_shapes(make_problem):
        p = make_problem(gates=4)        # W_xh (4H, D), W_hh (4H, H), b_h (4H,): gates i, f, g, o
"""
from types import SimpleNamespace

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh np.random.Generator seeded with 0 (one per test, so tests do not share draws)."""
    return np.random.default_rng(0)


def random_problem(N=2, T=3, D=4, H=5, V=6, seed=0, scale=0.5, gates=1, dtype=np.float64):
    """A small random problem in the course's notation (the table in rnnlib/__init__.py's docstring:
    letters N, T, D, H, V; W_xh, W_hh, b_h, W_hy, b_y), every array drawn from one seeded generator.

    Returns a namespace with:
    - x (N, T, D) inputs, h0 (N, H) initial state, dh (N, T, H) an upstream gradient;
    - idx (N, T) input tokens and targets (N, T) target tokens, both in [0, V);
    - params: W_xh (gates*H, D), W_hh (gates*H, H), b_h (gates*H,), W_hy (V, H), b_y (V,),
      W_embed (V, D), all normal(0, scale) (biases too, so no gradient is trivially zero);
    - N, T, D, H, V, and rng: the generator after these draws, for anything else a test needs.
    """
    gen = np.random.default_rng(seed)

    def normal(*shape):
        return (scale * gen.standard_normal(shape)).astype(dtype)

    G = gates * H
    params = {"W_xh": normal(G, D), "W_hh": normal(G, H), "b_h": normal(G),
              "W_hy": normal(V, H), "b_y": normal(V), "W_embed": normal(V, D)}
    return SimpleNamespace(
        N=N, T=T, D=D, H=H, V=V, params=params,
        x=normal(N, T, D), h0=normal(N, H), dh=normal(N, T, H),
        idx=gen.integers(0, V, (N, T)), targets=gen.integers(0, V, (N, T)), rng=gen,
    )


@pytest.fixture
def make_problem():
    """The factory random_problem(N=2, T=3, D=4, H=5, V=6, seed=0, scale=0.5, gates=1, dtype=float64)."""
    return random_problem
