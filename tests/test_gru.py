import numpy as np
import pytest
import torch

from rnnlib import gradcheck, rel_error
from rnnlib.gru import GRUCache, gru_backward, gru_forward, gru_step_backward, gru_step_forward
from rnnlib.torch_bridge import torch_gru, torch_gru_stack

SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 7, 2, 6)]  # (N, T, D, H)
NAMES = ["W_xh", "W_hh", "b_xh", "b_hh"]


def params(rng, D, H, scale=0.5):
    return {
        "W_xh": rng.normal(scale=scale, size=(3 * H, D)),
        "W_hh": rng.normal(scale=scale, size=(3 * H, H)),
        "b_xh": rng.normal(scale=scale, size=(3 * H,)),
        "b_hh": rng.normal(scale=scale, size=(3 * H,)),
    }


def test_one_unit_by_hand():
    # H = D = 1, x = 0, h_prev = 2, W_xh = 0, W_hh = (0, 0, 1): the hidden term of n is h_prev + b_hn.
    # b_xh = (0, ln 3, 0) and b_hh = (ln 3, 0, -1): r = sigmoid(ln 3) = 3/4, z = 3/4,
    # n = tanh(r * (2 - 1)) = tanh(3/4), h = (1 - z) n + z h_prev = tanh(3/4)/4 + 3/2.
    h, _ = gru_step_forward(np.zeros((1, 1)), np.array([[2.0]]), np.zeros((3, 1)), np.array([[0.0], [0.0], [1.0]]),
                            np.array([0.0, np.log(3.0), 0.0]), np.array([np.log(3.0), 0.0, -1.0]))
    np.testing.assert_allclose(h, [[np.tanh(0.75) / 4 + 1.5]], rtol=1e-15)


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_forward_shapes_and_step_equivalence(N, T, D, H):
    rng = np.random.default_rng(0)
    p = params(rng, D, H)
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    h, cache = gru_forward(x, h0, **p)
    assert h.shape == (N, T, H) and h.dtype == np.float64 and isinstance(cache, GRUCache)
    h_prev = h0
    for t in range(T):
        h_prev, step = gru_step_forward(x[:, t], h_prev, **p)
        np.testing.assert_allclose(h[:, t], h_prev, rtol=0, atol=1e-14)
        np.testing.assert_allclose(cache.gates["z"][:, t], step.rzn[:, H : 2 * H], rtol=0, atol=1e-14)


def test_float32_stays_float32():
    rng = np.random.default_rng(0)
    p = {k: v.astype(np.float32) for k, v in params(rng, 3, 4).items()}
    h, _ = gru_forward(rng.normal(size=(2, 5, 3)).astype(np.float32), np.zeros((2, 4), np.float32), **p)
    assert h.dtype == np.float32


@pytest.mark.parametrize("N,D,H", [(1, 1, 1), (4, 3, 5)])
def test_step_backward_gradcheck(N, D, H):
    rng = np.random.default_rng(1)
    inputs = {"x": rng.normal(size=(N, D)), "h_prev": rng.normal(size=(N, H)), **params(rng, D, H)}
    dh_next = rng.normal(size=(N, H))
    _, cache = gru_step_forward(**inputs)
    dh_copy = dh_next.copy()
    grads = dict(zip(inputs, gru_step_backward(dh_next, cache)))
    np.testing.assert_array_equal(dh_next, dh_copy)
    errors = gradcheck(lambda **a: np.sum(gru_step_forward(**a)[0] * dh_next), inputs, grads)
    assert max(errors.values()) <= 1e-8, errors


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_backward_gradcheck(N, T, D, H):
    rng = np.random.default_rng(2)
    inputs = {"x": rng.normal(size=(N, T, D)), "h0": rng.normal(size=(N, H)), **params(rng, D, H)}
    dh = rng.normal(size=(N, T, H))
    _, cache = gru_forward(**inputs)
    dh_copy = dh.copy()
    grads = dict(zip(inputs, gru_backward(dh, cache)))
    np.testing.assert_array_equal(dh, dh_copy)
    errors = gradcheck(lambda **a: np.sum(gru_forward(**a)[0] * dh), inputs, grads)
    assert max(errors.values()) <= 1e-8, errors


def _torch_run(module, x, h0, dh):
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0, requires_grad=True)  # (layers, N, H)
    out, _ = module(xt, h0t)
    (out * torch.tensor(dh)).sum().backward()
    return out.detach().numpy(), xt.grad.numpy(), h0t.grad.numpy()


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_torch_parity_forward_and_backward(N, T, D, H):
    rng = np.random.default_rng(3)
    p = params(rng, D, H)
    x, h0, dh = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, T, H))
    h, cache = gru_forward(x, h0, **p)
    dx, dh0, *grads = gru_backward(dh, cache)
    module = torch_gru(**p)
    out, dxt, dh0t = _torch_run(module, x, h0[None], dh)
    assert rel_error(h, out) <= 1e-10
    assert rel_error(dx, dxt) <= 1e-10
    assert rel_error(dh0, dh0t[0]) <= 1e-10
    for g, name in zip(grads, ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]):
        assert rel_error(g, getattr(module, name).grad.numpy()) <= 1e-10, name


def test_the_two_biases_differ_only_in_the_n_block():
    # Moving b_hh into b_xh leaves r and z unchanged (only sums matter there) but changes n.
    rng = np.random.default_rng(7)
    p = params(rng, 3, 4)
    x, h0 = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 4))
    h, _ = gru_forward(x, h0, **p)
    moved_rz = {**p, "b_xh": p["b_xh"] + np.r_[p["b_hh"][:8], 0 * p["b_hh"][8:]],
                "b_hh": np.r_[0 * p["b_hh"][:8], p["b_hh"][8:]]}
    np.testing.assert_allclose(gru_forward(x, h0, **moved_rz)[0], h, rtol=0, atol=1e-14)
    moved_all = {**p, "b_xh": p["b_xh"] + p["b_hh"], "b_hh": np.zeros(12)}
    assert rel_error(gru_forward(x, h0, **moved_all)[0], h) > 1e-3


