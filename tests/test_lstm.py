import numpy as np
import pytest
import torch

from rnnlib import gradcheck, rel_error
from rnnlib.lstm import (
    LSTMCache,
    lstm_backward,
    lstm_forward,
    lstm_scan_backward,
    lstm_step_backward,
    lstm_step_forward,
    sigmoid,
    split_gates,
)
from rnnlib.torch_bridge import torch_lstm, torch_lstm_stack

SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 7, 2, 6)]  # (N, T, D, H)


def params(rng, D, H, scale=0.5):
    return {
        "W_xh": rng.normal(scale=scale, size=(4 * H, D)),
        "W_hh": rng.normal(scale=scale, size=(4 * H, H)),
        "b_h": rng.normal(scale=scale, size=(4 * H,)),
    }


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


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_forward_shapes_and_step_equivalence(N, T, D, H):
    rng = np.random.default_rng(0)
    p = params(rng, D, H)
    x, h0, c0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    h, cache = lstm_forward(x, h0, **p, c0=c0)
    assert h.shape == (N, T, H) and h.dtype == np.float64 and isinstance(cache, LSTMCache)
    h_prev, c_prev = h0, c0
    for t in range(T):
        h_prev, c_prev, step = lstm_step_forward(x[:, t], h_prev, c_prev, **p)
        np.testing.assert_allclose(h[:, t], h_prev, rtol=0, atol=1e-14)
        np.testing.assert_allclose(cache.c[:, t], c_prev, rtol=0, atol=1e-14)
        for name, value in split_gates(step.ifgo).items():
            np.testing.assert_allclose(cache.gates[name][:, t], value, rtol=0, atol=1e-14)


def test_c0_defaults_to_zeros_and_float32_stays_float32():
    rng = np.random.default_rng(0)
    p = params(rng, 3, 4)
    x, h0 = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 4))
    np.testing.assert_array_equal(lstm_forward(x, h0, **p)[0], lstm_forward(x, h0, **p, c0=np.zeros((2, 4)))[0])
    p32 = {k: v.astype(np.float32) for k, v in p.items()}
    h, _ = lstm_forward(x.astype(np.float32), h0.astype(np.float32), **p32)
    assert h.dtype == np.float32


@pytest.mark.parametrize("N,D,H", [(1, 1, 1), (4, 3, 5)])
def test_step_backward_gradcheck(N, D, H):
    rng = np.random.default_rng(1)
    inputs = {"x": rng.normal(size=(N, D)), "h_prev": rng.normal(size=(N, H)), "c_prev": rng.normal(size=(N, H)),
              **params(rng, D, H)}
    dh_next, dc_next = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    _, _, cache = lstm_step_forward(**inputs)
    copies = dh_next.copy(), dc_next.copy()
    grads = dict(zip(inputs, lstm_step_backward(dh_next, dc_next, cache)))
    np.testing.assert_array_equal(dh_next, copies[0])  # backward never mutates its upstream gradients
    np.testing.assert_array_equal(dc_next, copies[1])

    def loss(**a):
        h, c, _ = lstm_step_forward(**a)
        return np.sum(h * dh_next) + np.sum(c * dc_next)

    errors = gradcheck(loss, inputs, grads)
    assert max(errors.values()) <= 1e-8, errors


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_backward_gradcheck(N, T, D, H):
    rng = np.random.default_rng(2)
    inputs = {"x": rng.normal(size=(N, T, D)), "h0": rng.normal(size=(N, H)), **params(rng, D, H),
              "c0": rng.normal(size=(N, H))}
    dh = rng.normal(size=(N, T, H))
    _, cache = lstm_forward(**inputs)
    dh_copy = dh.copy()
    grads = dict(zip(["x", "h0", "W_xh", "W_hh", "b_h"], lstm_backward(dh, cache)))
    np.testing.assert_array_equal(dh, dh_copy)
    errors = gradcheck(lambda **a: np.sum(lstm_forward(**a)[0] * dh), inputs, grads)
    assert max(errors.values()) <= 1e-8, errors


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


