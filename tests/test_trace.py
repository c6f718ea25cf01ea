import itertools

import numpy as np
import pytest
import torch

from rnnlib import Vocabulary, rnn_forward, softmax
from rnnlib.torch_bridge import torch_rnn
from rnnlib.examples import dogs_example
from rnnlib.trace import ForwardTrace, dogs_trace, trace_forward


def test_dogs_first_step_is_the_slides_worked_example():
    tr = dogs_trace("d")
    # x_1 = one-hot 'd' and h_0 = 0, so a_1 is W_X's first column.
    np.testing.assert_allclose(tr.a[0], [0.6, 0.2, 0.9], rtol=0, atol=1e-15)
    np.testing.assert_allclose(tr.h[0], np.tanh([0.6, 0.2, 0.9]), rtol=0, atol=1e-15)
    np.testing.assert_array_equal(np.round(tr.h[0], 2), [0.54, 0.20, 0.72])
    np.testing.assert_array_equal(np.round(tr.y[0], 4), [0.3216, 0.2149, 0.2419, 0.2215])
    np.testing.assert_array_equal(np.round(tr.y[0], 2), [0.32, 0.21, 0.24, 0.22])


def test_dogs_hidden_states_over_dog():
    tr = dogs_trace("dog")
    expected = [[0.537, 0.1974, 0.7163], [0.7715, 0.6968, 0.7903], [0.7185, 0.9674, 0.5004]]
    np.testing.assert_allclose(tr.h, expected, rtol=0, atol=5e-5)
    np.testing.assert_array_equal(tr.h_prev[0], np.zeros(3))
    np.testing.assert_array_equal(tr.h_prev[1:], tr.h[:-1])


@pytest.mark.parametrize("word", ["d", "dog", "sgod", "ggoodd"])
def test_trace_matches_the_slides_column_form_step_by_step(word):
    # An independent loop in the slides' column form: a_t = W_X x_t + W_H h_{t-1}, columns (k, 1).
    ex = dogs_example()
    tr = dogs_trace(word)
    h = np.zeros((3, 1))
    for t, letter in enumerate(word):
        x = np.zeros((4, 1))
        x["dogs".index(letter)] = 1.0
        np.testing.assert_array_equal(tr.x[t], x.ravel())
        np.testing.assert_allclose(tr.h_prev[t], h.ravel(), rtol=0, atol=1e-15)
        a = ex.W_xh @ x + ex.W_hh @ h
        np.testing.assert_allclose(tr.a[t], a.ravel(), rtol=0, atol=1e-14)
        h = np.tanh(a)
        np.testing.assert_allclose(tr.h[t], h.ravel(), rtol=0, atol=1e-14)
        z = ex.W_hy @ h
        np.testing.assert_allclose(tr.z[t], z.ravel(), rtol=0, atol=1e-14)
        np.testing.assert_allclose(tr.y[t], (np.exp(z) / np.exp(z).sum()).ravel(), rtol=0, atol=1e-15)


def test_untrained_dogs_network_can_never_predict_s():
    # All weights are >= 0 and inputs are one-hot, so a_t > 0 and h_t > 0; W_hy's 'd' row is >= its
    # 's' row entry by entry (0.9 >= 0.5, 0.8 >= 0, 0.3 >= 0.3), so z_d > z_s for every word.
    words = ["".join(p) for n in (1, 2, 3) for p in itertools.product("dogs", repeat=n)]
    assert len(set(words)) == 4 + 16 + 64
    for word in words:
        tr = dogs_trace(word)
        assert np.all(tr.z[:, 0] > tr.z[:, 3])
        assert "s" not in tr.predictions
    assert dogs_trace("dog").predictions == "ddd"


