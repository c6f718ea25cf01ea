"""Thin ipywidgets wrappers around plain drawing functions (the drawing functions are unit tested).

Each wrapper builds controls, connects them to a drawing function from another rnnlib module,
and returns the widget to display. ipywidgets is imported inside the functions, so importing
rnnlib never needs a browser front end. Pictures are shown as PNGs in Image widgets (not in an
Output widget), so that executing a notebook writes no extra cell output.

What a student sees:
- pictures are rendered at 2x (HIDPI_SCALE) and shown at their natural size (DISPLAY_DPI CSS
  pixels per figure inch, never stretched, shrunk only to fit a narrow page), so they are sharp on
  HiDPI screens;
- slider descriptions are never cut off (description_width "initial");
- every widget's text form is one line saying what it is and "run the cell to explore": that is what
  a notebook shows before its cells run (tests/refresh_notebooks.py stores only that text form).
"""
import functools

__all__ = ["DISPLAY_DPI", "FULL_LABEL", "HIDPI_SCALE", "TEXT_FORM_LIMIT", "explorer", "image_layout", "image_widget", "render_png",
           "forward_step_widget", "truncation_widget", "gradient_decay_widget"]

DISPLAY_DPI = 80  # CSS pixels per figure inch: a (9, 3.4) inch figure is shown 720 x 272 px
HIDPI_SCALE = 2  # pictures hold HIDPI_SCALE device pixels per CSS pixel
FULL_LABEL = {"description_width": "initial"}  # a control's description is never truncated
TEXT_FORM_LIMIT = 110  # ipywidgets 8 shows at most this many characters of a widget's text form


def render_png(draw, figsize):
    """Render a figure to PNG bytes: draw(fig) fills a new matplotlib Figure of this size (inches).

    The PNG is figsize * DISPLAY_DPI * HIDPI_SCALE pixels; image_widget shows it at figsize * DISPLAY_DPI.
    """
    from matplotlib.figure import Figure

    from .pngtext import save_png

    dpi = DISPLAY_DPI * HIDPI_SCALE
    fig = Figure(figsize=figsize, dpi=dpi)
    draw(fig)
    return save_png(fig, dpi)  # fig.savefig's PNG, with its smallest text recorded (tests/test_slides.py)


def image_layout(figsize):
    """Layout keyword arguments that show a render_png picture of this figsize at its natural CSS size.

    Width figsize[0] * DISPLAY_DPI px (the height follows the aspect ratio), at most the page's
    width, and aligned left instead of stretched across the output area.
    """
    return {"width": f"{round(figsize[0] * DISPLAY_DPI)}px", "max_width": "100%", "height": "auto",
            "align_self": "flex-start"}


def image_widget(figsize):
    """An empty ipywidgets.Image for render_png(draw, figsize) pictures, shown at their natural size (image_layout).

    Use this (with render_png and explorer) for every picture widget, so that all of them look alike.
    """
    import ipywidgets as widgets

    return widgets.Image(format="png", layout=widgets.Layout(**image_layout(figsize)))


@functools.cache
def _explorer_class():
    import ipywidgets as widgets

    class Explorer(widgets.VBox):
        """A VBox whose text form is a one-line summary (shown where the live widget cannot be)."""

        summary = "[interactive widget: run the cell to explore]"

        def __repr__(self):
            return self.summary

    return Explorer


def explorer(children, what):
    """A VBox of these children whose text form reads "[interactive widget: <what>; run the cell to explore]"."""
    summary = f"[interactive widget: {what}; run the cell to explore]"
    if len(summary) > TEXT_FORM_LIMIT:  # ipywidgets cuts a longer text form, mid-word, with "…"
        raise ValueError(f"what must be short enough for a one-line text form of at most {TEXT_FORM_LIMIT} "
                         f"characters; got {len(what)} characters ({len(summary)} in all)")
    box = _explorer_class()(children)
    box.summary = summary
    return box


def forward_step_widget(word="dog", t=1):
    """A step slider and a word box that redraw one step of the slides' "dogs" RNN.

    The picture is rnnlib.plotting.draw_forward_step (x_t, h_{t-1}, a_t, h_t, z_t, y_t for step t of
    rnnlib.trace.dogs_trace(word)), shown as a PNG in an Image widget, so that executing the
    notebook writes no extra cell output. A word with letters outside d, o, g, s (or an empty
    word) shows the ValueError's message in the status line instead of a traceback.

    The slider remembers the step the student chose: a shorter word pulls it down to the word's
    length, and a longer word brings it back (typing "d", "do", "dog" keeps step 3). Every redraw
    reads the word and the step from the controls at that moment, never from the change event.

    Inputs: word, the initial word; t, the initial step (1-based; clamped to 1..len(word)).
    Returns: ipywidgets.VBox whose children are (HBox(slider, text), status HTML, Image).
    """
    import html

    import ipywidgets as widgets

    from .plotting import draw_forward_step
    from .trace import dogs_trace

    figsize = (8.4, 3.2)  # 672 px: inside the ~692 px output area of a 1280x720 slide at 150%
    slider = widgets.IntSlider(value=t, min=1, max=max(len(word), t, 1), description="step t", style=FULL_LABEL)
    text = widgets.Text(value=word, description="word", style=FULL_LABEL)
    status = widgets.HTML(value="")
    image = image_widget(figsize)
    chosen = [slider.value]  # the step the student asked for, kept while a word is too short for it
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
            slider.max = len(trace.word)  # a shorter word pulls slider.value down into 1..T ...
            slider.value = min(chosen[0], slider.max)  # ... and a longer one brings back the chosen step
        finally:
            busy.pop()
        step = slider.value  # the latest step and word, read now
        image.value = render_png(lambda fig: draw_forward_step(trace, step, fig=fig), figsize)
        status.value = ""

    def step_moved(change):
        if not busy:
            chosen[0] = change["new"]
            redraw()

    slider.observe(step_moved, names="value")
    text.observe(redraw, names="value")
    redraw()
    return explorer([widgets.HBox([slider, text]), status, image],
                    "one step of the dogs RNN, with a step slider and a word box")


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

    figsize = (10, 4)
    slider = widgets.IntSlider(value=min(max(k, 1), T), min=1, max=T, description="k", style=FULL_LABEL)
    image = image_widget(figsize)

    def redraw(_change=None):
        image.value = render_png(lambda fig: draw_truncation(slider.value, T, curves, fig=fig), figsize)

    slider.observe(redraw, names="value")
    redraw()
    return explorer([slider, image], "the gradient paths truncated BPTT keeps, with a slider for k")


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

    figsize = (7, 3.6)
    slider = widgets.FloatSlider(value=sigma_max, min=0.1, max=2.5, step=0.05, description="σ_max", style=FULL_LABEL)
    nonlin = widgets.ToggleButtons(options=list(jacobians.NONLINEARITIES), value=nonlinearity)
    struct = widgets.ToggleButtons(options=list(jacobians.STRUCTURES), value=structure)
    image = image_widget(figsize)

    def redraw(_change=None):
        def draw(fig):
            jacobians.draw_gradient_decay(fig.add_subplot(), slider.value, nonlin.value, struct.value)
            fig.tight_layout()

        image.value = render_png(draw, figsize)

    for control in (slider, nonlin, struct):
        control.observe(redraw, names="value")
    redraw()
    return explorer([widgets.HBox([slider, nonlin, struct]), image],
                    "gradient norm vs distance, with a σ_max slider and two toggles")

