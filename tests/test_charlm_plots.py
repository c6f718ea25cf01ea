"""Tests for rnnlib.charlm.plots: the character-model figures and the temperature widget built on them."""
import numpy as np
import pytest

from rnnlib import Vocabulary
from rnnlib.charlm import charlm_forward
from rnnlib.charlm import next_char_probs

from charlm_helpers import problem


def test_temperature_widget_resamples():
    from rnnlib.charlm.plots import temperature_sample_text
    from rnnlib.charlm.widgets import temperature_widget

    vocab = Vocabulary(order="helo")
    params, *_ = problem(1, 1, 4, 3, seed=6)
    widget = temperature_widget(params, vocab, "he", temperature=1.0, n=40, seed=3)
    slider, shown = widget.children
    assert shown.value == f"<pre>{temperature_sample_text(params, vocab, 'he', 1.0, 40, 3)}</pre>"
    before = shown.value
    slider.value = 0.2
    assert shown.value != before
    assert shown.value == f"<pre>{temperature_sample_text(params, vocab, 'he', 0.2, 40, 3)}</pre>"


def test_figures_have_titles():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnnlib.charlm.plots import draw_char_steps, draw_loss_curves, draw_temperatures

    vocab = Vocabulary(order="helo")
    params, *_ = problem(1, 1, 4, 3)
    for fig in (draw_char_steps(params, vocab, "hell", "ello"), draw_loss_curves([1, 2], [1.0, 0.5], [1.1, 0.7]),
                draw_temperatures(params, vocab, "h")):
        assert fig._suptitle is not None or all(ax.get_title() for ax in fig.axes)
        plt.close(fig)
    fig = draw_temperatures(params, vocab, "h", temperatures=(0.5, 2.0), top=3)
    assert fig.axes[0].get_ylabel() == "probability"
    assert [ax.get_xlabel() for ax in fig.axes] == ["next character (top 3)"] * 2
    plt.close(fig)
    with pytest.raises(ValueError, match="text_out must have the length of text_in"):
        draw_char_steps(params, vocab, "hell", "ell")
    with pytest.raises(ValueError, match=r"one entry per step \(2\); got 2 and 1"):
        draw_loss_curves([1, 2], [1.0, 0.5], [1.1])


def test_char_steps_figure_shows_the_forward_numbers():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnnlib.charlm.plots import char_label, draw_char_steps, draw_loss_curves

    vocab = Vocabulary(order="helo")
    params, *_ = problem(1, 1, 4, 3, seed=11)
    fig = draw_char_steps(params, vocab, "hell", "ello")
    loss, _ = charlm_forward(params, vocab.encode("hell")[None], vocab.encode("ello")[None], np.zeros((1, 3)))
    assert fig.axes[3].get_title() == f"loss (nats), mean {loss:.2f}"
    p_first = next_char_probs(params, vocab, "h")  # column t=1 of the probability panel
    shown = {t.get_text() for t in fig.axes[2].texts}
    assert {f"{v:.2f}" for v in p_first} <= shown
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["'h'", "'e'", "'l'", "'l'"]  # the input read
    plt.close(fig)
    fig = draw_loss_curves([100, 200], [2.0, 1.5], [2.1, 1.7], marks=(100, 200))
    assert [line.get_linestyle() for line in fig.axes[0].lines].count(":") == 2
    plt.close(fig)
    assert (char_label(" "), char_label("\n"), char_label("a")) == ("\u2423", "\\n", "a")


def test_draw_functions_draw_into_a_given_figure_and_return_it():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnnlib.charlm.plots import draw_char_steps, draw_loss_curves, draw_temperatures

    vocab = Vocabulary(order="helo")
    params, *_ = problem(1, 1, 4, 3)
    for draw, panels in ((lambda fig: draw_char_steps(params, vocab, "hell", "ello", fig=fig), 4),
                         (lambda fig: draw_loss_curves([1, 2], [1.0, 0.5], [1.1, 0.7], fig=fig), 1),
                         (lambda fig: draw_temperatures(params, vocab, "h", temperatures=(0.5, 2.0), fig=fig), 2)):
        fig = plt.figure()
        assert draw(fig) is fig and len(fig.axes) == panels
        plt.close(fig)


def test_slide_figures_fit_a_slide_with_legible_text():
    """Figures shown on notebook 02's slides are at most 8.6 inches wide (688 CSS px at the course's 80 dpi,
    about the width of a slide's output area at 853 CSS px), so they are not scaled down, and no text is below 9 pt."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnnlib.charlm.plots import draw_char_steps, draw_temperatures

    vocab = Vocabulary(order="helo")
    params, *_ = problem(1, 1, 4, 3)
    for fig in (draw_char_steps(params, vocab, "hell", "ello"), draw_temperatures(params, vocab, "h")):
        assert fig.get_figwidth() <= 8.6
        texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()]
        assert texts and min(t.get_fontsize() for t in texts) >= 9
        plt.close(fig)
