import numpy as np
import pytest
import torch

from rnnlib import (
    embedding_backward,
    embedding_forward,
    gradcheck,
    one_hot,
    rel_error,
    softmax,
    softmax_cross_entropy,
)
from rnnlib.layers import affine_backward, affine_forward


def test_softmax_is_stable_and_normalized():
    z = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])
    p = softmax(z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0)
    # shifting all scores by a constant changes nothing
    np.testing.assert_allclose(p[0], softmax(np.array([0.0, 1.0, 2.0])))


def test_softmax_matches_torch():
    z = np.random.default_rng(0).normal(size=(2, 3, 5))
    assert rel_error(softmax(z), torch.softmax(torch.tensor(z), dim=-1).numpy()) <= 1e-15


def test_cross_entropy_known_value():
    # uniform scores over V classes: loss = log V per position
    loss, dlogits = softmax_cross_entropy(np.zeros((2, 3, 4)), np.zeros((2, 3), dtype=int))
    assert loss == pytest.approx(np.log(4))
    np.testing.assert_allclose(dlogits[0, 0], np.array([0.25 - 1, 0.25, 0.25, 0.25]) / 6)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_matches_torch_and_gradcheck(reduction):
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(3, 4, 5))
    targets = rng.integers(0, 5, size=(3, 4))
    mask = rng.integers(0, 2, size=(3, 4)).astype(bool)
    mask[0, 0] = True
    loss, dlogits = softmax_cross_entropy(logits, targets, mask, reduction)
    lt = torch.tensor(logits, requires_grad=True)
    per = torch.nn.functional.cross_entropy(lt.reshape(-1, 5), torch.tensor(targets).reshape(-1), reduction="none")
    per = per * torch.tensor(mask.reshape(-1), dtype=torch.float64)
    ref = per.sum() / (mask.sum() if reduction == "mean" else 1)
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    assert rel_error(dlogits, lt.grad.numpy()) <= 1e-12
    errors = gradcheck(lambda logits: softmax_cross_entropy(logits, targets, mask, reduction)[0],
                       {"logits": logits}, {"logits": dlogits})
    assert errors["logits"] <= 1e-8


@pytest.mark.parametrize("x_shape", [(2, 3, 4), (3, 4), (4,)])  # over time, one step, one vector
def test_affine_gradcheck_and_torch(x_shape):
    rng = np.random.default_rng(2)
    inputs = {"x": rng.normal(size=x_shape), "W": rng.normal(size=(5, 4)), "b": rng.normal(size=5)}
    dout = rng.normal(size=x_shape[:-1] + (5,))
    out, cache = affine_forward(**inputs)
    grads = dict(zip(inputs, affine_backward(dout, cache)))
    errors = gradcheck(lambda **a: np.sum(affine_forward(**a)[0] * dout), inputs, grads)
    assert max(errors.values()) <= 1e-8, errors
    ref = torch.nn.functional.linear(*(torch.tensor(v) for v in inputs.values()))
    assert rel_error(out, ref.numpy()) <= 1e-15


def test_embedding_equals_one_hot_matmul_and_gradcheck():
    rng = np.random.default_rng(3)
    idx = np.array([[0, 2, 2], [1, 0, 2]])
    W = rng.normal(size=(3, 4))
    x, cache = embedding_forward(idx, W)
    np.testing.assert_allclose(x, one_hot(idx, 3) @ W)
    dx = rng.normal(size=x.shape)
    dW = embedding_backward(dx, cache)
    np.testing.assert_allclose(dW, np.einsum("ntv,ntd->vd", one_hot(idx, 3), dx))  # repeats add up
    assert gradcheck(lambda W: np.sum(embedding_forward(idx, W)[0] * dx), {"W": W}, {"W": dW})["W"] <= 1e-8


