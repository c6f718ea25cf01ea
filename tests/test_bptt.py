import numpy as np
import pytest
import torch

from rnnlib import gradcheck, rnn_backward, rnn_forward, rnn_step_backward, softmax
from rnnlib.torch_bridge import TorchRNNLM
from rnnlib.bptt import (
    PARAM_NAMES,
    bptt_loop,
    init_rnn_lm,
    rnn_lm_backward,
    rnn_lm_forward,
    rnn_lm_loss_and_grads,
    step_caches,
    unrolled_contributions,
)
from rnnlib.checkers import STEP_BACKWARD_BUGS
from rnnlib.examples import dogs_example

SHAPES = [(1, 1, 2, 3, 2), (2, 4, 3, 5, 4), (3, 6, 5, 4, 6)]  # (N, T, D, H, V)


def problem(N, T, D, H, V, seed=0, scale=0.8):
    rng = np.random.default_rng(seed)
    params = init_rnn_lm(D, H, V, rng, scale=scale)
    x = rng.normal(size=(N, T, D))
    targets = rng.integers(0, V, size=(N, T))
    h0 = rng.normal(scale=0.5, size=(N, H))
    return params, x, targets, h0


def dogs():
    ex = dogs_example()
    params = {"W_xh": ex.W_xh, "W_hh": ex.W_hh, "b_h": ex.b_h, "W_hy": ex.W_hy, "b_y": ex.b_y}
    return params, ex.vocab.one_hot("dog")[None], ex.vocab.encode("ogs")[None], np.zeros((1, 3))


@pytest.mark.parametrize("N,T,D,H,V", SHAPES)
def test_gradcheck_every_parameter_h0_and_x(N, T, D, H, V):
    params, x, targets, h0 = problem(N, T, D, H, V)
    _, cache = rnn_lm_forward(params, x, targets, h0)
    grads = rnn_lm_backward(1.0, cache)

    def loss(h0, x, **p):
        return rnn_lm_forward(p, x, targets, h0)[0]

    errors = gradcheck(loss, {**params, "h0": h0, "x": x}, grads)
    assert max(errors.values()) <= 1e-8, errors


@pytest.mark.parametrize("N,T,D,H,V", SHAPES)
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_matches_torch_autograd(N, T, D, H, V, reduction):
    params, x, targets, h0 = problem(N, T, D, H, V, seed=1)
    loss, grads = rnn_lm_loss_and_grads(params, x, targets, h0, reduction=reduction)
    ref = TorchRNNLM(params)
    h0_t = torch.tensor(h0, requires_grad=True)
    x_t = torch.tensor(x, requires_grad=True)
    loss_t = ref.loss(x_t, targets, h0_t, reduction=reduction)
    loss_t.backward()
    assert loss == pytest.approx(loss_t.item(), rel=1e-12)
    expected = {**ref.grads(), "h0": h0_t.grad.numpy(), "x": x_t.grad.numpy()}
    for name, want in expected.items():
        np.testing.assert_allclose(grads[name], want, rtol=1e-10, atol=1e-12, err_msg=name)


def test_dogs_first_loss_term_matches_slide_probability():
    # Notebook 01 / the slides: y_1 = softmax(W_Y h_1) = (0.3216, 0.2149, 0.2419, 0.2215); target after "d" is "o".
    params, x, targets, h0 = dogs()
    loss1, _ = rnn_lm_forward(params, x[:, :1], targets[:, :1], h0)
    assert loss1 == pytest.approx(-np.log(0.2149), abs=5e-4)
    h1 = np.tanh(np.array([0.6, 0.2, 0.9]))
    assert loss1 == pytest.approx(-np.log(softmax(params["W_hy"] @ h1)[1]), rel=1e-12)


def test_dogs_gradient_structure():
    params, x, targets, h0 = dogs()
    _, grads = rnn_lm_loss_and_grads(params, x, targets, h0)
    # "s" is never an input, so no gradient reaches its column of W_xh.
    np.testing.assert_array_equal(grads["W_xh"][:, 3], 0.0)
    assert np.all(np.abs(grads["W_xh"][:, :3]).sum(axis=0) > 0)
    # dL/db_y = sum_t (y_hat_t - y_t): probabilities sum to one, so its entries sum to zero.
    assert grads["b_y"].sum() == pytest.approx(0.0, abs=1e-12)


