"""The homework widgets driven by the student's own function: rnnlib.checkers.explore and rnnlib.checkers.widgets.

Each plain function runs with rnnlib's reference (values checked by reasoning), with a deliberately
wrong answer (the values and the summary line differ), and with one raising NotImplementedError (the
one-line message, nothing drawn)."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from rnnlib.checkers import explore as ae  # noqa: E402
from rnnlib.checkers import widgets as aw  # noqa: E402
from rnnlib.checkers.captioning import reference_toy_beams  # noqa: E402
from rnnlib.gated.widgets import lstm_gate_trace  # noqa: E402
from rnnlib.lstm import LSTMStepCache, lstm_step_forward  # noqa: E402

NOT_YET = "not implemented yet — write {} above and re-run this cell"


def unanswered(*args):
    raise NotImplementedError()


def test_failure_message_is_one_line():
    assert ae.failure_message("f", NotImplementedError()) == NOT_YET.format("f")
    assert ae.failure_message("f", ValueError("first line\nsecond")) == "f raised ValueError: first line"
    assert ae.failure_message("f", KeyError()) == "f raised KeyError"
    assert ae.attempt("f", lambda a: a + 1, 1) == (2, None)
    assert ae.attempt("f", lambda: 1 / 0) == (None, "f raised ZeroDivisionError: division by zero")


def panel(fn_panel, fn, value):
    fig = Figure()
    ok, line = fn_panel(fn, value, fig)
    return ok, line, fig


@pytest.mark.parametrize("fn_panel, name", [(aw.adagrad_panel, "adagrad_step"), (aw.gradient_norms_panel, "my_rnn_backward"),
                                            (aw.cliff_panel, "clip_by_norm")])
def test_panels_show_the_message_and_draw_nothing_when_unanswered(fn_panel, name):
    ok, line, fig = panel(fn_panel, unanswered, 1.0)
    assert (ok, line, fig.axes) == (False, NOT_YET.format(name), [])


# --- 02 ---
def test_adagrad_first_step_moves_every_coordinate_by_lr():
    # memory = g**2 after one step, so the step is lr * g / |g|: lr in each coordinate, whatever the curvature
    path = ae.adagrad_path(ae.reference_adagrad_step, 0.5)
    np.testing.assert_allclose(path[1], [-2.5, 0.5], rtol=1e-8)  # eps = 1e-8 inside the square root
    assert ae.bowl_loss(path)[-1] < 1e-3 * ae.bowl_loss(path)[0]


def test_adagrad_panel_matches_reference_and_tells_a_wrong_answer():
    ok, line, fig = panel(aw.adagrad_panel, ae.reference_adagrad_step, 0.5)
    assert ok and line.startswith("your path matches rnnlib's") and len(fig.axes) == 2

    def plain_sgd(param, grad, memory, lr):  # forgets the memory
        param -= lr * grad

    ok, line, _ = panel(aw.adagrad_panel, plain_sgd, 0.05)
    assert ok and line.startswith("your path differs from rnnlib's")
    assert ae.bowl_loss(ae.adagrad_path(plain_sgd, 0.5))[-1] > 1e50  # |1 - 20 * 0.5| = 9 per step on the steep axis

    def nan_step(param, grad, memory, lr):
        param[:] = np.nan

    ok, line, _ = panel(aw.adagrad_panel, nan_step, 0.5)
    assert not ok and line.startswith("adagrad_step raised ValueError: param after adagrad_step must be finite")


# --- 03 ---
def test_gradient_norms_shrink_at_least_by_sigma_per_step():
    # dL/da_t = (dL/da_{t+1} @ W_hh) * (1 - h_t**2): at most sigma times as large, and 1 at the end at most
    sigma = 0.8
    norms = ae.gradient_norms_per_step(ae.reference_rnn_backward, sigma)
    assert 0 < norms[-1] <= 1
    assert np.all(norms[:-1] <= sigma * norms[1:] * (1 + 1e-12))


def test_gradient_norms_panel_tells_a_wrong_loop():
    from rnnlib.rnn import rnn_backward

    def no_carry(dh, cache):  # every step gets only its own dh: nothing reaches the earlier steps
        dx, *rest = rnn_backward(dh, cache)
        out = np.zeros_like(dx)
        out[:, -1] = dx[:, -1]
        return (out, *rest)

    ok, line, fig = panel(aw.gradient_norms_panel, ae.reference_rnn_backward, 1.0)
    assert ok and line.startswith("your norms match rnnlib's") and len(fig.axes) == 1
    assert np.all(ae.gradient_norms_per_step(no_carry, 1.0)[:-1] == 0)
    ok, line, _ = panel(aw.gradient_norms_panel, no_carry, 1.0)
    assert ok and line.startswith("your norms differ from rnnlib's")


# --- 04 ---
def test_clipped_descent_steps_at_most_lr_times_max_norm():
    path = ae.clipped_descent(ae.reference_clip, 1.0)
    assert np.linalg.norm(np.diff(path.theta, axis=0), axis=1).max() <= 0.2 * 1.0 + 1e-12
    unclipped = ae.clipped_descent(lambda grads, max_norm: grads, 1.0)  # the wrong answer: no clipping
    assert np.linalg.norm(np.diff(unclipped.theta, axis=0), axis=1).max() > 1.0  # the cliff's wall throws it


def test_cliff_panel_summary_and_bad_return():
    ok, line, fig = panel(aw.cliff_panel, ae.reference_clip, 1.0)
    assert ok and line.startswith("largest step of your path 0.200 (lr · max_norm = 0.200)") and len(fig.axes) == 2
    ok, line, _ = panel(aw.cliff_panel, lambda grads, max_norm: grads[0], 1.0)  # an array, not a list
    assert not ok and line.startswith("clip_by_norm raised ValueError: clip_by_norm must return a list")


# --- 05 ---
def small_lstm(T=6, D=3, H=2, seed=0):
    rng = np.random.default_rng(seed)
    p = {"W_xh": rng.normal(size=(4 * H, D)), "W_hh": rng.normal(size=(4 * H, H)), "b_h": rng.normal(size=4 * H)}
    return np.eye(D)[rng.integers(0, D, T)], list("abcdef"[:T]), p


def test_gates_from_the_reference_step_equal_the_gate_trace():
    x, tokens, p = small_lstm()
    trace, line = aw.gates_from_answer(lstm_step_forward, x, tokens, **p)
    ref = lstm_gate_trace(x, tokens, **p)
    for k in "ifgoch":
        np.testing.assert_allclose(getattr(trace, k), getattr(ref, k), rtol=0, atol=1e-12)
    assert line.startswith("your gates match rnnlib's")


def test_gates_from_a_wrong_step_name_the_gate():
    def forget_ignores_c(x, h_prev, c_prev, W_xh, W_hh, b_h):  # c_next = i * g: the forget path is missing
        h, c, cache = lstm_step_forward(x, h_prev, c_prev, W_xh, W_hh, b_h)
        H = h.shape[1]
        i, g, o = cache.ifgo[:, :H], cache.ifgo[:, 2 * H : 3 * H], cache.ifgo[:, 3 * H :]
        c = i * g
        return o * np.tanh(c), c, LSTMStepCache(*cache[:4], c, np.tanh(c), *cache[6:])

    x, tokens, p = small_lstm()
    trace, line = aw.gates_from_answer(forget_ignores_c, x, tokens, **p)
    assert trace is not None and line.startswith("your gates differ from rnnlib's, most in")
    assert aw.gates_from_answer(unanswered, x, tokens, **p) == (None, NOT_YET.format("my_lstm_step_forward"))
    trace, line = aw.gates_from_answer(lambda *a: lstm_step_forward(*a)[:2] + (None,), x, tokens, **p)
    assert trace is None and line.startswith("my_lstm_step_forward raised ValueError: cache.ifgo")


def test_lstm_gate_widget_shows_only_the_message_when_unanswered():
    x, tokens, p = small_lstm()
    box = aw.lstm_gate_widget(x, tokens, p, fn=unanswered)
    assert len(box.children) == 1 and NOT_YET.format("my_lstm_step_forward") in box.children[0].value
    assert len(aw.lstm_gate_widget(x, tokens, p).children) == 2
    assert repr(box).startswith("[interactive widget: the gate inspector on your my_lstm_step_forward")
    assert len(repr(box)) <= 110


# --- 06 ---
def test_width_one_is_greedy_and_a_wide_beam_finds_the_best():
    table = ae.toy_bigram()
    greedy, word = [], 0
    for _ in range(4):
        word = int(np.argmax(table[word]))
        greedy.append(word)
    (words, lp), = reference_toy_beams(1)
    assert words == greedy
    best_words, best_lp = ae.exhaustive_best()
    assert lp < best_lp - 0.5  # this toy model punishes greedy decoding
    for width in range(3, 9):  # the search keeps the best prefix of the best sequence from width 3 on (checked exhaustively)
        assert reference_toy_beams(width)[0] == (best_words, pytest.approx(best_lp, abs=1e-12))


def test_beam_report_tells_a_wrong_beam_step():
    def forgets_scores(scores, logprobs, beam_width):  # ranks the extensions by the last word's log-prob only
        best = np.argsort(-logprobs.ravel(), kind="stable")[:beam_width]
        parents, words = best // logprobs.shape[1], best % logprobs.shape[1]
        return scores[parents] + logprobs[parents, words], parents, words

    def per_beam_best(scores, logprobs, beam_width):  # one extension per beam: too few from a single beam
        words = logprobs.argmax(axis=1)[:beam_width]
        return scores + logprobs[np.arange(len(words)), words], np.arange(len(words)), words

    ok, text = aw.beam_report(None, 3)  # rnnlib's own beam step
    assert ok and "your beams match rnnlib's" in text and "your best beam found it" in text
    ok, text = aw.beam_report(forgets_scores, 3)
    assert ok and "your beams differ from rnnlib's" in text and "your best beam missed it" in text
    ok, text = aw.beam_report(per_beam_best, 3)
    assert not ok and text == "beam_step raised ValueError: new_scores must have shape (3,); got (1,)"
    assert aw.beam_report(unanswered, 3) == (False, NOT_YET.format("beam_step"))


# --- the wrappers ---
@pytest.mark.parametrize("make, name", [(aw.adagrad_widget, "adagrad_step"), (aw.bptt_norms_widget, "my_rnn_backward"),
                                        (aw.clip_widget, "clip_by_norm"), (aw.beam_step_widget, "beam_step")])
def test_widgets_show_the_message_then_redraw_with_the_reference(make, name):
    box = make(fn=unanswered)
    slider, status = box.children[:2]
    assert NOT_YET.format(name) in status.value and repr(box).startswith("[interactive widget: ")
    assert len(repr(box)) <= 110  # ipywidgets cuts a longer text form with "…"
    box = make()
    slider, shown = box.children[:2]
    before = shown.value if name == "beam_step" else box.children[2].value
    slider.value = slider.max
    after = shown.value if name == "beam_step" else box.children[2].value
    assert after and after != before and "raised" not in shown.value


# --- one colour per meaning, legible at slide size (a student's reading of issue 20) ---
def _meaning(label):
    import re

    return "yours" if re.search(r"\byours?\b", label) else "rnnlib" if "rnnlib" in label else "other"


@pytest.mark.parametrize("fn_panel, fn, value", [(aw.adagrad_panel, ae.reference_adagrad_step, 0.5),
                                                 (aw.gradient_norms_panel, ae.reference_rnn_backward, 1.0),
                                                 (aw.cliff_panel, ae.reference_clip, 1.0)])
def test_every_panel_draws_yours_and_rnnlib_s_alike_and_legibly(fn_panel, fn, value):
    """Yours is blue and solid, rnnlib's red and dashed, on every panel of every widget (the 04 widget drew
    rnnlib's path red on one panel and orange on the other, yours white and blue); no text under 10 pt in a
    figure at most 9 inches wide."""
    from matplotlib.colors import to_hex
    from matplotlib.text import Text

    figsize = aw.FIGSIZES[fn_panel.__name__]
    assert figsize[0] <= 9
    fig = Figure(figsize=figsize)
    ok, _ = fn_panel(fn, value, fig)
    assert ok
    styles = {}
    for ax in fig.axes:
        for line in ax.get_lines():
            meaning = _meaning(line.get_label())
            styles.setdefault(meaning, set()).add((to_hex(line.get_color()), line.get_linestyle(), line.get_marker()))
    expected = {"yours": aw.YOURS, "rnnlib": aw.RNNLIB, "other": aw.OTHER}
    for meaning, seen in styles.items():
        style = expected[meaning]
        assert seen == {(to_hex(style["color"]), style["linestyle"], style["marker"])}, (meaning, seen)
    assert {"yours", "rnnlib"} <= set(styles)
    assert len({to_hex(s["color"]) for s in expected.values()}) == 3
    texts = [t for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]
    small = sorted({(t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() < 10})
    assert texts and not small, small
