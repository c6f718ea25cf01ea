"""Tests for rnnlib.charlm: the vectorized character model, its loss units, clipping, Adagrad and evaluation."""
import math

import numpy as np
import pytest
import torch

from rnnlib import gradcheck, one_hot, rnn_forward
from rnnlib.charlm import (PARAM_NAMES, charlm_backward, charlm_forward, evaluate_nats, init_params, loss_report,
                           make_streams)
from rnnlib.clipping import clip_by_global_norm
from rnnlib.optim import adagrad_update
from rnnlib.torch_bridge import TorchRNNLM

from charlm_helpers import problem

SHAPES = [(1, 1, 2, 1), (2, 3, 5, 4), (4, 7, 6, 3)]  # (N, T, V, H)


@pytest.mark.parametrize("N,T,V,H", SHAPES)
def test_forward_backward_match_torch(N, T, V, H):
    params, idx, targets, h0 = problem(N, T, V, H)
    loss, cache = charlm_forward(params, idx, targets, h0)
    grads = charlm_backward(cache)

    ref = TorchRNNLM(params)  # torch's RNN on one-hot inputs, plus the output layer
    h0_t = torch.tensor(h0, requires_grad=True)
    loss_sum = ref.loss(one_hot(idx, V), targets, h0_t, reduction="sum")
    (loss_sum / idx.size).backward()  # the mean per character: the loss charlm_forward reports
    assert loss == pytest.approx(loss_sum.item() / idx.size, rel=1e-12)
    _, h_last = ref.logits(one_hot(idx, V), h0)
    np.testing.assert_allclose(cache.h_last, h_last.detach().numpy(), atol=1e-12)
    for name, want in {**ref.grads(), "h0": h0_t.grad.numpy()}.items():
        np.testing.assert_allclose(grads[name], want, atol=1e-10, err_msg=name)


@pytest.mark.parametrize("N,T,V,H", SHAPES[1:])
def test_gradcheck_and_rnn_forward_agree(N, T, V, H):
    params, idx, targets, h0 = problem(N, T, V, H, seed=1)
    _, cache = charlm_forward(params, idx, targets, h0)
    grads = charlm_backward(cache)
    errors = gradcheck(lambda **p: charlm_forward(p, idx, targets, h0)[0], params,  # the reported loss itself
                       {k: grads[k] for k in PARAM_NAMES})
    assert max(errors.values()) <= 1e-8, errors
    h_ref, _ = rnn_forward(one_hot(idx, V), h0, params["W_xh"], params["W_hh"], params["b_h"])
    np.testing.assert_allclose(cache.hs.transpose(1, 0, 2), h_ref, atol=1e-13)
    np.testing.assert_array_equal(cache.h_last, cache.hs[-1])


def test_float32_stays_float32_and_backward_does_not_mutate():
    params, idx, targets, h0 = problem(3, 5, 7, 4, dtype=np.float32)
    _, cache = charlm_forward(params, idx, targets, h0)
    snapshot = [np.copy(a) for a in cache if isinstance(a, np.ndarray)]
    grads = charlm_backward(cache)
    assert cache.hs.dtype == np.float32 and all(grads[k].dtype == np.float32 for k in PARAM_NAMES)
    for before, after in zip(snapshot, [a for a in cache if isinstance(a, np.ndarray)]):
        np.testing.assert_array_equal(before, after)


def test_forward_rejects_bad_input():
    params, idx, targets, h0 = problem(2, 3, 5, 4)
    bad = dict(params, W_hh=np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"W_hh must have shape \(H, H\) = \(4, 4\); got \(4, 3\)"):
        charlm_forward(bad, idx, targets, h0)
    with pytest.raises(ValueError, match="^params .*missing"):
        charlm_forward({k: params[k] for k in ("W_xh", "W_hh")}, idx, targets, h0)
    with pytest.raises(ValueError, match=r"^idx must hold indices in \[0, 5\)"):
        charlm_forward(params, idx + 5, targets, h0)
    with pytest.raises(ValueError, match="targets must have shape"):
        charlm_forward(params, idx, targets[:, :2], h0)
    with pytest.raises(ValueError, match="idx must be an integer array"):
        charlm_forward(params, idx.astype(float), targets, h0)
    with pytest.raises(ValueError, match=r"h0 must have shape \(N, H\) = \(2, 4\)"):
        charlm_forward(params, idx, targets, h0[:, :3])
    with pytest.raises(ValueError, match="cache must be the CharLMCache"):
        charlm_backward((1, 2))


def test_loss_units():
    report = loss_report(math.log(62))
    assert report.bpc == pytest.approx(math.log2(62)) and report.perplexity == pytest.approx(62)
    assert loss_report(0.0) == (0.0, 0.0, 1.0)


