import html

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from rnnlib.gated.widgets import draw_gates, gate_inspector, gate_table, lstm_gate_trace  # noqa: E402
from rnnlib.lstm import lstm_forward  # noqa: E402
from rnnlib.torch_bridge import lstm_params_from_torch, torch_lstm  # noqa: E402


def small(seed=0, T=5, D=3, H=2):
    rng = np.random.default_rng(seed)
    p = {"W_xh": rng.normal(size=(4 * H, D)), "W_hh": rng.normal(size=(4 * H, H)), "b_h": rng.normal(size=4 * H)}
    return np.eye(D)[rng.integers(0, D, T)], [chr(97 + k) for k in range(T)], p


def test_trace_matches_lstm_forward():
    x, tokens, p = small()
    trace = lstm_gate_trace(x, tokens, **p)
    h, cache = lstm_forward(x[None], np.zeros((1, 2)), **p)
    np.testing.assert_array_equal(trace.h, h[0])
    np.testing.assert_array_equal(trace.f, cache.gates["f"][0])
    np.testing.assert_array_equal(trace.c, cache.c[0])
    assert trace.tokens == tuple(tokens)


def test_table_by_hand():
    # W = 0 and b_h = 0: every gate is 1/2 and g = 0, so c stays 0.
    trace = lstm_gate_trace(np.ones((3, 1)), "abc", np.zeros((4, 1)), np.zeros((4, 1)), np.zeros(4))
    assert gate_table(trace, 2, [0]) == "step 2, input 'c'\nunit     i     f     o       c\n   0  0.50  0.50  0.50   0.000"
    # several steps: one table, a row per step (and unit), each row the one-step table's row after its step
    assert gate_table(trace, [0, 2], 0) == ("step input unit     i     f     o       c\n"
                                            "   0   'a'    0  0.50  0.50  0.50   0.000\n"
                                            "   2   'c'    0  0.50  0.50  0.50   0.000")


def test_draw_gates_plots_the_unit():
    x, tokens, p = small()
    trace = lstm_gate_trace(x, tokens, **p)
    fig = draw_gates(trace, 1, t=2)
    top, bottom = fig.axes
    np.testing.assert_array_equal(top.lines[1].get_ydata(), trace.f[:, 1])
    np.testing.assert_array_equal(bottom.lines[0].get_ydata(), trace.c[:, 1])
    assert [t.get_text() for t in bottom.get_xticklabels()] == tokens


def test_params_from_torch_round_trip():
    rng = np.random.default_rng(1)
    p = {"W_xh": rng.normal(size=(8, 3)), "W_hh": rng.normal(size=(8, 2)), "b_h": rng.normal(size=8)}
    back = lstm_params_from_torch(torch_lstm(**p))
    for k in p:
        np.testing.assert_array_equal(back[k], p[k])
    with pytest.raises(ValueError, match="module must be a torch.nn.LSTM"):
        lstm_params_from_torch(torch.nn.GRU(3, 2))
    with pytest.raises(ValueError, match=r"layer must be in 0..0"):
        lstm_params_from_torch(torch_lstm(**p), layer=1)


def test_inspector_redraws_when_a_slider_moves():
    x, tokens, p = small()
    box = gate_inspector(lstm_gate_trace(x, tokens, **p))
    (step, unit), table, image = box.children[0].children, box.children[1], box.children[2]
    before_table, before_image = table.value, image.value
    step.value = 3
    assert "step 3, input 'd'" in html.unescape(table.value) and image.value != before_image
    unit.value = 1
    assert table.value != before_table and "   1 " in table.value


def test_bad_arguments():
    x, tokens, p = small()
    with pytest.raises(ValueError, match="tokens must have one label per step"):
        lstm_gate_trace(x, tokens[:-1], **p)
    trace = lstm_gate_trace(x, tokens, **p)
    with pytest.raises(ValueError, match=r"t must be a step in 0..4"):
        gate_table(trace, 5, [0])
    with pytest.raises(ValueError, match=r"t must be a step in 0..4"):
        gate_table(trace, [0, 5], [0])
    with pytest.raises(ValueError, match="non-empty list of steps"):
        gate_table(trace, [], [0])
    with pytest.raises(ValueError, match=r"units must be unit indices in 0..1"):
        gate_table(trace, 0, [2])
    with pytest.raises(ValueError, match=r"W_hh must have shape \(4H, H\)"):
        lstm_gate_trace(x, tokens, p["W_xh"], p["W_hh"][:, :1], p["b_h"])