def _torch_run(module, x, h0, c0, dh):
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0, requires_grad=True)  # (layers, N, H)
    c0t = torch.tensor(c0)
    out, _ = module(xt, (h0t, c0t))
    (out * torch.tensor(dh)).sum().backward()
    return out.detach().numpy(), xt.grad.numpy(), h0t.grad.numpy()


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_torch_parity_forward_and_backward(N, T, D, H):
    rng = np.random.default_rng(3)
    p = params(rng, D, H)
    x, h0, c0, dh = (rng.normal(size=s) for s in [(N, T, D), (N, H), (N, H), (N, T, H)])
    h, cache = lstm_forward(x, h0, **p, c0=c0)
    dx, dh0, dW_xh, dW_hh, db_h = lstm_backward(dh, cache)

    module = torch_lstm(**p)
    out, dxt, dh0t = _torch_run(module, x, h0[None], c0[None], dh)
    assert rel_error(h, out) <= 1e-10
    assert rel_error(dx, dxt) <= 1e-10
    assert rel_error(dh0, dh0t[0]) <= 1e-10
    assert rel_error(dW_xh, module.weight_ih_l0.grad.numpy()) <= 1e-10
    assert rel_error(dW_hh, module.weight_hh_l0.grad.numpy()) <= 1e-10
    assert rel_error(db_h, module.bias_ih_l0.grad.numpy()) <= 1e-10
    assert rel_error(db_h, module.bias_hh_l0.grad.numpy()) <= 1e-10  # the two torch biases are one sum


def test_torch_parity_two_layers():
    rng = np.random.default_rng(6)
    N, T, D, H = 3, 6, 4, 5
    layers = [params(rng, D, H), params(rng, H, H)]
    x, dh = rng.normal(size=(N, T, D)), rng.normal(size=(N, T, H))
    h0, c0 = rng.normal(size=(2, N, H)), rng.normal(size=(2, N, H))
    h1, cache1 = lstm_forward(x, h0[0], **layers[0], c0=c0[0])
    h2, cache2 = lstm_forward(h1, h0[1], **layers[1], c0=c0[1])
    dh1, dh0_2, *grads2 = lstm_backward(dh, cache2)
    dx, dh0_1, *grads1 = lstm_backward(dh1, cache1)

    module = torch_lstm_stack([(p["W_xh"], p["W_hh"], p["b_h"]) for p in layers])
    out, dxt, dh0t = _torch_run(module, x, h0, c0, dh)
    assert rel_error(h2, out) <= 1e-10
    assert rel_error(dx, dxt) <= 1e-10
    assert rel_error(np.stack([dh0_1, dh0_2]), dh0t) <= 1e-10
    for k, grads in enumerate([grads1, grads2]):
        for g, name in zip(grads, ["weight_ih", "weight_hh", "bias_ih"]):
            assert rel_error(g, getattr(module, f"{name}_l{k}").grad.numpy()) <= 1e-10, (k, name)


def test_torch_lstm_without_bias_matches_zero_bias():
    rng = np.random.default_rng(4)
    p = params(rng, 3, 2)
    x = rng.normal(size=(1, 4, 3))
    h, _ = lstm_forward(x, np.zeros((1, 2)), p["W_xh"], p["W_hh"], np.zeros(8))
    out, _ = torch_lstm(p["W_xh"], p["W_hh"])(torch.tensor(x))
    assert rel_error(h, out.detach().numpy()) <= 1e-12


GOOD = {"x": (2, 3, 4), "h0": (2, 5), "W_xh": (20, 4), "W_hh": (20, 5), "b_h": (20,)}


@pytest.mark.parametrize(
    "name,shape,message",
    [
        ("x", (2, 3), r"x must have shape \(N, T, D\) \(3-D\)"),
        ("h0", (3, 5), r"h0 must have shape \(N, H\) = \(2, 5\); got \(3, 5\)"),
        ("W_xh", (20, 3), r"W_xh must have shape \(4H, D\) = \(20, 4\); got \(20, 3\)"),
        ("W_xh", (5, 4), r"W_xh must have shape \(4H, D\) = \(20, 4\); got \(5, 4\)"),
        ("W_hh", (20, 4), r"W_hh must have shape \(4H, H\) = \(20, 5\); got \(20, 4\)"),
        ("W_hh", (20,), r"W_hh must have shape \(4H, H\) = \(20, 5\) \(2-D\); got shape \(20,\)"),
        ("b_h", (5,), r"b_h must have shape \(4H,\) = \(20,\); got \(5,\)"),
    ],
)
def test_forward_rejects_bad_shapes(name, shape, message):
    args = {k: np.zeros(s) for k, s in GOOD.items()}
    args[name] = np.zeros(shape)
    with pytest.raises(ValueError, match=message):
        lstm_forward(**args)


