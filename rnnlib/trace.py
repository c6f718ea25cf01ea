"""A step-by-step record of an RNN reading a word: every a_t, h_t, logit and probability.

`rnn_forward` returns only the hidden states; for teaching we also want the pre-activations
a_t (before tanh) and each step's output distribution, one array per quantity. The recurrence
itself is rnnlib.rnn.rnn_forward and the output layer rnnlib.layers.affine_forward; this
module only keeps what they compute along the way, one row per step:

    a_t = x_t @ W_xh.T + h_{t-1} @ W_hh.T + b_h      (H,)
    h_t = tanh(a_t)                                   (H,)
    z_t = h_t @ W_hy.T + b_y                          (V,)  logits
    y_t = softmax(z_t)                                (V,)  probabilities of the next symbol
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import check_array
from .examples import dogs_example
from .layers import affine_forward, softmax
from .rnn import rnn_forward
from .text import Vocabulary

__all__ = ["ForwardTrace", "trace_forward", "dogs_trace"]


class ForwardTrace(NamedTuple):
    """Everything computed while reading `word`; row t - 1 of each array belongs to step t."""

    word: str
    symbols: tuple  # the vocabulary in one-hot order (labels for x and y)
    x: np.ndarray  # (T, D) one-hot inputs
    h_prev: np.ndarray  # (T, H) h_{t-1}: the state each step starts from
    a: np.ndarray  # (T, H) pre-activations
    h: np.ndarray  # (T, H) hidden states h_1 .. h_T
    z: np.ndarray  # (T, V) logits
    y: np.ndarray  # (T, V) probabilities

    @property
    def predictions(self):
        """The most probable next symbol after each step, as a string of length T."""
        return "".join(self.symbols[i] for i in self.y.argmax(axis=1))


def _check_word(word, vocab):
    letters = ", ".join(vocab.symbols)
    if not isinstance(word, str):
        raise ValueError(f"word must be a string of the letters {letters}; got {word!r}")
    if not word:
        raise ValueError(f"word must have at least one letter from {letters}; got an empty word")
    unknown = sorted(set(word) - set(vocab.symbols))
    if unknown:
        raise ValueError(
            f"word must use only the letters {letters}; got {word!r}, "
            f"and {', '.join(repr(s) for s in unknown)} {'is' if len(unknown) == 1 else 'are'} not in the vocabulary"
        )


def trace_forward(word, vocab, W_xh, W_hh, W_hy, b_h=None, b_y=None, h0=None):
    """Run a tanh RNN with a softmax output over one word and keep every intermediate value.

    Inputs:
    - word: non-empty string of symbols from `vocab`; T = len(word).
    - vocab: Vocabulary; its order is the one-hot order, so D = V = len(vocab).
    - W_xh: (H, D), W_hh: (H, H), W_hy: (V, H) weights.
    - b_h: (H,) and b_y: (V,) biases, zeros if None.
    - h0: (H,) initial state, zeros if None.
    Returns:
    - ForwardTrace with x (T, D), h_prev, a, h (T, H), z, y (T, V).
    Raises ValueError naming the argument for a bad word or a wrong shape.
    """
    if not isinstance(vocab, Vocabulary):
        raise ValueError(f"vocab must be a rnnlib.text.Vocabulary; got {type(vocab).__name__}")
    _check_word(word, vocab)
    dims = {"D": len(vocab), "V": len(vocab)}
    W_xh = check_array("W_xh", W_xh, ("H", "D"), dims)
    W_hh = check_array("W_hh", W_hh, ("H", "H"), dims)
    W_hy = check_array("W_hy", W_hy, ("V", "H"), dims)
    H = dims["H"]
    b_h = np.zeros(H) if b_h is None else check_array("b_h", b_h, ("H",), dims)
    b_y = np.zeros(dims["V"]) if b_y is None else check_array("b_y", b_y, ("V",), dims)
    h0 = np.zeros(H) if h0 is None else check_array("h0", h0, ("H",), dims)

    x = vocab.one_hot(word)  # (T, D)
    h = rnn_forward(x[None], h0[None], W_xh, W_hh, b_h)[0][0]  # (T, H): one sequence, N = 1
    h_prev = np.concatenate([h0[None], h[:-1]])  # (T, H): h_0 .. h_{T-1}
    a = x @ W_xh.T + h_prev @ W_hh.T + b_h  # (T, H): what each step passed through tanh
    z = affine_forward(h[None], W_hy, b_y)[0][0]  # (T, V)
    return ForwardTrace(word, vocab.symbols, x, h_prev, a, h, z, softmax(z, axis=1))


def dogs_trace(word):
    """trace_forward with the slides' "dogs" network (letters d, o, g, s; 3 hidden units; no biases)."""
    ex = dogs_example()
    return trace_forward(word, ex.vocab, ex.W_xh, ex.W_hh, ex.W_hy, ex.b_h, ex.b_y)
