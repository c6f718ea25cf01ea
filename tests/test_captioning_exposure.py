"""Tests for rnnlib.captioning.exposure: the nearest-reference scoring and the own-vs-true prefix comparison,
on hand-built captions and tiny scripted models whose answers can be worked out by hand."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from rnnlib.captioning.exposure import (draw_exposure, exposure_cases, exposure_curves, exposure_summary, ExposureCases,
                                        nearest_next, nearest_references)
from rnnlib.captioning.world import CaptionData, CaptionVocab

REFS = [["a", "small", "green", "circle"], ["there", "is", "a", "small", "green", "circle"]]
VOCAB = CaptionVocab()


def test_nearest_references_counts_mismatched_positions():
    assert nearest_references(REFS, []) == ([0, 1], 0)  # every reference starts an empty prefix
    assert nearest_references(REFS, ["a", "blue"]) == ([0], 1)  # 'a small': 1 mismatch; 'there is': 2
    too_long = ["there", "is", "a", "small", "red", "circle", "<end>"]
    assert nearest_references(REFS, too_long) == ([], None)  # no reference reaches position 7


def test_nearest_next_is_valid_next_after_a_correct_prefix_and_realigns_after_a_wrong_one():
    assert nearest_next(REFS, []) == {"a", "there"}
    assert nearest_next(REFS, ["a", "small"]) == {"green"}
    assert nearest_next(REFS, ["a", "small", "red"]) == {"circle"}  # the wrong colour is a substitution
    assert nearest_next(REFS, ["a", "small", "red", "circle"]) == {"<end>"}  # <end> counts as a word
    assert nearest_next(REFS, ["x"] * 9) == set()


class Bigram(torch.nn.Module):
    """A fake captioner whose top next word depends only on the previous token (a lookup table)."""

    def __init__(self, table):
        super().__init__()
        self.scores = torch.full((len(VOCAB), len(VOCAB)), -5.0)
        for prev, nxt in table.items():
            self.scores[VOCAB.index[prev], VOCAB.index[nxt]] = 5.0

    def forward(self, images, tokens):
        return self.scores[torch.as_tensor(tokens)], None


def _data(refs):
    return CaptionData(np.zeros((1, 32, 32, 3), np.float32), [None], [refs])


def test_a_model_that_ignores_its_prefix_scores_the_same_with_either_prefix():
    # its top word is 'small' after anything: never affected by what came before
    model = Bigram({w: "small" for w in VOCAB.symbols})
    cases = exposure_cases(model, _data(REFS), hypotheses=[["a", "small", "red", "circle"]])
    assert cases.position.tolist() == [0, 1, 2, 3, 4]
    assert cases.own_ok.tolist() == [True, True, True, False, False]  # 'a small red' starts no reference
    assert cases.own_right.tolist() == cases.true_right.tolist() == [False, True, False, False, False]


def test_own_and_true_prefix_differ_where_the_prefix_matters():
    # after 'red' it says 'circle', after 'green' 'square': given its own wrong 'red' it names the circle,
    # given the true 'green' it says 'square' (wrong)
    table = {"<start>": "a", "a": "small", "small": "red", "red": "circle", "green": "square", "circle": "<end>",
             "square": "<end>"}
    cases = exposure_cases(Bigram(table), _data(REFS), hypotheses=[["a", "small", "red", "circle"]])
    assert cases.own_right.tolist() == [True, True, False, True, True]
    assert cases.true_right.tolist() == [True, True, False, False, True]
    s = exposure_summary(cases)
    assert (s["n_ok"], s["n_wrong"], s["only_own"], s["only_true"]) == (3, 2, 1, 0)
    assert s["own_ok"] == pytest.approx(2 / 3) and s["own_wrong"] == 1.0 and s["true_for_wrong"] == 0.5


def test_positions_past_the_caption_or_every_reference_have_no_data():
    model = Bigram({w: "a" for w in VOCAB.symbols})
    cases = exposure_cases(model, _data([["a", "red", "circle"]]), hypotheses=[["a", "red", "circle", "a", "a"]])
    assert cases.position.tolist() == [0, 1, 2, 3]  # the reference (with <end>) reaches position 3, no further


def _cases(position, own_ok, own_right, true_right):
    arrays = [np.array(position), np.array(own_ok), np.array(own_right), np.array(true_right)]
    return ExposureCases(np.zeros(len(position), int), *arrays)


def test_exposure_curves_are_nan_where_there_is_no_data_never_zero():
    cases = _cases([0, 0, 1, 1, 1], [True, True, True, False, False], [True, False, True, False, True],
                   [True, False, True, True, True])
    c = exposure_curves(cases)
    assert c.count.tolist() == [2, 3] and c.count_wrong.tolist() == [0, 2]
    np.testing.assert_allclose(c.own_prefix, [0.5, 2 / 3])
    np.testing.assert_allclose(c.true_prefix, [0.5, 1.0])
    assert np.isnan(c.own_wrong[0]) and c.own_wrong[1] == 0.5 and c.true_for_wrong[1] == 1.0
    c3 = exposure_curves(cases, min_count=3)
    assert np.isnan(c3.own_prefix[0]) and c3.own_prefix[1] == pytest.approx(2 / 3) and np.isnan(c3.own_wrong[1])


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="cases"):
        exposure_curves("not cases")
    with pytest.raises(ValueError, match="min_count"):
        exposure_curves(_cases([0], [True], [True], [True]), min_count=0)
    with pytest.raises(ValueError, match="cases"):
        exposure_summary([1, 2])
    with pytest.raises(ValueError, match="hypotheses"):
        exposure_cases(Bigram({}), _data(REFS), hypotheses=[["a"], ["b"]])
    with pytest.raises(ValueError, match="curves"):
        draw_exposure([])


def test_draw_exposure_returns_a_figure_with_the_legend_outside_the_axes():
    cases = _cases([0, 1, 1, 2], [True, True, False, False], [True, True, False, True], [True, True, True, True])
    fig = draw_exposure([exposure_curves(cases), exposure_curves(cases)])
    assert isinstance(fig, Figure)
    assert fig.legends and all(ax.get_legend() is None for ax in fig.axes)
    assert fig.get_size_inches()[0] <= 9