def test_torch_parity_two_layers():
    rng = np.random.default_rng(6)
    N, T, D, H = 3, 6, 4, 5
    layers = [params(rng, D, H), params(rng, H, H)]
    x, h0, dh = rng.normal(size=(N, T, D)), rng.normal(size=(2, N, H)), rng.normal(size=(N, T, H))
    h1, cache1 = gru_forward(x, h0[0], **layers[0])
    h2, cache2 = gru_forward(h1, h0[1], **layers[1])
    dh1, dh0_2, *grads2 = gru_backward(dh, cache2)
    dx, dh0_1, *grads1 = gru_backward(dh1, cache1)
    module = torch_gru_stack([tuple(p[k] for k in NAMES) for p in layers])
    out, dxt, dh0t = _torch_run(module, x, h0, dh)
    assert rel_error(h2, out) <= 1e-10
    assert rel_error(dx, dxt) <= 1e-10
    assert rel_error(np.stack([dh0_1, dh0_2]), dh0t) <= 1e-10
    for k, grads in enumerate([grads1, grads2]):
        for g, name in zip(grads, ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]):
            assert rel_error(g, getattr(module, f"{name}_l{k}").grad.numpy()) <= 1e-10, (k, name)


def test_torch_gru_without_bias_matches_zero_biases():
    rng = np.random.default_rng(4)
    p = params(rng, 3, 2)
    x = rng.normal(size=(1, 4, 3))
    h, _ = gru_forward(x, np.zeros((1, 2)), p["W_xh"], p["W_hh"], np.zeros(6), np.zeros(6))
    out, _ = torch_gru(p["W_xh"], p["W_hh"])(torch.tensor(x))
    assert rel_error(h, out.detach().numpy()) <= 1e-12


GOOD = {"x": (2, 3, 4), "h0": (2, 5), "W_xh": (15, 4), "W_hh": (15, 5), "b_xh": (15,), "b_hh": (15,)}


@pytest.mark.parametrize(
    "name,shape,message",
    [
        ("x", (2, 3), r"x must have shape \(N, T, D\) \(3-D\)"),
        ("h0", (3, 5), r"h0 must have shape \(N, H\) = \(2, 5\); got \(3, 5\)"),
        ("W_xh", (15, 3), r"W_xh must have shape \(3H, D\) = \(15, 4\); got \(15, 3\)"),
        ("W_hh", (20, 5), r"W_hh must have shape \(3H, H\) = \(15, 5\); got \(20, 5\)"),
        ("b_xh", (5,), r"b_xh must have shape \(3H,\) = \(15,\); got \(5,\)"),
        ("b_hh", (15, 1), r"b_hh must have shape \(3H,\) = \(15,\) \(1-D\); got shape \(15, 1\)"),
    ],
)
def test_forward_rejects_bad_shapes(name, shape, message):
    args = {k: np.zeros(s) for k, s in GOOD.items()}
    args[name] = np.zeros(shape)
    with pytest.raises(ValueError, match=message):
        gru_forward(**args)


def test_rejects_bad_dtype_empty_sequence_upstream_and_cache():
    args = {k: np.zeros(s) for k, s in GOOD.items()}
    with pytest.raises(ValueError, match="b_xh must be a floating-point array"):
        gru_forward(**{**args, "b_xh": np.zeros(15, int)})
    with pytest.raises(ValueError, match="x must have at least one time step"):
        gru_forward(**{**args, "x": np.zeros((2, 0, 4))})
    _, cache = gru_forward(**args)
    with pytest.raises(ValueError, match=r"dh must have shape \(N, T, H\) = \(2, 3, 5\); got \(2, 3, 4\)"):
        gru_backward(np.zeros((2, 3, 4)), cache)
    with pytest.raises(ValueError, match="cache must be the GRUCache"):
        gru_backward(np.zeros((2, 3, 5)), (1, 2))
    step_args = {k: v for k, v in args.items() if k not in ("x", "h0")}
    with pytest.raises(ValueError, match=r"h_prev must have shape \(N, H\) = \(2, 5\)"):
        gru_step_forward(np.zeros((2, 4)), np.zeros((1, 5)), **step_args)
    _, step_cache = gru_step_forward(np.zeros((2, 4)), np.zeros((2, 5)), **step_args)
    with pytest.raises(ValueError, match=r"dh_next must have shape \(N, H\) = \(2, 5\)"):
        gru_step_backward(np.zeros((2, 4)), step_cache)
    with pytest.raises(ValueError, match="cache must be the GRUStepCache"):
        gru_step_backward(np.zeros((2, 5)), cache)


def test_torch_reference_names_match_gru_backward():
    from rnnlib.torch_bridge import torch_reference

    rng = np.random.default_rng(8)
    p = params(rng, 3, 2)
    x, h0, dh = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 2)), rng.normal(size=(2, 4, 2))
    h, cache = gru_forward(x, h0, **p)
    out, grads = torch_reference("gru", p, x, h0, dh)
    assert rel_error(h, out) <= 1e-12
    for name, g in zip(["dx", "dh0", "dW_xh", "dW_hh", "db_xh", "db_hh"], gru_backward(dh, cache)):
        assert rel_error(g, grads[name]) <= 1e-12, name
