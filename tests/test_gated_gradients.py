import numpy as np
import pytest

from rnnlib.gated.gradients import decay_per_step, forget_path_gain, input_gradient_by_distance, torch_like_init
from rnnlib.gradcheck import numerical_gradient
from rnnlib.gru import gru_forward
from rnnlib.lstm import lstm_forward
from rnnlib.rnn import rnn_forward

FORWARD = {"rnn": rnn_forward, "lstm": lstm_forward, "gru": gru_forward}


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_input_gradients_match_centered_differences(kind):
    rng = np.random.default_rng(0)
    N, T, D, H = 2, 5, 3, 4
    p = torch_like_init(kind, D, H, rng)
    x = rng.normal(size=(N, T, D))
    g = input_gradient_by_distance(kind, x, p, np.random.default_rng(7))
    u = np.random.default_rng(7).normal(size=(N, H))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    num = numerical_gradient(lambda v: np.sum(FORWARD[kind](v, np.zeros((N, H)), **p)[0][:, -1] * u), x)
    expected = np.linalg.norm(num, axis=2).mean(axis=0)[::-1]  # by distance from the end
    np.testing.assert_allclose(g, expected, rtol=1e-7)


def test_forget_path_gain_with_constant_gates():
    # With W_xh = W_hh = 0 every forget gate is sigmoid(b_f), so the gain after d steps is d log10 sigmoid(b_f).
    H, b_f = 3, 1.0
    b_h = np.zeros(4 * H)
    b_h[H : 2 * H] = b_f
    _, cache = lstm_forward(np.ones((2, 6, 2)), np.zeros((2, H)), np.zeros((4 * H, 2)), np.zeros((4 * H, H)), b_h)
    expected = np.arange(6) * np.log10(1 / (1 + np.exp(-b_f)))
    np.testing.assert_allclose(forget_path_gain(cache), expected, rtol=1e-14, atol=1e-15)


def test_torch_like_init_ranges_and_forget_bias():
    H = 4
    p0 = torch_like_init("lstm", 3, H, np.random.default_rng(1))
    p1 = torch_like_init("lstm", 3, H, np.random.default_rng(1), forget_bias=1.0)
    assert p0["W_xh"].shape == (16, 3) and p0["W_hh"].shape == (16, 4) and p0["b_h"].shape == (16,)
    assert np.abs(p0["W_hh"]).max() <= 0.5 and np.abs(p0["b_h"]).max() <= 1.0  # 1/sqrt(4), and a sum of two
    np.testing.assert_allclose(p1["b_h"] - p0["b_h"], np.r_[np.zeros(4), np.ones(4), np.zeros(8)], atol=1e-15)
    p2 = torch_like_init("lstm", 3, H, np.random.default_rng(1), remember_bias=2.0)
    np.testing.assert_allclose(p2["b_h"] - p0["b_h"], np.r_[-2 * np.ones(4), 2 * np.ones(4), np.zeros(8)], atol=1e-15)
    g0 = torch_like_init("gru", 3, H, np.random.default_rng(1))
    g2 = torch_like_init("gru", 3, H, np.random.default_rng(1), remember_bias=2.0)
    assert set(g0) == {"W_xh", "W_hh", "b_xh", "b_hh"}
    np.testing.assert_allclose(g2["b_xh"] - g0["b_xh"], np.r_[np.zeros(4), 2 * np.ones(4), np.zeros(4)], atol=1e-15)


def test_decay_per_step_recovers_a_geometric_rate():
    g = 3.0 * 0.5 ** np.arange(30)
    assert decay_per_step(g) == pytest.approx(np.log10(0.5), rel=1e-12)


def test_torch_like_init_takes_what_check_rng_takes():
    by_seed = torch_like_init("gru", 3, 4, 7)
    by_generator = torch_like_init("gru", 3, 4, np.random.default_rng(7))
    for name, value in by_generator.items():
        np.testing.assert_array_equal(by_seed[name], value)
    assert torch_like_init("lstm", 3, 4, None)["W_xh"].shape == (16, 3)


def test_bad_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="kind must be one of"):
        torch_like_init("lstm2", 3, 4, rng)
    with pytest.raises(ValueError, match="forget_bias applies to kind='lstm' only"):
        torch_like_init("gru", 3, 4, rng, forget_bias=1.0)
    with pytest.raises(ValueError, match="remember_bias applies to gated cells"):
        torch_like_init("rnn", 3, 4, rng, remember_bias=1.0)
    with pytest.raises(ValueError, match="rng must be a np.random.Generator, a seed"):
        torch_like_init("rnn", 3, 4, "0")
    with pytest.raises(ValueError, match="cache must be the LSTMCache"):
        forget_path_gain((1, 2))
    with pytest.raises(ValueError, match="g must be a 1-D array of positive values"):
        decay_per_step(np.r_[np.ones(10), 0.0])
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, D\)"):
        input_gradient_by_distance("rnn", np.zeros((2, 3)), torch_like_init("rnn", 3, 4, rng), rng)
