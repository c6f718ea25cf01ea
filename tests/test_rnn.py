import numpy as np
import pytest
import torch

from rnnlib import (
    gradcheck,
    rel_error,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
    torch_rnn,
)

SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 7, 2, 6)]  # (N, T, D, H)


def params(rng, D, H, scale=0.5):
    return {
        "W_xh": rng.normal(scale=scale, size=(H, D)),
        "W_hh": rng.normal(scale=scale, size=(H, H)),
        "b_h": rng.normal(scale=scale, size=(H,)),
    }


def test_dogs_first_step_matches_slides():
    # The seed slides' example: x_1 = one-hot "d", h0 = 0, no bias -> h1 = (0.54, 0.20, 0.72).
    W_xh = np.array([[0.6, 0.8, 0.4, 0.8], [0.2, 0.2, 0.8, 0.7], [0.9, 0.8, 0.1, 0.2]])
    W_hh = np.array([[0.1, 0.5, 0.1], [0.5, 0.9, 0.3], [0.3, 0.2, 0.1]])
    x = np.array([[1.0, 0.0, 0.0, 0.0]])
    h1, _ = rnn_step_forward(x, np.zeros((1, 3)), W_xh, W_hh, np.zeros(3))
    np.testing.assert_allclose(h1[0], np.tanh([0.6, 0.2, 0.9]))
    np.testing.assert_allclose(np.round(h1[0], 2), [0.54, 0.20, 0.72])


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_forward_shapes_and_step_equivalence(N, T, D, H):
    rng = np.random.default_rng(0)
    p = params(rng, D, H)
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    h, _ = rnn_forward(x, h0, **p)
    assert h.shape == (N, T, H) and h.dtype == np.float64
    h_prev = h0
    for t in range(T):
        h_prev, _ = rnn_step_forward(x[:, t], h_prev, **p)
        np.testing.assert_allclose(h[:, t], h_prev, rtol=0, atol=1e-14)


def test_float32_stays_float32():
    rng = np.random.default_rng(0)
    p = {k: v.astype(np.float32) for k, v in params(rng, 3, 4).items()}
    h, _ = rnn_forward(rng.normal(size=(2, 5, 3)).astype(np.float32), np.zeros((2, 4), np.float32), **p)
    assert h.dtype == np.float32


@pytest.mark.parametrize("N,D,H", [(1, 1, 1), (4, 3, 5)])
def test_step_backward_gradcheck(N, D, H):
    rng = np.random.default_rng(1)
    inputs = {"x": rng.normal(size=(N, D)), "h_prev": rng.normal(size=(N, H)), **params(rng, D, H)}
    dh_next = rng.normal(size=(N, H))
    _, cache = rnn_step_forward(**inputs)
    dh_copy = dh_next.copy()
    grads = dict(zip(inputs, rnn_step_backward(dh_next, cache)))
    np.testing.assert_array_equal(dh_next, dh_copy)  # backward never mutates its upstream gradient
    errors = gradcheck(lambda **a: np.sum(rnn_step_forward(**a)[0] * dh_next), inputs, grads)
    assert max(errors.values()) <= 1e-8, errors


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_backward_gradcheck(N, T, D, H):
    rng = np.random.default_rng(2)
    inputs = {"x": rng.normal(size=(N, T, D)), "h0": rng.normal(size=(N, H)), **params(rng, D, H)}
    dh = rng.normal(size=(N, T, H))
    _, cache = rnn_forward(**inputs)
    dh_copy = dh.copy()
    grads = dict(zip(inputs, rnn_backward(dh, cache)))
    np.testing.assert_array_equal(dh, dh_copy)
    errors = gradcheck(lambda **a: np.sum(rnn_forward(**a)[0] * dh), inputs, grads)
    assert max(errors.values()) <= 1e-8, errors


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_torch_parity_forward_and_backward(N, T, D, H):
    rng = np.random.default_rng(3)
    p = params(rng, D, H)
    x, h0, dh = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, T, H))
    h, cache = rnn_forward(x, h0, **p)
    dx, dh0, dW_xh, dW_hh, db_h = rnn_backward(dh, cache)

    module = torch_rnn(**p)
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    out, _ = module(xt, h0t)
    (out * torch.tensor(dh)).sum().backward()
    assert rel_error(h, out.detach().numpy()) <= 1e-12
    assert rel_error(dx, xt.grad.numpy()) <= 1e-12
    assert rel_error(dh0, h0t.grad.numpy()[0]) <= 1e-12
    assert rel_error(dW_xh, module.weight_ih_l0.grad.numpy()) <= 1e-12
    assert rel_error(dW_hh, module.weight_hh_l0.grad.numpy()) <= 1e-12
    assert rel_error(db_h, module.bias_ih_l0.grad.numpy()) <= 1e-12


