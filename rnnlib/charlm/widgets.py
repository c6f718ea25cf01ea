"""The character model's widget: a temperature slider that resamples text (notebook 02).

A thin wrapper (rnnlib.widgets' conventions) around the plain function
rnnlib.charlm.plots.temperature_sample_text, which the tests check.
"""
from ..widgets import FULL_LABEL, explorer
from .plots import temperature_sample_text

__all__ = ["temperature_widget"]


def temperature_widget(params, vocab, seed_text, temperature=1.0, n=200, seed=0):
    """A temperature slider that resamples text from a trained character model.

    The text is rnnlib.charlm.plots.temperature_sample_text(params, vocab, seed_text, temperature, n,
    seed) (the generator re-seeded on every draw, so one temperature always gives one text), shown
    in an HTML widget, so executing the notebook writes no extra cell output.

    Inputs: charlm params, the Vocabulary, seed_text, the initial temperature (0.1 .. 2.0),
    n characters per sample and the sampling seed.
    Returns: ipywidgets.VBox whose children are (FloatSlider, HTML).
    """
    import html

    import ipywidgets as widgets

    slider = widgets.FloatSlider(value=temperature, min=0.1, max=2.0, step=0.05, description="temperature",
                                 style=FULL_LABEL)
    text = widgets.HTML(value="")

    def redraw(_change=None):
        sampled = temperature_sample_text(params, vocab, seed_text, slider.value, n, seed)
        text.value = f"<pre>{html.escape(sampled)}</pre>"

    slider.observe(redraw, names="value")
    redraw()
    return explorer([slider, text], "text sampled from the trained model, with a temperature slider")
