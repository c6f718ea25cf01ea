"""Thin ipywidgets wrappers around plain drawing functions (the drawing functions are unit tested).

Each wrapper builds controls, connects them to a drawing function from another rnnlib module,
and returns the widget to display. ipywidgets is imported inside the functions, so importing
rnnlib never needs a browser front end. Pictures are shown as PNGs in Image widgets (not in an
Output widget), so that executing a notebook writes no extra cell output.
"""

__all__ = ["forward_step_widget", "truncation_widget", "gradient_decay_widget", "temperature_widget"]


def _png(draw, figsize):
    """Render a figure to PNG bytes: draw(fig) fills a new matplotlib Figure of this size."""
    import io

    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=80)
    draw(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def forward_step_widget(word="dog", t=1):
    """A step slider and a word box that redraw one step of the slides' "dogs" RNN.

    The picture is rnnlib.plotting.draw_forward_step (x_t, h_{t-1}, a_t, h_t, z_t, y_t for step t of
    rnnlib.trace.dogs_trace(word)), shown as a PNG in an Image widget, so that executing the
    notebook writes no extra cell output. A word with letters outside d, o, g, s (or an empty
    word) shows the ValueError's message in the status line instead of a traceback.

    Inputs: word, the initial word; t, the initial step (1-based; clamped to 1..len(word)).
    Returns: ipywidgets.VBox whose children are (HBox(slider, text), status HTML, Image).
    """
    import html

    import ipywidgets as widgets

    from .plotting import draw_forward_step
    from .trace import dogs_trace

    slider = widgets.IntSlider(value=t, min=1, max=max(len(word), t, 1), description="step t")
    text = widgets.Text(value=word, description="word")
    status = widgets.HTML(value="")
    image = widgets.Image(format="png")
    busy = []  # non-empty while we move the slider ourselves, so its callback does not redraw twice

    def redraw(_change=None):
        if busy:
            return
        try:
            trace = dogs_trace(text.value)
        except ValueError as err:
            status.value = f"<span style='color:#b22222'>{html.escape(str(err))}</span>"
            return
        busy.append(True)
        try:
            slider.max = len(trace.word)  # also pulls slider.value down into 1..T
        finally:
            busy.pop()
        image.value = _png(lambda fig: draw_forward_step(trace, slider.value, fig=fig), (9, 3.4))
        status.value = ""

    slider.observe(redraw, names="value")
    text.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([slider, text]), status, image])


def truncation_widget(T, curves, k=4):
    """A slider over the truncation length k that redraws which gradient paths survive and the curves.

    The picture is rnnlib.truncation.draw_truncation(k, T, curves): left, the (loss step t, step s)
    grid with the paths that truncated BPTT keeps; right, cosine(truncated, full) against k with a
    marker at the slider's k. Shown as a PNG in an Image widget, so executing the notebook writes
    no extra cell output.

    Inputs: T, the sequence length; curves, dict label -> TruncationCurve; k, the initial value.
    Returns: ipywidgets.VBox whose children are (IntSlider, Image).
    """
    import ipywidgets as widgets

    from .truncation import draw_truncation

    slider = widgets.IntSlider(value=min(max(k, 1), T), min=1, max=T, description="k")
    image = widgets.Image(format="png")

    def redraw(_change=None):
        image.value = _png(lambda fig: draw_truncation(slider.value, T, curves, fig=fig), (10, 4))

    slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([slider, image])


def gradient_decay_widget(sigma_max=1.0, nonlinearity="tanh", structure="normal"):
    """A sigma_max slider and tanh/linear, normal/non-normal toggles that redraw ||dh_T/dh_t|| vs T - t.

    The picture is rnnlib.jacobians.draw_gradient_decay (true Jacobian products along a forward
    pass, log scale, with the bound sigma_max**k), shown as a PNG in an Image widget so that
    executing the notebook writes no extra cell output.

    Inputs: the initial sigma_max (0.1 .. 2.5), nonlinearity ("tanh" | "linear") and structure
    ("normal" | "non-normal"; non-normal has every eigenvalue at 0.5 * sigma_max).
    Returns: ipywidgets.VBox whose children are (HBox(slider, nonlinearity toggle, structure toggle), Image).
    """
    import ipywidgets as widgets

    from . import jacobians

    slider = widgets.FloatSlider(value=sigma_max, min=0.1, max=2.5, step=0.05, description="σ_max")
    nonlin = widgets.ToggleButtons(options=list(jacobians.NONLINEARITIES), value=nonlinearity)
    struct = widgets.ToggleButtons(options=list(jacobians.STRUCTURES), value=structure)
    image = widgets.Image(format="png")

    def redraw(_change=None):
        def draw(fig):
            jacobians.draw_gradient_decay(fig.add_subplot(), slider.value, nonlin.value, struct.value)
            fig.tight_layout()

        image.value = _png(draw, (7, 3.6))

    for control in (slider, nonlin, struct):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([slider, nonlin, struct]), image])


def temperature_widget(params, vocab, seed_text, temperature=1.0, n=200, seed=0):
    """A temperature slider that resamples text from a trained character model.

    The text is rnnlib.charplots.temperature_sample_text(params, vocab, seed_text, temperature, n,
    seed) (the generator re-seeded on every draw, so one temperature always gives one text), shown
    in an HTML widget, so executing the notebook writes no extra cell output.

    Inputs: charlm params, the Vocabulary, seed_text, the initial temperature (0.1 .. 2.0),
    n characters per sample and the sampling seed.
    Returns: ipywidgets.VBox whose children are (FloatSlider, HTML).
    """
    import html

    import ipywidgets as widgets

    from .charplots import temperature_sample_text

    slider = widgets.FloatSlider(value=temperature, min=0.1, max=2.0, step=0.05, description="temperature")
    text = widgets.HTML(value="")

    def redraw(_change=None):
        sampled = temperature_sample_text(params, vocab, seed_text, slider.value, n, seed)
        text.value = f"<pre>{html.escape(sampled)}</pre>"

    slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([slider, text])
