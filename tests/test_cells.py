"""One set of checks run on each recurrent cell (tanh RNN, LSTM, GRU): shapes, steps, gradients, torch, errors."""
import numpy as np
import pytest
import torch
from cells import CELLS, TORCH_SINGLE

from rnnlib import gradcheck, rel_error
from rnnlib.lstm import split_gates
from rnnlib.torch_bridge import torch_reference

SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 7, 2, 6)]  # (N, T, D, H)
KINDS = sorted(CELLS)


@pytest.fixture(params=KINDS)
def cell(request):
    return CELLS[request.param]


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_forward_shapes_and_step_equivalence(cell, N, T, D, H):
    rng = np.random.default_rng(0)
    p = cell.params(rng, D, H)
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    h, cache = cell.forward(x, h0, **p)
    assert h.shape == (N, T, H) and h.dtype == np.float64
    states = (h0,) + tuple(np.zeros((N, H)) for _ in cell.states[1:])  # the LSTM's c0 defaults to zeros
    for t in range(T):
        states, step = cell.step(x[:, t], states, p)
        np.testing.assert_allclose(h[:, t], states[0], rtol=0, atol=1e-14)
        if cell.gate_field:
            gates = split_gates(getattr(step, cell.gate_field), names=tuple(cache.gates))
            for name, value in gates.items():
                np.testing.assert_allclose(cache.gates[name][:, t], value, rtol=0, atol=1e-14)


def test_float32_stays_float32(cell):
    rng = np.random.default_rng(0)
    p = {k: v.astype(np.float32) for k, v in cell.params(rng, 3, 4).items()}
    h, _ = cell.forward(rng.normal(size=(2, 5, 3)).astype(np.float32), np.zeros((2, 4), np.float32), **p)
    assert h.dtype == np.float32


@pytest.mark.parametrize("N,D,H", [(1, 1, 1), (4, 3, 5)])
def test_step_backward_gradcheck(cell, N, D, H):
    rng = np.random.default_rng(1)
    inputs = {"x": rng.normal(size=(N, D)), **{s: rng.normal(size=(N, H)) for s in cell.states},
              **cell.params(rng, D, H)}
    upstream = [rng.normal(size=(N, H)) for _ in cell.states]  # dh_next (and dc_next)
    copies = [u.copy() for u in upstream]
    cache = cell.step_forward(**inputs)[-1]
    grads = dict(zip(inputs, cell.step_backward(*upstream, cache)))
    for u, c in zip(upstream, copies):
        np.testing.assert_array_equal(u, c)  # backward never mutates its upstream gradients

    def loss(**a):
        return sum(np.sum(s * u) for s, u in zip(cell.step_forward(**a)[:-1], upstream))

    errors = gradcheck(loss, inputs, grads)
    assert len(grads) == len(inputs) and max(errors.values()) <= 1e-8, errors


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_backward_gradcheck(cell, N, T, D, H):
    rng = np.random.default_rng(2)
    inputs = {"x": rng.normal(size=(N, T, D)), "h0": rng.normal(size=(N, H)), **cell.params(rng, D, H)}
    dh = rng.normal(size=(N, T, H))
    _, cache = cell.forward(**inputs)
    dh_copy = dh.copy()
    grads = dict(zip(inputs, cell.backward(dh, cache)))
    np.testing.assert_array_equal(dh, dh_copy)
    errors = gradcheck(lambda **a: np.sum(cell.forward(**a)[0] * dh), inputs, grads)
    assert len(grads) == len(inputs) and max(errors.values()) <= 1e-8, errors


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_torch_parity_forward_and_backward(cell, N, T, D, H):
    rng = np.random.default_rng(3)
    p = cell.params(rng, D, H)
    x, h0, dh = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, T, H))
    h, cache = cell.forward(x, h0, **p)
    out, grads = torch_reference(cell.kind, p, x, h0, dh)
    assert rel_error(h, out) <= 1e-10
    names = ["dx", "dh0"] + [f"d{k}" for k in p]
    for name, g in zip(names, cell.backward(dh, cache), strict=True):
        assert rel_error(g, grads[name]) <= 1e-10, name


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_torch_parity_two_layers(kind):
    cell, rng = CELLS[kind], np.random.default_rng(6)
    N, T, D, H = 3, 6, 4, 5
    layers = [cell.params(rng, D, H), cell.params(rng, H, H)]
    x, dh = rng.normal(size=(N, T, D)), rng.normal(size=(N, T, H))
    h0, c0 = rng.normal(size=(2, N, H)), rng.normal(size=(2, N, H))
    extra = [{"c0": c0[k]} if kind == "lstm" else {} for k in range(2)]
    h1, cache1 = cell.forward(x, h0[0], **layers[0], **extra[0])
    h2, cache2 = cell.forward(h1, h0[1], **layers[1], **extra[1])
    dh1, dh0_2, *grads2 = cell.backward(dh, cache2)
    dx, dh0_1, *grads1 = cell.backward(dh1, cache1)
    module = cell.torch_stack([tuple(p.values()) for p in layers])
    xt, h0t = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    out, _ = module(xt, (h0t, torch.tensor(c0)) if kind == "lstm" else h0t)
    (out * torch.tensor(dh)).sum().backward()
    assert rel_error(h2, out.detach().numpy()) <= 1e-10 and rel_error(dx, xt.grad.numpy()) <= 1e-10
    assert rel_error(np.stack([dh0_1, dh0_2]), h0t.grad.numpy()) <= 1e-10
    for k, grads in enumerate([grads1, grads2]):
        for g, name in zip(grads, ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]):
            assert rel_error(g, getattr(module, f"{name}_l{k}").grad.numpy()) <= 1e-10, (k, name)


