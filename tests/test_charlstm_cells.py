"""rnnlib.charlstm.cells: text features, per-unit correlations, the coloured text and its widget."""
import numpy as np
import pytest
import torch

from rnnlib.charlstm.model import CharLSTM
from rnnlib.charlstm.cells import (
    FEATURES,
    best_units,
    cell_viewer,
    feature_correlations,
    html_activation,
    text_features,
    unit_activations,
)
from rnnlib.text import Vocabulary

PASSAGE = "ACT I.\n\nHam.\nTo be. Or not [Aside.] to be?\nAy.\n\nFIRST SENATOR.\nSpeak.\n"


def test_text_features_by_hand():
    f = text_features("ab\ncd [e] f. G")
    assert set(f) == set(FEATURES)
    np.testing.assert_array_equal(f["line_position"], [1, 2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    np.testing.assert_array_equal(f["word_position"], [1, 2, 0, 1, 2, 0, 1, 2, 3, 0, 1, 2, 0, 1])
    np.testing.assert_array_equal(f["in_brackets"], [0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(f["after_sentence_end"], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0])


def test_speaker_lines_are_the_short_name_lines_after_a_blank_line():
    f = text_features(PASSAGE)["speaker"]
    marked = "".join(c for c, v in zip(PASSAGE, f) if v)
    assert marked == "Ham.FIRST SENATOR."  # not "ACT I." (a blank line follows it), not "Ay." (no blank line before)


def test_a_unit_equal_to_a_feature_has_correlation_one():
    f = text_features(PASSAGE)
    rng = np.random.default_rng(0)
    acts = rng.normal(size=(len(PASSAGE), 6))
    acts[:, 2] = f["line_position"]
    acts[:, 4] = -3 * f["speaker"] + 1
    acts[:, 5] = 7.0  # a constant unit correlates with nothing
    r = feature_correlations(acts, f)
    assert r["line_position"][2] == pytest.approx(1.0)
    assert r["speaker"][4] == pytest.approx(-1.0)
    assert all(r[name][5] == 0 for name in FEATURES)
    best = best_units(r)
    assert best["line_position"] == (2, pytest.approx(1.0)) and best["speaker"] == (4, pytest.approx(-1.0))


def test_correlations_match_numpy_corrcoef():
    rng = np.random.default_rng(1)
    acts, feat = rng.normal(size=(50, 3)), rng.normal(size=50)
    r = feature_correlations(acts, {"f": feat})["f"]
    np.testing.assert_allclose(r, [np.corrcoef(acts[:, j], feat)[0, 1] for j in range(3)], rtol=1e-12)


def test_correlation_errors():
    with pytest.raises(ValueError, match="acts must have shape"):
        feature_correlations(np.zeros(5), {})
    with pytest.raises(ValueError, match=r"features\['f'\] must have shape \(T,\) = \(5,\); got \(4,\)"):
        feature_correlations(np.zeros((5, 2)), {"f": np.zeros(4)})
    with pytest.raises(ValueError, match="at least 2 positions"):
        feature_correlations(np.zeros((1, 2)), {"f": np.zeros(1)})


def model_and_vocab(layers=1):
    torch.manual_seed(0)
    vocab = Vocabulary(PASSAGE)
    return CharLSTM(len(vocab), hidden_size=6, layers=layers, embed_size=4).eval(), vocab


@pytest.mark.parametrize("layers", [1, 2])
def test_unit_activations_hidden_equals_the_lstm_output(layers):
    model, vocab = model_and_vocab(layers)
    with torch.no_grad():
        out, (h, c) = model.lstm(model.embedding(torch.as_tensor(vocab.encode(PASSAGE))[None]))
    acts_h = unit_activations(model, vocab, PASSAGE, "hidden")
    acts_c = unit_activations(model, vocab, PASSAGE, "cell")
    assert acts_h.shape == acts_c.shape == (len(PASSAGE), 6)
    np.testing.assert_allclose(acts_h, out[0].numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(acts_c[-1], c[-1, 0].numpy(), rtol=1e-5, atol=1e-6)
    assert np.max(np.abs(acts_h)) < 1  # h = o * tanh(c)


def test_unit_activations_errors():
    model, vocab = model_and_vocab()
    with pytest.raises(ValueError, match="kind must be 'cell' or 'hidden'"):
        unit_activations(model, vocab, PASSAGE, "gate")
    with pytest.raises(ValueError, match="layer must be in"):
        unit_activations(model, vocab, PASSAGE, layer=1)
    with pytest.raises(ValueError, match="text must be a non-empty string"):
        unit_activations(model, vocab, "")


def test_html_activation_colours_each_character():
    page = html_activation("a<\nb", np.array([1.0, -1.0, 0.0, 0.5]), title="unit 3")
    assert page.count("<span") == 4 and "&lt;" in page and "unit 3" in page
    assert 'background:#ff0000">a' in page  # the largest positive value: full red
    assert 'background:#0000ff">&lt;' in page  # the most negative: full blue
    assert "background:#ffffff" in page  # zero: white
    assert 'background:#ff8080">b' in page  # half of the scale: half red


def test_html_activation_errors():
    with pytest.raises(ValueError, match=r"values must have shape \(T,\) = \(3,\); got \(2,\)"):
        html_activation("abc", np.zeros(2))
    with pytest.raises(ValueError, match="scale must be"):
        html_activation("abc", np.zeros(3), scale=-1)


def test_cell_viewer_redraws_when_the_unit_or_feature_changes():
    model, vocab = model_and_vocab()
    viewer = cell_viewer(model, vocab, {"one": PASSAGE, "two": PASSAGE[:30]}, unit=0)
    (passage, feature, slider), view = viewer.children[0].children, viewer.children[1]
    before = view.value
    assert "unit 0" in before
    slider.value = 3
    assert "unit 3" in view.value and view.value != before
    feature.value = "speaker"
    acts = unit_activations(model, vocab, PASSAGE)
    best = best_units(feature_correlations(acts, text_features(PASSAGE)))["speaker"][0]
    assert slider.value == best and f"unit {best}" in view.value
    passage.value = "two"
    assert view.value.count("<span") == 30


def test_cell_viewer_slider_moves_freely_after_a_feature_is_chosen():
    """Choosing "best for" moves the slider once; moving it afterwards shows the unit moved to (it does not
    snap back) and sets "best for" back to "(pick a unit)"."""
    model, vocab = model_and_vocab()
    viewer = cell_viewer(model, vocab, {"one": PASSAGE}, unit=0)
    (_passage, feature, slider), view = viewer.children[0].children, viewer.children[1]
    feature.value = "speaker"
    best = slider.value
    other = (best + 1) % (slider.max + 1)
    slider.value = other
    assert slider.value == other and f"unit {other} " in view.value
    assert feature.value == "(pick a unit)"
    feature.value = "speaker"  # choosing it again moves the slider back to its best unit
    assert slider.value == best and f"unit {best} " in view.value