def test_torch_rnn_without_bias_matches_zero_bias():
    rng = np.random.default_rng(4)
    p = params(rng, 3, 2)
    x = rng.normal(size=(1, 4, 3))
    h, _ = rnn_forward(x, np.zeros((1, 2)), p["W_xh"], p["W_hh"], np.zeros(2))
    out, _ = torch_rnn(p["W_xh"], p["W_hh"])(torch.tensor(x))
    assert rel_error(h, out.detach().numpy()) <= 1e-12


GOOD = {"x": (2, 3, 4), "h0": (2, 5), "W_xh": (5, 4), "W_hh": (5, 5), "b_h": (5,)}


@pytest.mark.parametrize(
    "name,shape,message",
    [
        ("x", (2, 3), r"x must have shape \(N, T, D\) \(3-D\); got shape \(2, 3\)"),
        ("h0", (3, 5), r"h0 must have shape \(N, H\) = \(2, 5\); got \(3, 5\)"),
        ("W_xh", (5, 3), r"W_xh must have shape \(H, D\) = \(5, 4\); got \(5, 3\)"),
        ("W_hh", (5, 4), r"W_hh must have shape \(H, H\) = \(5, 5\); got \(5, 4\)"),
        ("b_h", (4,), r"b_h must have shape \(H,\) = \(5,\); got \(4,\)"),
    ],
)
def test_forward_rejects_bad_shapes(name, shape, message):
    args = {k: np.zeros(s) for k, s in GOOD.items()}
    args[name] = np.zeros(shape)
    with pytest.raises(ValueError, match=message):
        rnn_forward(**args)


def test_step_forward_rejects_bad_shapes_and_dtypes():
    with pytest.raises(ValueError, match=r"h_prev must have shape \(N, H\) = \(2, 3\)"):
        rnn_step_forward(np.zeros((2, 4)), np.zeros((1, 3)), np.zeros((3, 4)), np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="x must be a floating-point array"):
        rnn_step_forward(np.zeros((2, 4), int), np.zeros((2, 3)), np.zeros((3, 4)), np.zeros((3, 3)), np.zeros(3))


def test_backward_rejects_bad_upstream_and_cache():
    args = {k: np.zeros(s) for k, s in GOOD.items()}
    _, cache = rnn_forward(**args)
    with pytest.raises(ValueError, match=r"dh must have shape \(N, T, H\) = \(2, 3, 5\); got \(2, 3, 4\)"):
        rnn_backward(np.zeros((2, 3, 4)), cache)
    with pytest.raises(ValueError, match="cache must be the RNNCache"):
        rnn_backward(np.zeros((2, 3, 5)), (1, 2))
    _, step_cache = rnn_step_forward(np.zeros((2, 4)), np.zeros((2, 5)), args["W_xh"], args["W_hh"], args["b_h"])
    with pytest.raises(ValueError, match=r"dh_next must have shape \(N, H\) = \(2, 5\) \(2-D\); got shape \(5,\)"):
        rnn_step_backward(np.zeros(5), step_cache)
    with pytest.raises(ValueError, match="cache must be the RNNStepCache"):
        rnn_step_backward(np.zeros((2, 5)), cache)


def test_backward_leaves_the_cache_alone_and_h_is_a_copy():
    rng = np.random.default_rng(5)
    p = params(rng, 3, 4)
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


def test_forward_rejects_an_empty_sequence():
    args = {k: np.zeros(s) for k, s in GOOD.items()}
    args["x"] = np.zeros((2, 0, 4))
    with pytest.raises(ValueError, match=r"x must have at least one time step \(T >= 1\)"):
        rnn_forward(**args)
