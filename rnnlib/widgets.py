"""Thin ipywidgets wrappers around plain drawing functions (the drawing functions are unit tested).

Each wrapper builds controls, connects them to a drawing function from another rnnlib module,
and returns the widget to display. ipywidgets is imported inside the functions, so importing
rnnlib never needs a browser front end.
"""


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
    import io

    import ipywidgets as widgets
    from matplotlib.figure import Figure

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
        fig = Figure(figsize=(9, 3.4), dpi=80)
        draw_forward_step(trace, slider.value, fig=fig)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        image.value = buffer.getvalue()
        status.value = ""

    slider.observe(redraw, names="value")
    text.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([slider, text]), status, image])
