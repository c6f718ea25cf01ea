"""What a student sees of the widgets: natural-size HiDPI pictures, full labels, a text form that says
"run the cell to explore", a step slider that survives typing, and 04's figure details.

The drawing functions themselves are tested with their modules; the browser test
(tests/test_browser.py) drives the same widgets in JupyterLab.
"""
import struct
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from rnnlib import jacobians, widgets  # noqa: E402
from rnnlib.jacobians import rounded  # noqa: E402

import refresh_notebooks  # noqa: E402


def png_size(data):
    """(width, height) in pixels from a PNG's IHDR chunk."""
    assert bytes(data[:8]) == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", bytes(data[16:24]))


def fake_truncation_curves():
    from rnnlib.truncation import TruncationCurve

    ks = np.arange(1, 9)
    return {"toy": TruncationCurve(ks=ks, cosine=np.linspace(0.2, 1.0, 8), rel_norm=np.linspace(0.5, 1.0, 8))}


def all_widgets():
    from rnnlib.charlm import init_params, temperature_widget
    from rnnlib.text import Vocabulary

    vocab = Vocabulary("helo ")
    from rnnlib.gated.widgets import gate_inspector

    params = init_params(len(vocab), 8, np.random.default_rng(0))
    return {
        "forward_step": widgets.forward_step_widget("dog"),
        "truncation": widgets.truncation_widget(8, fake_truncation_curves(), k=2),
        "gradient_decay": widgets.gradient_decay_widget(1.0),
        "temperature": temperature_widget(params, vocab, "he", n=20),
        "gate_inspector": gate_inspector(small_gate_trace(), unit=1, t=2),
    }


def small_gate_trace(T=5, D=3, H=4):
    from rnnlib.gated.widgets import lstm_gate_trace

    rng = np.random.default_rng(0)
    return lstm_gate_trace(rng.normal(size=(T, D)), list("abcde"), rng.normal(size=(4 * H, D)),
                           rng.normal(size=(4 * H, H)), np.zeros(4 * H))


def descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from descendants(child)


@pytest.fixture(scope="module")
def built():
    return all_widgets()


@pytest.mark.parametrize("name", ["forward_step", "truncation", "gradient_decay", "gate_inspector"])
def test_pictures_are_rendered_at_twice_their_natural_display_size(built, name):
    import ipywidgets

    images = [w for w in descendants(built[name]) if isinstance(w, ipywidgets.Image)]
    assert len(images) == 1
    image = images[0]
    width, height = png_size(image.value)
    shown = int(image.layout.width.removesuffix("px"))
    assert width == widgets.HIDPI_SCALE * shown  # 2 device pixels per CSS pixel
    assert image.layout.max_width == "100%" and image.layout.height == "auto"
    assert image.layout.align_self == "flex-start"  # not stretched across the output area
    assert height < width


def test_image_layout_keeps_the_display_size_of_the_figure():
    assert widgets.image_layout((9, 3.4))["width"] == f"{9 * widgets.DISPLAY_DPI}px" == "720px"


@pytest.mark.parametrize("name", ["forward_step", "truncation", "gradient_decay", "temperature", "gate_inspector"])
def test_labels_are_never_truncated_and_the_text_form_says_to_run_the_cell(built, name):
    box = built[name]
    described = [w for w in descendants(box) if getattr(w, "description", "")]
    assert described
    for control in described:
        assert control.style.description_width == "initial", control.description
    text = box._repr_mimebundle_()["text/plain"]
    assert text == repr(box) and text.startswith("[interactive widget: ")
    assert text.endswith("; run the cell to explore]")
    assert len(text) <= 110  # ipywidgets cuts a longer text form with "…"


def test_typing_a_word_letter_by_letter_keeps_the_chosen_step():
    (slider, text), status, image = (lambda c: (c[0].children, c[1], c[2]))(widgets.forward_step_widget("dog").children)
    slider.value = 3
    steps = []
    for typed in ["", "d", "do", "dog", "dogs"]:
        text.value = typed
        steps.append((slider.max, slider.value))
    assert steps == [(3, 3), (1, 1), (2, 2), (3, 3), (4, 3)]  # "" is an error: the slider stays
    assert status.value == ""
    fresh = widgets.forward_step_widget("dogs", t=3).children[2]
    assert bytes(image.value) == bytes(fresh.value)  # the picture is that of ("dogs", step 3)
    slider.value = 1  # a step chosen on a short word is kept when the word grows
    text.value = "dog"
    assert slider.value == 1


