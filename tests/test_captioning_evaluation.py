"""Reading captions back, per-attribute accuracy, teacher-forcing / free-running bookkeeping."""
import math

import numpy as np
import pytest

from rnnlib.captioning.analysis import free_running_validity, valid_next
from rnnlib.captioning.evaluation import CaptionEvaluation, attribute_accuracy, evaluate, parse_caption
from rnnlib.captioning.world import captions, make_scene, make_split

ONE = make_scene([("circle", "red", "large", 16, 16)])
TWO = make_scene([("square", "blue", "small", 8, 16), ("triangle", "green", "large", 24, 16)])  # square left of triangle


def test_parse_caption():
    assert parse_caption("there is a small blue square to the left of a large green triangle".split()) == (
        [("small", "blue", "square"), ("large", "green", "triangle")], "left of")
    assert parse_caption("a red circle".split()) == ([(None, "red", "circle")], None)
    assert parse_caption([]) == ([], None)


def test_every_reference_is_read_back_perfectly():
    for scene in (ONE, TWO):
        for ref in captions(scene):
            acc = attribute_accuracy([scene], [ref])
            assert all(acc[a] == 1.0 for a in ("colour", "shape", "size", "count", "exact"))
            assert acc["relation"] == 1.0 if len(scene.objects) == 2 else math.isnan(acc["relation"])


def test_attribute_accuracy_counts_by_hand():
    hyps = [
        "a large blue circle".split(),  # ONE: colour wrong; shape, size right; count right; not exact
        "a large green triangle right of a small blue square".split(),  # TWO: all right (converse order)
        "a small blue square right of a large green triangle".split(),  # TWO: relation wrong only
        "a small blue square".split(),  # TWO: one object missing: count wrong, the missing one's attributes wrong
    ]
    acc = attribute_accuracy([ONE, TWO, TWO, TWO], hyps)
    # objects: 1 + 2 + 2 + 2 = 7. colour right: 0 + 2 + 2 + 1 = 5; shape and size: 1 + 2 + 2 + 1 = 6
    assert acc["colour"] == pytest.approx(5 / 7) and acc["shape"] == pytest.approx(6 / 7) and acc["size"] == pytest.approx(6 / 7)
    # relation, over the three two-object scenes: right, wrong, wrong (no second object)
    assert acc["relation"] == pytest.approx(1 / 3)
    assert acc["count"] == pytest.approx(3 / 4) and acc["exact"] == pytest.approx(1 / 4)


def test_attribute_accuracy_validates():
    with pytest.raises(ValueError, match="one caption per scene"):
        attribute_accuracy([ONE, TWO], [["a"]])


def test_evaluate_with_the_references_scores_one():
    data = make_split("test", n=30)
    hyps = [refs[-1] for refs in data.references]
    result = evaluate(None, data, hypotheses=hyps)
    assert isinstance(result, CaptionEvaluation) and result.hyps is hyps
    scores, _ = result  # unpacks as a pair
    assert scores is result.scores and scores["bleu4"] == 1.0 and scores["exact"] == 1.0


def test_valid_next_and_free_running_validity():
    refs = captions(TWO)
    assert valid_next(refs, []) == {"a", "there"}
    assert valid_next(refs, ["a"]) == {"small", "large"}
    assert valid_next(refs, "a small blue square left of a large green triangle".split()) == {"<end>"}
    hyps = ["a small blue square left of a large green triangle".split(),  # valid to the end (10 words + <end>)
            "a small blue circle left of a large green triangle".split()]  # goes wrong at word 4 (t = 3)
    v = free_running_validity(hyps, [refs, refs])
    # positions 0..13: the first caption is valid through its <end> at t = 10 and stays counted after it
    expected = np.r_[[1.0] * 3, [0.5] * 11]
    assert np.array_equal(v, expected)
