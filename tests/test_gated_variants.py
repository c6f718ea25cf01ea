import numpy as np
import pytest
import torch

from rnnlib import tasks
from rnnlib.gated.variants import CELLS, CoupledLSTMCell, MUT1Cell, MUT2Cell, MUT3Cell, RecurrentLayer, variant_layer
from rnnlib.lstm import sigmoid

DEFAULT = torch.get_default_dtype()


@pytest.fixture(autouse=True)
def float64():
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(DEFAULT)


def np_(t):
    return t.detach().numpy()


def test_lstm_loop_matches_torch_lstm():
    torch.manual_seed(0)
    ref = torch.nn.LSTM(3, 4, batch_first=True)
    layer = RecurrentLayer(CELLS["lstm_loop"](3, 4))
    with torch.no_grad():
        layer.cell.x_proj.weight.copy_(ref.weight_ih_l0)
        layer.cell.x_proj.bias.copy_(ref.bias_ih_l0 + ref.bias_hh_l0)
        layer.cell.h_proj.weight.copy_(ref.weight_hh_l0)
    x = torch.randn(2, 5, 3)
    out, (h, c) = layer(x)
    ref_out, (ref_h, ref_c) = ref(x)
    assert torch.allclose(out, ref_out, atol=1e-14) and torch.allclose(c, ref_c[0], atol=1e-14)


def test_peephole_with_zero_peepholes_is_the_lstm_and_differs_otherwise():
    torch.manual_seed(1)
    peep = RecurrentLayer(CELLS["peephole"](3, 4))
    plain = RecurrentLayer(CELLS["lstm_loop"](3, 4))
    plain.load_state_dict({k: v for k, v in peep.state_dict().items() if "peep" not in k})
    x = torch.randn(2, 6, 3)
    assert torch.allclose(peep(x)[0], plain(x)[0], rtol=0, atol=1e-14)
    with torch.no_grad():
        peep.cell.peep.fill_(0.5)
    assert (peep(x)[0] - plain(x)[0]).abs().max() > 1e-3


def _one_step(cell, x, h):
    xw = cell.inputs(x[:, None])[:, 0]
    return np_(cell.step(xw, h)[0])


def test_coupled_cell_by_its_equations():
    torch.manual_seed(2)
    cell = CoupledLSTMCell(3, 2)
    x, h, c = torch.randn(4, 3), torch.randn(4, 2), torch.randn(4, 2)
    a = np_(cell.x_proj(x) + cell.h_proj(h))
    f, g, o = sigmoid(a[:, :2]), np.tanh(a[:, 2:4]), sigmoid(a[:, 4:])
    c_next = f * np_(c) + (1 - f) * g
    xw = cell.inputs(x[:, None])[:, 0]
    h_next, (_, c_out) = cell.step(xw, (h, c))
    np.testing.assert_allclose(np_(c_out), c_next, atol=1e-14)
    np.testing.assert_allclose(np_(h_next), o * np.tanh(c_next), atol=1e-14)


@pytest.mark.parametrize("D", [4, 3])  # D == H uses x itself; D != H goes through P
def test_mut_cells_by_their_equations(D):
    torch.manual_seed(3)
    H = 4
    x, h = torch.randn(5, D), torch.randn(5, H)
    X, Hn = np_(x), np_(h)
    sig, tanh = sigmoid, np.tanh

    m1 = MUT1Cell(D, H)
    Wx, bx = np_(m1.x_proj.weight), np_(m1.x_proj.bias)
    raw = X if D == H else X @ np_(m1.P.weight).T
    z = sig(X @ Wx[:H].T + bx[:H])
    r = sig(X @ Wx[H:].T + bx[H:] + Hn @ np_(m1.h_proj.weight).T)
    n = tanh((r * Hn) @ np_(m1.W_hh.weight).T + tanh(raw) + np_(m1.b))
    np.testing.assert_allclose(_one_step(m1, x, h), n * z + Hn * (1 - z), atol=1e-14)

    m2 = MUT2Cell(D, H)
    Wx, bx, Wh = np_(m2.x_proj.weight), np_(m2.x_proj.bias), np_(m2.h_proj.weight)
    raw = X if D == H else X @ np_(m2.P.weight).T
    z = sig(X @ Wx[:H].T + bx[:H] + Hn @ Wh[:H].T)
    r = sig(raw + np_(m2.b) + Hn @ Wh[H:].T)
    n = tanh((r * Hn) @ np_(m2.W_hh.weight).T + X @ Wx[H:].T + bx[H:])
    np.testing.assert_allclose(_one_step(m2, x, h), n * z + Hn * (1 - z), atol=1e-14)

    m3 = MUT3Cell(D, H)
    Wx, bx = np_(m3.x_proj.weight), np_(m3.x_proj.bias)
    z = sig(X @ Wx[:H].T + bx[:H] + tanh(Hn) @ np_(m3.W_hz.weight).T)
    r = sig(X @ Wx[H : 2 * H].T + bx[H : 2 * H] + Hn @ np_(m3.h_proj.weight).T)
    n = tanh((r * Hn) @ np_(m3.W_hh.weight).T + X @ Wx[2 * H :].T + bx[2 * H :])
    np.testing.assert_allclose(_one_step(m3, x, h), n * z + Hn * (1 - z), atol=1e-14)
    assert m3.P is None and m3.b is None


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru", *CELLS])
def test_every_layer_trains_in_the_memory_task_loop(name):
    torch.set_default_dtype(DEFAULT)
    res = tasks.train_sequence_classifier(variant_layer(name), tasks.MemoryTask(gap=2), hidden_size=8, steps=3,
                                          batch_size=4, eval_size=16)
    assert res.losses.shape == (3,) and np.all(np.isfinite(res.losses)) and 0 <= res.accuracy <= 1
    assert all(p.grad is not None for p in res.model.parameters())  # no dead parameters