def test_the_picture_always_shows_the_controls_current_step():
    (slider, text), _, image = (lambda c: (c[0].children, c[1], c[2]))(widgets.forward_step_widget("dogs").children)
    for value in [2, 4, 3, 1, 4, 2]:  # a fast drag: each value arrives as one change
        slider.value = value
    assert bytes(image.value) == bytes(widgets.forward_step_widget("dogs", t=2).children[2].value)


@pytest.mark.parametrize("value, expected", [(-0.0001, "0.000"), (-0.0004999, "0.000"), (0.0, "0.000"),
                                             (-0.0006, "-0.001"), (0.1234, "0.123"), (-2.4376, "-2.438")])
def test_rounded_prints_no_negative_zero(value, expected):
    assert rounded(value) == expected
    assert rounded(np.float64(value)) == expected


def test_gradient_decay_title_has_no_negative_zero():
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    jacobians.draw_gradient_decay(ax, 1.5, "tanh", "normal")  # the tanh units saturate: slope ~ -1e-5
    assert "-0.000" not in ax.get_title() and "slope 0.000" in ax.get_title()


@pytest.mark.parametrize("sigma_max, nonlinearity", [(1.5, "tanh"), (1.5, "linear"), (0.5, "linear")])
def test_gradient_decay_legend_covers_no_curve(sigma_max, nonlinearity):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 3.6), dpi=80)  # as in the widget
    ax = fig.add_subplot()
    jacobians.draw_gradient_decay(ax, sigma_max, nonlinearity, "normal")
    fig.tight_layout()
    fig.canvas.draw()
    box = ax.get_legend().get_window_extent()
    for line in ax.get_lines():
        x, y = line.get_xydata().T
        dense = np.linspace(0, len(x) - 1, 40 * len(x))  # points along each segment (linear in k, log in y)
        xs = np.interp(dense, np.arange(len(x)), x)
        ys = np.exp(np.interp(dense, np.arange(len(x)), np.log(np.maximum(y, 1e-300))))
        points = ax.transData.transform(np.c_[xs, ys])
        inside = (points[:, 0] >= box.x0) & (points[:, 0] <= box.x1) & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1)
        assert not inside.any(), f"the legend covers {inside.sum()} points of a curve"


def test_notebook_setup_renders_figures_at_twice_their_display_size():
    code = (
        "from IPython.core.interactiveshell import InteractiveShell; ip = InteractiveShell.instance();"
        "import matplotlib; matplotlib.use('agg'); import matplotlib.pyplot as plt, struct, base64;"
        "from rnnlib.plotting import notebook_setup; notebook_setup();"
        "fig, ax = plt.subplots(figsize=(4, 2)); ax.plot([0, 1]); ax.set_title('t');"
        "data, meta = ip.display_formatter.format(fig);"
        "w, h = struct.unpack('>II', base64.b64decode(data['image/png'])[16:24]);"
        "print(w, h, meta['image/png']['width'], meta['image/png']['height'], data['text/plain'])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    w, h, shown_w, shown_h = map(int, out[:4])
    assert (shown_w, shown_h) == (w // 2, h // 2)
    assert 250 < shown_w <= 4 * 80  # about the figure's 4 inches at 80 dpi (tight bounding box)
    assert " ".join(out[4:]) == "[figure: t (1 panel)]"


def test_refresh_stores_widgets_as_their_text_form():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    view = {"model_id": "abc", "version_major": 2, "version_minor": 0}
    nb.cells = [nbformat.v4.new_code_cell("w"), nbformat.v4.new_code_cell("1")]
    nb.cells[0].outputs = [nbformat.v4.new_output("execute_result", execution_count=1, data={
        "text/plain": "[interactive widget: x; run the cell to explore]", refresh_notebooks.WIDGET_VIEW: view})]
    nb.cells[1].outputs = [nbformat.v4.new_output("execute_result", execution_count=2, data={"text/plain": "1"})]
    assert refresh_notebooks.strip_widget_state(nb) == 1
    assert "widgets" not in nb.metadata
    assert nb.cells[0].outputs[0]["data"] == {"text/plain": "[interactive widget: x; run the cell to explore]"}
    assert nb.cells[1].outputs[0]["data"] == {"text/plain": "1"}
    nbformat.validate(nb)


def test_explorer_text_form_fits_ipywidgets_limit():
    import ipywidgets

    from rnnlib.widgets import TEXT_FORM_LIMIT, explorer

    box = explorer([ipywidgets.HTML()], "x" * (TEXT_FORM_LIMIT - 47))
    assert box._repr_mimebundle_()["text/plain"] == repr(box)  # shown whole, not cut with "…"
    with pytest.raises(ValueError, match="what must be short enough for a one-line text form"):
        explorer([ipywidgets.HTML()], "x" * (TEXT_FORM_LIMIT - 46))
