"""rnnlib.source: a function's code shown in a notebook, highlighted, its text form the source itself."""
import pytest

from rnnlib.rnn import rnn_step_forward
from rnnlib.source import show_source, source_of


def test_source_of_is_the_function_text():
    text = source_of(rnn_step_forward)
    assert text.startswith("def rnn_step_forward(") and "return h_next, RNNStepCache(" in text


def test_show_source_highlights_and_its_text_is_the_source():
    shown = show_source(rnn_step_forward)
    html = shown._repr_html_()
    assert "<span" in html and "rnn_step_forward" in html  # pygments markup: highlighted in the notebook
    assert repr(shown).strip() == source_of(rnn_step_forward).strip()


@pytest.mark.parametrize("bad", [len, 3, "text"])
def test_source_of_rejects_what_has_no_source(bad):
    with pytest.raises(ValueError, match="obj must be a Python function, class or method with source code"):
        source_of(bad)
