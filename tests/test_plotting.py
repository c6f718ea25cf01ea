import html

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from rnnlib.plotting import (
    ARCHITECTURES,
    annotated_heatmap,
    describe_figure,
    draw_architectures,
    draw_forward_step,
    draw_rnn_chain,
    draw_unrolled_graph,
)
from rnnlib.trace import dogs_trace


def boxes(ax):
    return [p for p in ax.patches if isinstance(p, FancyBboxPatch)]


def arrows(ax):
    return [c for c in ax.texts if isinstance(c, matplotlib.text.Annotation)]


def texts(ax):
    return [t.get_text() for t in ax.texts if not isinstance(t, matplotlib.text.Annotation)]


@pytest.mark.parametrize("values,shape", [(np.arange(3.0), (3, 1)), (np.arange(6.0).reshape(2, 3) - 2, (2, 3))])
def test_annotated_heatmap_writes_every_value(values, shape):
    ax = Figure().add_subplot()
    image = annotated_heatmap(ax, values, fmt="{:.1f}", title="v")
    assert image.get_array().shape == shape
    assert texts(ax) == [f"{v:.1f}" for v in np.ravel(values)]
    assert ax.get_title() == "v"


@pytest.mark.parametrize(
    "n,inputs,outputs,h0",
    [(1, (0,), (0,), False), (3, (0,), (0, 1, 2), False), (5, (0, 1, 2), (3, 4), True), (4, range(4), range(4), True)],
)
def test_rnn_chain_draws_one_box_per_node_and_one_arrow_per_edge(n, inputs, outputs, h0):
    ax = Figure().add_subplot()
    draw_rnn_chain(ax, n, inputs, outputs, h0=h0, weights=True)
    n_in, n_out = len(list(inputs)), len(list(outputs))
    assert len(boxes(ax)) == n + n_in + n_out + h0
    recurrent = n - 1 + h0
    assert len(arrows(ax)) == n_in + n_out + recurrent
    labels = texts(ax)
    # the same three matrices label every arrow of their kind
    assert labels.count("$W_{xh}$") == n_in and labels.count("$W_{hy}$") == n_out
    assert labels.count("$W_{hh}$") == recurrent
    assert ("$h_0$" in labels) == h0


def test_unrolled_graph_labels_the_word_and_the_predictions():
    tr = dogs_trace("dogs")
    fig = draw_unrolled_graph(tr, fig=Figure())
    (ax,) = fig.axes
    labels = texts(ax)
    for t, (c, p) in enumerate(zip(tr.word, tr.predictions), start=1):
        assert f"$x_{{{t}}}$\n'{c}'" in labels
        assert f"$y_{{{t}}}$\n→ '{p}'" in labels
    assert labels.count("$W_{hh}$") == 4  # h0 -> h1 and three more
    assert describe_figure(fig) == "[figure: The RNN unrolled over 'dogs': one set of weights, reused at every step (1 panel)]"


@pytest.mark.parametrize("word,target,verdict,color", [("dog", "s", "wrong", "#b22222"), ("dog", "d", "right", "#1b7a1b")])
def test_unrolled_graph_marks_the_target_beside_the_last_output(word, target, verdict, color):
    tr = dogs_trace(word)
    assert tr.predictions[-1] == "d"  # the untrained network says 'd' after 'dog'
    fig = draw_unrolled_graph(tr, fig=Figure(), target=target)
    (ax,) = fig.axes
    (label,) = [t for t in ax.texts if t.get_text().startswith("target")]
    assert label.get_text() == f"target '{target}'\n({verdict})"
    assert matplotlib.colors.to_hex(label.get_color()) == color
    assert label.get_position()[0] < ax.get_xlim()[1]  # inside the axes, to the right of y_T
    assert "target" not in " ".join(texts(draw_unrolled_graph(tr, fig=Figure()).axes[0]))


@pytest.mark.parametrize("target", ["x", "", "ds", 3])
def test_unrolled_graph_rejects_a_target_outside_the_vocabulary(target):
    with pytest.raises(ValueError, match=r"target must be one of the symbols d, o, g, s; got"):
        draw_unrolled_graph(dogs_trace("dog"), fig=Figure(), target=target)


