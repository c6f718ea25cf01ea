"""Small worked examples shared by several notebooks and tests."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .text import Vocabulary

__all__ = ["DogsExample", "dogs_example"]


class DogsExample(NamedTuple):
    """The seed slides' 3-hidden-unit RNN over the letters d, o, g, s (h0 = 0, no biases).

    The slides write columns: h_t = tanh(W_H h_{t-1} + W_X x_t), y_t = softmax(W_Y h_t), with
    W_X (3x4), W_H (3x3), W_Y (4x3). Here W_xh = W_X, W_hh = W_H, W_hy = W_Y, used in row form
    h = tanh(x @ W_xh.T + h_prev @ W_hh.T).
    """

    vocab: Vocabulary  # order d, o, g, s (the slides' one-hot order, not sorted)
    W_xh: np.ndarray  # (H, D) = (3, 4)
    W_hh: np.ndarray  # (H, H) = (3, 3)
    W_hy: np.ndarray  # (V, H) = (4, 3)
    b_h: np.ndarray  # (H,) zeros
    b_y: np.ndarray  # (V,) zeros


def dogs_example():
    """The slides' "dogs" weights as fresh float64 arrays (safe to modify)."""
    return DogsExample(
        vocab=Vocabulary(order="dogs"),
        W_xh=np.array([[0.6, 0.8, 0.4, 0.8], [0.2, 0.2, 0.8, 0.7], [0.9, 0.8, 0.1, 0.2]]),
        W_hh=np.array([[0.1, 0.5, 0.1], [0.5, 0.9, 0.3], [0.3, 0.2, 0.1]]),
        W_hy=np.array([[0.9, 0.8, 0.3], [0.2, 0.3, 0.4], [0.6, 0.9, 0.1], [0.5, 0.0, 0.3]]),
        b_h=np.zeros(3),
        b_y=np.zeros(4),
    )
