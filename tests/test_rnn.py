"""Checks of the tanh RNN alone; the checks every cell shares are in test_cells.py."""
import numpy as np
from cells import CELLS

from rnnlib import rnn_backward, rnn_forward, rnn_step_forward


def test_dogs_first_step_matches_slides():
    # The seed slides' example: x_1 = one-hot "d", h0 = 0, no bias -> h1 = (0.54, 0.20, 0.72).
    W_xh = np.array([[0.6, 0.8, 0.4, 0.8], [0.2, 0.2, 0.8, 0.7], [0.9, 0.8, 0.1, 0.2]])
    W_hh = np.array([[0.1, 0.5, 0.1], [0.5, 0.9, 0.3], [0.3, 0.2, 0.1]])
    x = np.array([[1.0, 0.0, 0.0, 0.0]])
    h1, _ = rnn_step_forward(x, np.zeros((1, 3)), W_xh, W_hh, np.zeros(3))
    np.testing.assert_allclose(h1[0], np.tanh([0.6, 0.2, 0.9]))
    np.testing.assert_allclose(np.round(h1[0], 2), [0.54, 0.20, 0.72])


def test_backward_leaves_the_cache_alone_and_h_is_a_copy():
    rng = np.random.default_rng(5)
    p = CELLS["rnn"].params(rng, 3, 4)
    x, h0, dh = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 5, 4))
    h, cache = rnn_forward(x, h0, **p)
    before = rnn_backward(dh, cache)
    snapshot = [np.copy(a) for a in (cache.x, cache.h0, cache.h, cache.W_xh, cache.W_hh)]
    h[:] = 0.0  # editing the returned states must not change what backward uses
    after = rnn_backward(dh, cache)
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(snapshot, (cache.x, cache.h0, cache.h, cache.W_xh, cache.W_hh)):
        np.testing.assert_array_equal(a, b)