def test_clip_by_global_norm_on_a_dict_keeps_direction_keys_and_inputs():
    rng = np.random.default_rng(0)
    grads = {k: rng.normal(size=s) for k, s in zip(PARAM_NAMES, [(3, 4), (3, 3), (3,), (4, 3), (4,)])}
    copies = {k: v.copy() for k, v in grads.items()}
    norm = math.sqrt(sum((v**2).sum() for v in grads.values()))
    clipped, got_norm = clip_by_global_norm(grads, 1.0)
    assert got_norm == pytest.approx(norm)
    assert math.sqrt(sum((v**2).sum() for v in clipped.values())) == pytest.approx(1.0, rel=1e-5)
    for k in PARAM_NAMES:
        np.testing.assert_allclose(clipped[k] * norm, grads[k], rtol=1e-5)
        np.testing.assert_array_equal(grads[k], copies[k])
    same, _ = clip_by_global_norm(grads, 10 * norm)
    assert all(np.array_equal(same[k], grads[k]) for k in PARAM_NAMES)  # under the limit: unchanged
    assert list(clipped) == list(PARAM_NAMES)
    with pytest.raises(ValueError, match="^max_norm must"):
        clip_by_global_norm(grads, 0.0)


def test_adagrad_update_formula():  # charlm trains with rnnlib.optim's Adagrad; notebook 02 calls adagrad_update
    params, *_ = problem(1, 1, 3, 2)
    grads = {k: np.full_like(v, 2.0) for k, v in params.items()}
    memory = {k: np.full_like(v, 5.0) for k, v in params.items()}
    before = {k: v.copy() for k, v in params.items()}
    adagrad_update(params, grads, memory, lr=0.3)
    for k in PARAM_NAMES:
        np.testing.assert_allclose(memory[k], 9.0)
        np.testing.assert_allclose(params[k], before[k] - 0.3 * 2.0 / 3.0)


def test_make_streams_and_its_error():
    data = np.arange(103)
    streams = make_streams(data, 4, 5)
    assert streams.shape == (4, 26)  # S = 102 // 4 = 25, plus the target of the last input
    np.testing.assert_array_equal(streams[1], np.arange(25, 51))
    with pytest.raises(ValueError, match=r"need at least N\*T \+ 1 = 41 characters; got 40"):
        make_streams(np.arange(40), 4, 10)


@pytest.mark.parametrize("streams,chunk", [(1, 1000), (1, 7), (3, 4)])
def test_evaluate_nats_matches_forward(streams, chunk):
    params, *_ = problem(1, 1, 6, 5, seed=2)
    data = np.random.default_rng(3).integers(0, 6, 61)
    S = 60 // streams
    x = np.stack([data[n * S:n * S + S] for n in range(streams)])
    y = np.stack([data[n * S + 1:n * S + S + 1] for n in range(streams)])
    want, _ = charlm_forward(params, x, y, np.zeros((streams, 5)))
    assert evaluate_nats(params, data, streams=streams, chunk=chunk) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("length,streams", [(12, 3), (62, 16), (5, 16)])
def test_evaluate_nats_scores_every_target_once(length, streams):
    """length - 1 targets: `streams` streams of S, the remainder read as one more stream from where they stopped."""
    params, *_ = problem(1, 1, 6, 5, seed=5)
    data = np.random.default_rng(6).integers(0, 6, length)
    n = length - 1
    N = min(streams, n)
    S = n // N
    parts = [data[i * S:i * S + S + 1] for i in range(N)] + ([data[N * S:]] if N * S < n else [])
    total = sum(charlm_forward(params, p[None, :-1], p[None, 1:], np.zeros((1, 5)))[0] * (len(p) - 1) for p in parts)
    assert sum(len(p) - 1 for p in parts) == n
    assert evaluate_nats(params, data, streams=streams, chunk=4) == pytest.approx(total / n, rel=1e-12)


def test_evaluate_nats_rejects_bad_arguments_and_biases_start_at_plus_zero():
    params = init_params(5, 4)
    assert all(np.signbit(params[k]).sum() == 0 for k in ("b_h", "b_y"))
    with pytest.raises(ValueError, match="chunk must be a positive integer"):
        evaluate_nats(params, np.arange(50) % 5, chunk=0)
    with pytest.raises(ValueError, match="streams must be a positive integer"):
        evaluate_nats(params, np.arange(50) % 5, streams=0)
    with pytest.raises(ValueError, match="at least 2"):
        evaluate_nats(params, np.array([1]))
    with pytest.raises(ValueError, match=r"data must hold indices in \[0, 5\)"):
        evaluate_nats(params, np.array([0, 7]))


def test_hidden_states_are_the_tanh_rnn_over_embedded_characters():
    # charlm_hidden_states reads idx through W_xh.T[x] + b_h, which must equal rnn_forward on one-hot inputs.
    from rnnlib.charlm import charlm_hidden_states

    params, idx, targets, h0 = problem(N=3, T=4, V=5, H=2, seed=4)
    hs, _, _ = charlm_hidden_states(params, idx, h0)
    want, _ = rnn_forward(one_hot(idx, 5), h0, params["W_xh"], params["W_hh"], params["b_h"])
    np.testing.assert_allclose(hs.transpose(1, 0, 2), want, rtol=0, atol=1e-14)
    _, cache = charlm_forward(params, idx, targets, h0)
    np.testing.assert_allclose(cache.h, want, rtol=0, atol=1e-14)  # the cache's batch-first view