@pytest.mark.parametrize("T,V,H", [(1, 1, 1), (3, 4, 3), (6, 5, 7)])
def test_trace_matches_rnn_forward_and_torch(T, V, H):
    rng = np.random.default_rng(T * 100 + V * 10 + H)
    vocab = Vocabulary("abcdefg"[:V])
    word = "".join(rng.choice(list(vocab.symbols), size=T))
    W_xh, W_hh, W_hy = rng.normal(size=(H, V)), rng.normal(size=(H, H)), rng.normal(size=(V, H))
    b_h, b_y, h0 = rng.normal(size=H), rng.normal(size=V), rng.normal(size=H)
    tr = trace_forward(word, vocab, W_xh, W_hh, W_hy, b_h, b_y, h0)
    assert isinstance(tr, ForwardTrace)
    assert tr.x.shape == (T, V) and tr.a.shape == tr.h.shape == tr.h_prev.shape == (T, H)
    assert tr.z.shape == tr.y.shape == (T, V)
    np.testing.assert_array_equal(tr.x.argmax(axis=1), vocab.encode(word))
    h, _ = rnn_forward(tr.x[None], h0[None], W_xh, W_hh, b_h)
    np.testing.assert_allclose(tr.h, h[0], rtol=0, atol=1e-13)
    np.testing.assert_allclose(np.tanh(tr.a), tr.h, rtol=0, atol=1e-15)
    out, _ = torch_rnn(W_xh, W_hh, b_h)(torch.tensor(tr.x[None]), torch.tensor(h0[None, None]))
    np.testing.assert_allclose(tr.h, out.detach().numpy()[0], rtol=0, atol=1e-13)
    probs = torch.softmax(out[0] @ torch.tensor(W_hy).T + torch.tensor(b_y), dim=1).detach().numpy()
    np.testing.assert_allclose(tr.y, probs, rtol=0, atol=1e-13)
    np.testing.assert_allclose(tr.y, softmax(tr.z, axis=1), rtol=0, atol=0)
    assert tr.predictions == "".join(vocab.symbols[i] for i in probs.argmax(axis=1))


def test_trace_does_not_modify_the_weights():
    ex = dogs_example()
    copies = [w.copy() for w in (ex.W_xh, ex.W_hh, ex.W_hy)]
    trace_forward("dogs", ex.vocab, ex.W_xh, ex.W_hh, ex.W_hy)
    for before, after in zip(copies, (ex.W_xh, ex.W_hh, ex.W_hy)):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize(
    "word,message",
    [
        ("", "word must have at least one letter from d, o, g, s; got an empty word"),
        ("cat", r"word must use only the letters d, o, g, s; got 'cat', and 'a', 'c', 't' are not"),
        ("dogx", r"got 'dogx', and 'x' is not in the vocabulary"),
        ("Dog", r"'D' is not in the vocabulary"),
        (["d", "o"], r"word must be a string of the letters d, o, g, s; got \['d', 'o'\]"),
        (None, "word must be a string"),
    ],
)
def test_bad_words_raise_friendly_errors(word, message):
    with pytest.raises(ValueError, match=message):
        dogs_trace(word)


@pytest.mark.parametrize(
    "name,shape,message",
    [
        ("W_xh", (3, 5), r"W_xh must have shape \(H, D\) = \(3, 4\); got \(3, 5\)"),
        ("W_hh", (3, 4), r"W_hh must have shape \(H, H\) = \(3, 3\); got \(3, 4\)"),
        ("W_hy", (3, 3), r"W_hy must have shape \(V, H\) = \(4, 3\); got \(3, 3\)"),
        ("b_h", (4,), r"b_h must have shape \(H,\) = \(3,\); got \(4,\)"),
        ("b_y", (3,), r"b_y must have shape \(V,\) = \(4,\); got \(3,\)"),
        ("h0", (1, 3), r"h0 must have shape \(H,\) = \(3,\) \(1-D\); got shape \(1, 3\)"),
    ],
)
def test_bad_shapes_name_the_argument(name, shape, message):
    ex = dogs_example()
    args = {"W_xh": ex.W_xh, "W_hh": ex.W_hh, "W_hy": ex.W_hy, "b_h": None, "b_y": None, "h0": None}
    args[name] = np.zeros(shape)
    with pytest.raises(ValueError, match=message):
        trace_forward("dog", ex.vocab, **args)


def test_vocab_must_be_a_vocabulary():
    ex = dogs_example()
    with pytest.raises(ValueError, match="vocab must be a rnnlib.text.Vocabulary; got str"):
        trace_forward("dog", "dogs", ex.W_xh, ex.W_hh, ex.W_hy)