def test_forward_rejects_bad_c0_dtype_and_empty_sequence():
    args = {k: np.zeros(s) for k, s in GOOD.items()}
    with pytest.raises(ValueError, match=r"c0 must have shape \(N, H\) = \(2, 5\)"):
        lstm_forward(**args, c0=np.zeros((2, 4)))
    with pytest.raises(ValueError, match="W_hh must be a floating-point array"):
        lstm_forward(**{**args, "W_hh": np.zeros((20, 5), int)})
    with pytest.raises(ValueError, match="x must have at least one time step"):
        lstm_forward(**{**args, "x": np.zeros((2, 0, 4))})


def test_step_forward_rejects_bad_shapes():
    x, h, W_xh, W_hh, b = np.zeros((2, 4)), np.zeros((2, 3)), np.zeros((12, 4)), np.zeros((12, 3)), np.zeros(12)
    with pytest.raises(ValueError, match=r"c_prev must have shape \(N, H\) = \(2, 3\)"):
        lstm_step_forward(x, h, np.zeros((2, 4)), W_xh, W_hh, b)
    with pytest.raises(ValueError, match=r"W_xh must have shape \(4H, D\) = \(12, 4\)"):
        lstm_step_forward(x, h, h, np.zeros((9, 4)), W_hh, b)


def test_gate_axis_must_be_a_multiple_of_four_when_it_binds_H():
    from rnnlib._stacked import check_stacked

    with pytest.raises(ValueError, match=r"W_xh must have shape \(4H, D\), its gate axis a positive multiple of 4"):
        check_stacked("W_xh", np.zeros((10, 3)), ("G", "D"), {}, 4)
    dims = {}
    check_stacked("W_xh", np.zeros((12, 3)), ("G", "D"), dims, 4)
    assert dims == {"D": 3, "H": 3}


def test_backward_rejects_bad_upstream_and_cache():
    args = {k: np.zeros(s) for k, s in GOOD.items()}
    _, cache = lstm_forward(**args)
    with pytest.raises(ValueError, match=r"dh must have shape \(N, T, H\) = \(2, 3, 5\); got \(2, 3, 4\)"):
        lstm_backward(np.zeros((2, 3, 4)), cache)
    with pytest.raises(ValueError, match="cache must be the LSTMCache"):
        lstm_backward(np.zeros((2, 3, 5)), (1, 2))
    _, _, step_cache = lstm_step_forward(np.zeros((2, 4)), np.zeros((2, 5)), np.zeros((2, 5)), args["W_xh"],
                                         args["W_hh"], args["b_h"])
    with pytest.raises(ValueError, match=r"dc_next must have shape \(N, H\) = \(2, 5\)"):
        lstm_step_backward(np.zeros((2, 5)), np.zeros((5,)), step_cache)
    with pytest.raises(ValueError, match="cache must be the LSTMStepCache"):
        lstm_step_backward(np.zeros((2, 5)), np.zeros((2, 5)), cache)


def test_torch_stack_rejects_mismatched_layers():
    rng = np.random.default_rng(0)
    p = params(rng, 3, 2)
    with pytest.raises(ValueError, match=r"layers\[1\] W_xh must have shape \(4H, D\) = \(8, 2\)"):
        torch_lstm_stack([(p["W_xh"], p["W_hh"], p["b_h"]), (p["W_xh"], p["W_hh"], p["b_h"])])
    with pytest.raises(ValueError, match="layers must be a non-empty list"):
        torch_lstm_stack([])


def test_torch_reference_names_match_lstm_backward():
    from rnnlib.torch_bridge import torch_reference

    rng = np.random.default_rng(8)
    p = params(rng, 3, 2)
    x, h0, dh = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 2)), rng.normal(size=(2, 4, 2))
    h, cache = lstm_forward(x, h0, **p)
    out, grads = torch_reference("lstm", p, x, h0, dh)
    assert rel_error(h, out) <= 1e-12
    for name, g in zip(["dx", "dh0", "dW_xh", "dW_hh", "db_h"], lstm_backward(dh, cache)):
        assert rel_error(g, grads[name]) <= 1e-12, name
    with pytest.raises(ValueError, match="kind must be 'lstm' or 'gru'"):
        torch_reference("rnn", p, x, h0, dh)