@pytest.mark.parametrize("word,t", [("d", 1), ("dog", 2), ("dogs", 4)])
def test_forward_step_shows_that_steps_numbers(word, t):
    tr = dogs_trace(word)
    fig = draw_forward_step(tr, t, fig=Figure())
    axes = fig.axes[: 6]
    assert len(fig.axes) == 6
    i = t - 1
    expected = [tr.x[i], tr.h_prev[i], tr.a[i], tr.h[i], tr.z[i], tr.y[i]]
    for ax, values in zip(axes, expected):
        fmt = "{:.0f}" if values is expected[0] else "{:.2f}"
        assert texts(ax) == [fmt.format(v) for v in values]
    assert axes[0].get_title() == f"$x_{{{t}}}$ = '{word[i]}'"
    assert [tick.get_text() for tick in axes[5].get_yticklabels()] == ["d", "o", "g", "s"]
    best = int(tr.y[i].argmax())
    assert fig._suptitle.get_text() == (
        f"step t = {t}: read '{word[i]}', predict '{'dogs'[best]}' (p = {tr.y[i, best]:.2f})"
    )


def test_forward_step_first_step_is_the_slides_example():
    fig = draw_forward_step(dogs_trace("dog"), 1, fig=Figure())
    assert texts(fig.axes[3]) == ["0.54", "0.20", "0.72"]  # h_1 as printed in the slides
    assert texts(fig.axes[5]) == ["0.32", "0.21", "0.24", "0.22"]  # y_1
    assert fig._suptitle.get_text() == "step t = 1: read 'd', predict 'd' (p = 0.32)"


@pytest.mark.parametrize("t", [0, 4, -1, 1.0, True, "1"])
def test_forward_step_rejects_bad_steps(t):
    with pytest.raises(ValueError, match=r"t must be a step between 1 and T = 3 for the word 'dog'"):
        draw_forward_step(dogs_trace("dog"), t, fig=Figure())


def test_architectures_figure_has_one_panel_per_pattern():
    fig = draw_architectures(fig=Figure())
    assert len(fig.axes) == len(ARCHITECTURES) == 5
    tasks = ["image classification", "image captioning", "sentiment classification", "machine translation",
             "per-frame video classification"]
    for ax, task, (name, _, n, ins, outs) in zip(fig.axes, tasks, ARCHITECTURES):
        assert ax.get_title() == f"{name}\ne.g. {task}"
        assert len(boxes(ax)) == n + len(ins) + len(outs)
    assert describe_figure(fig).endswith("(5 panels)]")


def test_default_figures_come_from_pyplot():
    import matplotlib.pyplot as plt

    fig = draw_forward_step(dogs_trace("go"), 2)
    try:
        assert plt.fignum_exists(fig.number)
    finally:
        plt.close("all")


# ---- the widget wrapper in rnnlib.widgets (its drawing function is tested above) ----

def controls(widget):
    (slider, text), status, image = widget.children[0].children, widget.children[1], widget.children[2]
    return slider, text, status, image


def test_widget_redraws_when_the_step_or_the_word_changes():
    from rnnlib.widgets import forward_step_widget

    slider, text, status, image = controls(forward_step_widget("dog"))
    assert (slider.min, slider.max, slider.value) == (1, 3, 1)
    first = bytes(image.value)
    assert first.startswith(b"\x89PNG")
    slider.value = 3
    third = bytes(image.value)
    assert third != first
    text.value = "go"  # shorter word: the slider follows it
    assert (slider.max, slider.value) == (2, 2)
    assert bytes(image.value) not in (first, third)
    assert status.value == ""


def test_widget_shows_a_message_instead_of_a_traceback():
    from rnnlib.widgets import forward_step_widget

    slider, text, status, image = controls(forward_step_widget("dog"))
    before = bytes(image.value)
    text.value = "cat"
    message = html.unescape(status.value)
    assert "word must use only the letters d, o, g, s; got 'cat'" in message
    assert bytes(image.value) == before and slider.max == 3  # the last good picture stays
    text.value = ""
    assert "got an empty word" in html.unescape(status.value)
    text.value = "dogs"
    assert status.value == "" and slider.max == 4