def test_layer_validation_messages():
    with pytest.raises(ValueError, match=r"^W .*\(5, 4\).*\(5, 3\)"):
        affine_forward(np.zeros((2, 3, 4)), np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match=r"^b .*\(5,\).*\(4,\)"):
        affine_forward(np.zeros((2, 3, 4)), np.zeros((5, 4)), np.zeros(4))
    with pytest.raises(ValueError, match=r"^targets must hold indices in \[0, 4\)"):
        softmax_cross_entropy(np.zeros((1, 2, 4)), np.array([[0, 4]]))
    with pytest.raises(ValueError, match="targets must be an integer array"):
        softmax_cross_entropy(np.zeros((1, 2, 4)), np.zeros((1, 2)))
    with pytest.raises(ValueError, match=r"mask must have shape \(N, T\) = \(1, 2\); got \(2, 1\)"):
        softmax_cross_entropy(np.zeros((1, 2, 4)), np.zeros((1, 2), int), mask=np.ones((2, 1)))
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
        softmax_cross_entropy(np.zeros((1, 2, 4)), np.zeros((1, 2), int), reduction="avg")
    with pytest.raises(ValueError, match=r"^idx must hold indices in \[0, 3\)"):
        embedding_forward(np.array([[3]]), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"^dout .*\(2, 3, 5\)"):
        affine_backward(np.zeros((2, 3, 4)), affine_forward(np.zeros((2, 3, 4)), np.zeros((5, 4)), np.zeros(5))[1])
    with pytest.raises(ValueError, match="z must be a floating-point array"):
        softmax(np.array([1, 2]))


def test_cross_entropy_on_a_non_contiguous_view():
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(4, 3, 5))
    targets = rng.integers(0, 5, size=(3, 4))
    view = logits.transpose(1, 0, 2)  # (3, 4, 5), not C-contiguous
    loss, dlogits = softmax_cross_entropy(view, targets)
    loss_c, dlogits_c = softmax_cross_entropy(np.ascontiguousarray(view), targets)
    assert loss == loss_c
    np.testing.assert_array_equal(dlogits, dlogits_c)


def test_integer_mask_and_bad_mask_values():
    rng = np.random.default_rng(6)
    logits, targets = rng.normal(size=(2, 3, 4)), rng.integers(0, 4, size=(2, 3))
    mask = np.array([[1, 0, 1], [1, 1, 0]])
    loss_int, d_int = softmax_cross_entropy(logits, targets, mask)
    loss_bool, d_bool = softmax_cross_entropy(logits, targets, mask.astype(bool))
    assert loss_int == loss_bool
    np.testing.assert_array_equal(d_int, d_bool)
    assert np.all(d_int[mask == 0] == 0)
    with pytest.raises(ValueError, match="mask must hold only 0s and 1s"):
        softmax_cross_entropy(logits, targets, np.full((2, 3), 2))


def test_backward_functions_reject_the_wrong_cache():
    _, affine_cache = affine_forward(np.zeros((1, 2, 3)), np.zeros((4, 3)), np.zeros(4))
    _, embed_cache = embedding_forward(np.zeros((1, 2), dtype=int), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="cache must be the AffineCache"):
        affine_backward(np.zeros((1, 2, 4)), embed_cache)
    with pytest.raises(ValueError, match="cache must be the EmbeddingCache"):
        embedding_backward(np.zeros((1, 2, 3)), affine_cache)


def test_embedding_backward_scatter_branch_for_a_large_vocabulary():
    rng = np.random.default_rng(7)
    V = 5000  # N*T*V above the one-hot matmul limit: the scatter-add branch runs
    idx = rng.integers(0, 50, size=(30, 30))
    W = rng.normal(size=(V, 3))
    _, cache = embedding_forward(idx, W)
    dx = rng.normal(size=(30, 30, 3))
    expected = np.zeros((V, 3))
    for (n, t), v in np.ndenumerate(idx):
        expected[v] += dx[n, t]
    np.testing.assert_allclose(embedding_backward(dx, cache), expected, atol=1e-12)
