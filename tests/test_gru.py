"""Checks of the GRU alone; the checks every cell shares are in test_cells.py."""
import numpy as np
from cells import CELLS

from rnnlib import rel_error
from rnnlib.gru import gru_forward, gru_step_forward


def test_one_unit_by_hand():
    # H = D = 1, x = 0, h_prev = 2, W_xh = 0, W_hh = (0, 0, 1): the hidden term of n is h_prev + b_hn.
    # b_xh = (0, ln 3, 0) and b_hh = (ln 3, 0, -1): r = sigmoid(ln 3) = 3/4, z = 3/4,
    # n = tanh(r * (2 - 1)) = tanh(3/4), h = (1 - z) n + z h_prev = tanh(3/4)/4 + 3/2.
    h, _ = gru_step_forward(np.zeros((1, 1)), np.array([[2.0]]), np.zeros((3, 1)), np.array([[0.0], [0.0], [1.0]]),
                            np.array([0.0, np.log(3.0), 0.0]), np.array([np.log(3.0), 0.0, -1.0]))
    np.testing.assert_allclose(h, [[np.tanh(0.75) / 4 + 1.5]], rtol=1e-15)


def test_the_two_biases_differ_only_in_the_n_block():
    # Moving b_hh into b_xh leaves r and z unchanged (only sums matter there) but changes n.
    rng = np.random.default_rng(7)
    p = CELLS["gru"].params(rng, 3, 4)
    x, h0 = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 4))
    h, _ = gru_forward(x, h0, **p)
    moved_rz = {**p, "b_xh": p["b_xh"] + np.r_[p["b_hh"][:8], 0 * p["b_hh"][8:]],
                "b_hh": np.r_[0 * p["b_hh"][:8], p["b_hh"][8:]]}
    np.testing.assert_allclose(gru_forward(x, h0, **moved_rz)[0], h, rtol=0, atol=1e-14)
    moved_all = {**p, "b_xh": p["b_xh"] + p["b_hh"], "b_hh": np.zeros(12)}
    assert rel_error(gru_forward(x, h0, **moved_all)[0], h) > 1e-3
