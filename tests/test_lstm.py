"""Checks of the LSTM alone; the checks every cell shares are in test_cells.py."""
import numpy as np
import pytest
from cells import CELLS

from rnnlib import gradcheck
from rnnlib.lstm import lstm_forward, lstm_scan_backward, lstm_step_forward, sigmoid
from rnnlib.torch_bridge import torch_lstm_stack

params = CELLS["lstm"].params


def test_sigmoid_is_stable_and_exact():
    a = np.array([-800.0, -3.0, 0.0, 2.0, 800.0])
    with np.errstate(over="raise"):
        s = sigmoid(a)
    np.testing.assert_allclose(s[1:4], 1 / (1 + np.exp(-a[1:4])), rtol=1e-15)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5


def test_one_unit_by_hand():
    # H = D = 1, W = 0, biases chosen so the gates are known: a = b_h = (0, ln 3, atanh(1/2), 0) gives
    # i = o = 1/2, f = sigmoid(ln 3) = 3/4, g = tanh(atanh(1/2)) = 1/2.
    b_h = np.array([0.0, np.log(3.0), np.arctanh(0.5), 0.0])
    h, c, _ = lstm_step_forward(np.zeros((1, 1)), np.zeros((1, 1)), np.array([[2.0]]), np.zeros((4, 1)),
                                np.zeros((4, 1)), b_h)
    # c = f c_prev + i g = 3/4 * 2 + 1/2 * 1/2 = 1.75; h = o tanh(c) = tanh(1.75) / 2
    np.testing.assert_allclose(c, [[1.75]], rtol=1e-15)
    np.testing.assert_allclose(h, [[np.tanh(1.75) / 2]], rtol=1e-15)


def test_c0_defaults_to_zeros():
    rng = np.random.default_rng(0)
    p = params(rng, 3, 4)
    x, h0 = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 4))
    np.testing.assert_array_equal(lstm_forward(x, h0, **p)[0], lstm_forward(x, h0, **p, c0=np.zeros((2, 4)))[0])
    assert not np.allclose(lstm_forward(x, h0, **p)[0], lstm_forward(x, h0, **p, c0=np.ones((2, 4)))[0])


def test_scan_backward_gives_dc0_and_takes_dc_last():
    rng = np.random.default_rng(5)
    N, T, D, H = 2, 4, 3, 3
    inputs = {"x": rng.normal(size=(N, T, D)), "h0": rng.normal(size=(N, H)), **params(rng, D, H),
              "c0": rng.normal(size=(N, H))}
    dh, dc_last = rng.normal(size=(N, T, H)), rng.normal(size=(N, H))
    _, cache = lstm_forward(**inputs)
    _, _, dc0, _ = lstm_scan_backward(dh.transpose(1, 0, 2), cache, dc_last)

    def loss(**a):
        h, c = lstm_forward(**a)
        return np.sum(h * dh) + np.sum(c.cs[-1] * dc_last)

    assert gradcheck(loss, inputs, {"c0": dc0})["c0"] <= 1e-8


def test_forward_rejects_a_bad_c0_by_name():
    args = {"x": np.zeros((2, 3, 4)), "h0": np.zeros((2, 5)), **params(np.random.default_rng(0), 4, 5)}
    with pytest.raises(ValueError, match=r"^c0 must have shape \(N, H\) = \(2, 5\)"):
        lstm_forward(**args, c0=np.zeros((2, 4)))
    with pytest.raises(ValueError, match="^c0 must be a floating-point array"):
        lstm_forward(**args, c0=np.zeros((2, 5), int))


def test_step_forward_rejects_bad_shapes():
    x, h, W_xh, W_hh, b = np.zeros((2, 4)), np.zeros((2, 3)), np.zeros((12, 4)), np.zeros((12, 3)), np.zeros(12)
    with pytest.raises(ValueError, match=r"^c_prev must have shape \(N, H\) = \(2, 3\)"):
        lstm_step_forward(x, h, np.zeros((2, 4)), W_xh, W_hh, b)
    with pytest.raises(ValueError, match=r"^W_xh must have shape \(4H, D\) = \(12, 4\)"):
        lstm_step_forward(x, h, h, np.zeros((9, 4)), W_hh, b)


def test_torch_stack_rejects_mismatched_layers():
    rng = np.random.default_rng(0)
    p = params(rng, 3, 2)
    with pytest.raises(ValueError, match=r"^layers\[1\] W_xh must have shape \(4H, D\) = \(8, 2\)"):
        torch_lstm_stack([(p["W_xh"], p["W_hh"], p["b_h"]), (p["W_xh"], p["W_hh"], p["b_h"])])
    with pytest.raises(ValueError, match="^layers must be a non-empty list"):
        torch_lstm_stack([])