def test_torch_module_without_bias_matches_zero_biases(cell):
    rng = np.random.default_rng(4)
    p = cell.params(rng, 3, 2)
    x = rng.normal(size=(1, 4, 3))
    zero_biases = {b: np.zeros(2 * cell.gates) for b in cell.biases}
    h, _ = cell.forward(x, np.zeros((1, 2)), p["W_xh"], p["W_hh"], **zero_biases)
    out, _ = TORCH_SINGLE[cell.kind](p["W_xh"], p["W_hh"])(torch.tensor(x))
    assert rel_error(h, out.detach().numpy()) <= 1e-12


def good_args(cell, N=2, T=3, D=4, H=5):
    G = cell.gates * H
    shapes = {"x": (N, T, D), "h0": (N, H), "W_xh": (G, D), "W_hh": (G, H), **{b: (G,) for b in cell.biases}}
    return {k: np.zeros(s) for k, s in shapes.items()}


def test_forward_rejects_bad_shapes_and_dtypes_by_name(cell):
    args = good_args(cell)
    bad_shapes = {"x": (2, 3), "h0": (3, 5), "W_xh": (5 * cell.gates, 3), "W_hh": (5 * cell.gates, 4),
                  **{b: (4,) for b in cell.biases}}
    for name, shape in bad_shapes.items():
        with pytest.raises(ValueError, match=rf"^{name} must have shape .*; got (shape )?\({shape[0]},"):
            cell.forward(**{**args, name: np.zeros(shape)})
        with pytest.raises(ValueError, match=rf"^{name} must be a floating-point array"):
            cell.forward(**{**args, name: np.zeros(args[name].shape, dtype=int)})
    with pytest.raises(ValueError, match=r"^x must have at least one time step"):
        cell.forward(**{**args, "x": np.zeros((2, 0, 4))})


def test_backward_rejects_bad_upstream_and_foreign_caches(cell):
    args = good_args(cell)
    _, cache = cell.forward(**args)
    with pytest.raises(ValueError, match=r"^dh must have shape \(N, T, H\) = \(2, 3, 5\)"):
        cell.backward(np.zeros((2, 3, 4)), cache)
    with pytest.raises(ValueError, match=r"^cache must be the \w+Cache"):
        cell.backward(np.zeros((2, 3, 5)), (1, 2))
    params = {k: v for k, v in args.items() if k not in ("x", "h0")}
    states = tuple(np.zeros((2, 5)) for _ in cell.states)
    with pytest.raises(ValueError, match=rf"^{cell.states[-1]} must have shape \(N, H\) = \(2, 5\)"):
        cell.step_forward(np.zeros((2, 4)), *states[:-1], np.zeros((1, 5)), **params)
    _, step_cache = cell.step(np.zeros((2, 4)), states, params)
    upstream = [np.zeros((2, 5)) for _ in cell.states]
    with pytest.raises(ValueError, match=rf"^d{cell.states[-1][:-5]}_next must have shape \(N, H\)"):
        cell.step_backward(*upstream[:-1], np.zeros(5), step_cache)
    with pytest.raises(ValueError, match=r"^cache must be the \w+StepCache"):
        cell.step_backward(*upstream, cache)


def test_torch_reference_rejects_an_unknown_kind():
    p = CELLS["rnn"].params(np.random.default_rng(0), 3, 2)
    with pytest.raises(ValueError, match="^kind must be one of"):
        torch_reference("transformer", p, np.zeros((1, 2, 3)), np.zeros((1, 2)), np.zeros((1, 2, 2)))