def test_every_parameter_gets_a_nonzero_gradient():
    for name in CELLS:
        for D in (3, 5):
            layer = variant_layer(name)(D, 5)
            out, _ = layer(torch.randn(2, 4, D))
            out.sum().backward()
            for pname, p in layer.named_parameters():
                assert p.grad is not None and p.grad.abs().max() > 0, (name, D, pname)


@pytest.mark.parametrize("name,block", [("lstm", 1), ("lstm_loop", 1), ("peephole", 1), ("coupled", 0)])
def test_forget_bias_lands_on_the_forget_block(name, block):
    torch.manual_seed(4)
    base = variant_layer(name)(3, 2)
    torch.manual_seed(4)
    shifted = variant_layer(name, forget_bias=1.0)(3, 2)
    get = (lambda m: m.bias_ih_l0) if name == "lstm" else (lambda m: m.cell.x_proj.bias)
    diff = np_(get(shifted) - get(base))
    expected = np.zeros_like(diff)
    expected[block * 2 : (block + 1) * 2] = 1.0
    np.testing.assert_allclose(diff, expected, atol=1e-15)


def _one_step_change(layer, x):
    """How far one step moves the state: from c = 0 (cell types, c should stay ~0) or from a random h."""
    torch.manual_seed(6)
    h = torch.randn(x.shape[0], layer.hidden_size if hasattr(layer, "hidden_size") else layer.cell.hidden_size)
    if isinstance(layer, torch.nn.LSTM):
        _, (_, c) = layer(x, (h[None], torch.zeros_like(h)[None]))
        return c.abs().max().item()
    if isinstance(layer, torch.nn.GRU):
        out, _ = layer(x, h[None])
        return (out[:, 0] - h).abs().max().item()
    if layer.cell.has_cell_state:
        _, (_, c) = layer(x, (h, torch.zeros_like(h)))
        return c.abs().max().item()
    out, _ = layer(x, h)
    return (out[:, 0] - h).abs().max().item()


@pytest.mark.parametrize("name", ["lstm", "gru", *CELLS])
def test_remember_bias_makes_every_cell_keep_its_state(name):
    x = torch.randn(3, 1, 4)
    moved = {}
    for bias in (0.0, 8.0):
        torch.manual_seed(5)
        moved[bias] = _one_step_change(variant_layer(name, remember_bias=bias)(4, 4), x)
    assert moved[8.0] < 0.01 < moved[0.0], moved


def test_bad_names_and_options():
    with pytest.raises(ValueError, match="name must be one of"):
        variant_layer("lstm2")
    with pytest.raises(ValueError, match="forget_bias applies to LSTM-type layers"):
        variant_layer("gru", forget_bias=1.0)(3, 2)
    with pytest.raises(ValueError, match="remember_bias applies to gated layers"):
        variant_layer("rnn", remember_bias=1.0)(3, 2)
    with pytest.raises(ValueError, match="batch_first must be True"):
        variant_layer("mut1")(3, 2, batch_first=False)