def test_bptt_loop_with_rnnlib_step_equals_rnn_backward():
    params, x, _, h0 = problem(2, 5, 3, 4, 3)
    h, cache = rnn_forward(x, h0, params["W_xh"], params["W_hh"], params["b_h"])
    dh = np.random.default_rng(3).normal(size=h.shape)
    dh_before = dh.copy()
    for got, want in zip(bptt_loop(dh, cache, rnn_step_backward), rnn_backward(dh, cache)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(dh, dh_before)


def test_step_caches_rebuild_each_step():
    params, x, _, h0 = problem(2, 3, 3, 4, 3)
    h, cache = rnn_forward(x, h0, params["W_xh"], params["W_hh"], params["b_h"])
    caches = step_caches(cache)
    assert len(caches) == 3
    np.testing.assert_array_equal(caches[0].h_prev, h0)
    np.testing.assert_array_equal(caches[2].h_prev, h[:, 1])
    np.testing.assert_array_equal(caches[2].h_next, h[:, 2])
    np.testing.assert_array_equal(caches[1].x, x[:, 1])


@pytest.mark.parametrize("N,T,D,H", [(1, 1, 2, 3), (2, 5, 3, 4), (3, 4, 2, 2)])
def test_double_sum_equals_recursion_and_rows_are_single_loss_terms(N, T, D, H):
    params, x, _, h0 = problem(N, T, D, H, 2, seed=4)
    h, cache = rnn_forward(x, h0, params["W_xh"], params["W_hh"], params["b_h"])
    dh = np.random.default_rng(5).normal(size=h.shape)
    C = unrolled_contributions(dh, cache)
    dx, dh0, dW_xh, dW_hh, db_h = rnn_backward(dh, cache)
    np.testing.assert_allclose(C.W_hh.sum(axis=(0, 1)), dW_hh, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(C.W_xh.sum(axis=(0, 1)), dW_xh, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(C.b_h.sum(axis=(0, 1)), db_h, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(C.h0.sum(axis=0), dh0, rtol=1e-10, atol=1e-13)
    # terms with k > t do not exist
    later = np.triu(np.ones((T, T), dtype=bool), k=1)
    assert np.all(C.W_hh[later] == 0)
    # row t alone is the gradient of the loss term at step t: backprop dh with only step t nonzero
    for t in range(T):
        only_t = np.zeros_like(dh)
        only_t[:, t] = dh[:, t]
        np.testing.assert_allclose(C.W_hh[t].sum(axis=0), rnn_backward(only_t, cache)[3], rtol=1e-10, atol=1e-13)
    # column k is the recursion's per-step term da_k^T h_{k-1}
    da = np.zeros((N, H))
    for k in reversed(range(T)):
        da = (dh[:, k] + da @ params["W_hh"]) * (1 - h[:, k] ** 2)
        h_prev = h0 if k == 0 else h[:, k - 1]
        np.testing.assert_allclose(C.W_hh[:, k].sum(axis=0), da.T @ h_prev, rtol=1e-10, atol=1e-13)


def test_dogs_first_step_adds_nothing_to_dW_hh():
    params, x, targets, h0 = dogs()
    _, cache = rnn_lm_forward(params, x, targets, h0)
    dh = cache.dlogits @ params["W_hy"]
    C = unrolled_contributions(dh, cache.rnn)
    np.testing.assert_array_equal(C.W_hh[:, 0], 0.0)  # h0 = 0 multiplies W_hh at step 1
    assert np.abs(C.W_hh[2, 1]).sum() > 0


def test_backward_scales_with_dloss_and_leaves_cache_alone():
    params, x, targets, h0 = problem(2, 3, 3, 4, 3)
    _, cache = rnn_lm_forward(params, x, targets, h0)
    dlogits = cache.dlogits.copy()
    one, two = rnn_lm_backward(1.0, cache), rnn_lm_backward(2.0, cache)
    np.testing.assert_array_equal(cache.dlogits, dlogits)
    for name in PARAM_NAMES:
        np.testing.assert_allclose(two[name], 2 * one[name], rtol=1e-14)


def test_loss_and_grads_defaults_h0_to_zeros():
    params, x, targets, _ = problem(2, 3, 3, 4, 3)
    loss_none, g_none = rnn_lm_loss_and_grads(params, x, targets)
    loss_zero, g_zero = rnn_lm_loss_and_grads(params, x, targets, np.zeros((2, 4)))
    assert loss_none == loss_zero
    np.testing.assert_array_equal(g_none["W_hh"], g_zero["W_hh"])


def test_init_rnn_lm_shapes_and_scale():
    p = init_rnn_lm(3, 16, 5, np.random.default_rng(0))
    assert {k: v.shape for k, v in p.items()} == {"W_xh": (16, 3), "W_hh": (16, 16), "b_h": (16,), "W_hy": (5, 16), "b_y": (5,)}
    assert max(np.abs(v).max() for v in p.values()) <= 0.25  # 1 / sqrt(16)


def test_validation_errors():  # each error names the argument; the wording is tested in test_validate
    params, x, targets, h0 = problem(2, 3, 3, 4, 3)
    with pytest.raises(ValueError, match="params.*missing.*b_y"):
        rnn_lm_forward({k: v for k, v in params.items() if k != "b_y"}, x, targets, h0)
    with pytest.raises(ValueError, match="^params "):
        rnn_lm_forward(list(params.values()), x, targets, h0)
    with pytest.raises(ValueError, match="^W "):  # the output layer's weight, W_hy, has the wrong hidden size
        rnn_lm_forward({**params, "W_hy": np.zeros((3, 5))}, x, targets, h0)
    with pytest.raises(ValueError, match="^h0 "):
        rnn_lm_forward(params, x, targets, np.zeros((3, 4)))
    with pytest.raises(ValueError, match="^targets "):
        rnn_lm_forward(params, x, targets.astype(float), h0)
    _, cache = rnn_lm_forward(params, x, targets, h0)
    with pytest.raises(ValueError, match="^dloss "):
        rnn_lm_backward(True, cache)
    with pytest.raises(ValueError, match="^cache "):
        rnn_lm_backward(1.0, cache.rnn)
    with pytest.raises(ValueError, match="^cache "):
        step_caches(cache)
    with pytest.raises(ValueError, match="^dh "):
        bptt_loop(np.zeros((2, 3, 5)), cache.rnn)
    with pytest.raises(ValueError, match="^dh "):
        unrolled_contributions(np.zeros((2, 2, 4)), cache.rnn)
    with pytest.raises(ValueError, match="^cache "):
        unrolled_contributions(np.zeros((2, 3, 4)), cache)
    with pytest.raises(ValueError, match="^rng "):
        init_rnn_lm(3, 4, 3, "0")
    with pytest.raises(ValueError, match="^H "):
        init_rnn_lm(3, 0, 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match="^scale "):
        init_rnn_lm(3, 4, 3, 0, scale=-1.0)


def test_init_rnn_lm_takes_a_seed_or_a_generator():
    np.testing.assert_array_equal(init_rnn_lm(2, 3, 4, 7)["W_hh"], init_rnn_lm(2, 3, 4, np.random.default_rng(7))["W_hh"])


def test_params_may_carry_an_embedding_but_nothing_else():
    params, x, targets, h0 = problem(2, 3, 3, 4, 3)
    loss, _ = rnn_lm_forward(params, x, targets, h0)
    assert rnn_lm_forward({**params, "W_embed": np.zeros((3, 3))}, x, targets, h0)[0] == loss
    with pytest.raises(ValueError, match="params.*unexpected.*W_emb"):
        rnn_lm_forward({**params, "W_emb": np.zeros((3, 3))}, x, targets, h0)


def test_rnn_lm_backward_through_a_step_function():
    params, x, targets, h0 = problem(2, 4, 3, 5, 4, seed=6)
    _, cache = rnn_lm_forward(params, x, targets, h0)
    default = rnn_lm_backward(1.0, cache)
    looped = rnn_lm_backward(1.0, cache, step_backward=rnn_step_backward)
    for name in default:
        np.testing.assert_allclose(looped[name], default[name], rtol=1e-12, atol=1e-14, err_msg=name)

    # a classic bug: the recurrent gradients change, the output layer's do not
    buggy = rnn_lm_backward(1.0, cache, step_backward=STEP_BACKWARD_BUGS["no tanh derivative"])
    for name in ("W_hy", "b_y"):
        np.testing.assert_array_equal(buggy[name], default[name])
    for name in ("W_xh", "W_hh", "b_h", "h0", "x"):
        assert np.abs(buggy[name] - default[name]).max() > 1e-3, name
    with pytest.raises(ValueError, match="step_backward must be None or a function"):
        rnn_lm_backward(1.0, cache, step_backward="rnn_step_backward")
    with pytest.raises(ValueError, match="step_backward must be a function"):
        bptt_loop(np.zeros((2, 4, 5)), cache.rnn, step_backward=None)