def test_widget_calls_the_drawing_function_with_the_current_word_and_step(monkeypatch):
    import rnnlib.plotting
    from rnnlib.widgets import forward_step_widget

    calls = []
    real = rnnlib.plotting.draw_forward_step

    def spy(trace, t, fig=None):
        calls.append((trace.word, t))
        return real(trace, t, fig=fig)

    monkeypatch.setattr(rnnlib.plotting, "draw_forward_step", spy)
    slider, text, _, _ = controls(forward_step_widget("dogs", t=2))
    slider.value = 4
    text.value = "dog"
    assert calls == [("dogs", 2), ("dogs", 4), ("dog", 3)]


def test_figure_or_new_draws_where_it_is_told():
    from matplotlib.figure import Figure

    from rnnlib.plotting import figure_or_new

    given = Figure(figsize=(2, 1))
    assert figure_or_new(given, (9, 9)) is given  # a widget's figure is used as it is
    made = figure_or_new(None, (3, 2))
    assert tuple(made.get_size_inches()) == (3, 2)
    import matplotlib.pyplot as plt

    plt.close(made)


def png_text(png):
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png))
    image.load()
    return image, image.text


@pytest.mark.parametrize("dpi", [80, 160])
def test_save_png_records_the_smallest_text_it_draws(dpi):
    from rnnlib.pngtext import TEXT_SIZE_KEY, save_png, smallest_text_px

    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_title("title", fontsize=14)
    ax.tick_params(labelsize=7)  # the tick labels are the smallest text drawn
    ax.text(0.5, 0.5, "hidden", fontsize=4, visible=False)  # not drawn: not counted
    ax.text(0.5, 0.5, " ", fontsize=5)  # nothing to read: not counted
    png = save_png(fig, dpi)
    image, text = png_text(png)
    assert image.size == (3 * dpi, 2 * dpi)  # a valid PNG, exactly savefig's picture
    assert smallest_text_px(png) == pytest.approx(7 * dpi / 72, abs=0.01)
    assert text[TEXT_SIZE_KEY].startswith(f"{7 * dpi / 72:.2f} px = 7 pt at {dpi} dpi: ")


def test_save_png_counts_only_text_that_is_drawn():
    from rnnlib.plotting import draw_architectures, save_png, smallest_text_px

    fig = draw_architectures(fig=Figure(figsize=(15, 3.2)))  # axes turned off: their tick labels are not drawn
    assert smallest_text_px(save_png(fig, 72)) == pytest.approx(10)  # the box labels and panel titles, 10 pt


def test_a_picture_without_text_or_without_a_record():
    from rnnlib.pngtext import save_png, smallest_text_px

    fig = Figure(figsize=(1, 1))
    fig.add_subplot().axis("off")
    png = save_png(fig, 50)
    assert smallest_text_px(png) == float("inf")
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert smallest_text_px(buffer.getvalue()) is None


def test_notebook_figures_are_retina_pngs_with_the_record():
    """notebook_setup's PNG formatter: what IPython's "retina" gives (2 x figure.dpi, width/height to show it at
    1 x), plus the record; the text/plain form stays describe_figure."""
    import base64

    from rnnlib.plotting import _inline_png, smallest_text_px

    fig = Figure(figsize=(4, 3), dpi=80)
    ax = fig.add_subplot()
    ax.plot([0, 1])
    ax.set_xlabel("x", fontsize=9)
    data, meta = _inline_png(fig)
    png = base64.b64decode(data)
    image, _ = png_text(png)
    assert (meta["width"], meta["height"]) == (image.size[0] // 2, image.size[1] // 2)
    assert meta["width"] <= 4 * 80 + 40  # bbox_inches="tight": about the figure's size at 80 dpi
    assert smallest_text_px(png) == pytest.approx(9 * 160 / 72, abs=0.01)
    assert _inline_png(Figure()) is None  # an empty figure shows nothing, as with IPython's formatter
