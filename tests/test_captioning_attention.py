"""Tests for rnnlib.captioning.attention: cell masks, which object a word names, the mass split, and the measure
on fake attention models whose answer can be worked out by hand."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from rnnlib.captioning.attention import (attention_on_objects, attention_summary, cell_cover, draw_object_attention,
                                         mass_split, object_masks, word_objects)
from rnnlib.captioning.world import CaptionData, captions, make_scene

# a large red circle on the left, a large blue square on the right; the square's cells are known exactly:
# it spans x in [24 - 5.1, 24 + 5.1] and y in [16 - 5.1, 16 + 5.1]
SCENE = make_scene([("circle", "red", "large", 8, 16), ("square", "blue", "large", 24, 16)])


def test_cell_cover_of_one_cell_is_the_objects_area_and_cells_add_up():
    square = SCENE.objects[1]
    assert cell_cover(square, 1)[0, 0] == pytest.approx(10.2 ** 2 / 32 ** 2, abs=0.01)  # side 2 * 0.85 * 6 = 10.2
    assert cell_cover(square, 8).sum() * 16 == pytest.approx(cell_cover(square, 1).sum() * 1024)
    c2 = cell_cover(square, 2)  # 16-pixel cells: the square straddles the two right-hand cells
    assert c2[:, 0].tolist() == [0.0, 0.0] and c2[0, 1] == pytest.approx(c2[1, 1])


def test_object_masks_keep_cells_covered_by_at_least_min_cover():
    small = make_scene([("circle", "red", "small", 8, 8), ("circle", "red", "small", 24, 24)])
    # radius 3.5 around (8, 8) lies inside the top-left 16 x 16 cell: pi 3.5^2 / 256 = 0.15 of it
    assert object_masks(small, side=2, min_cover=0.1).tolist() == [[True, False, False, False],
                                                                  [False, False, False, True]]
    assert not object_masks(small, side=2, min_cover=0.25).any()


def test_word_objects_follows_the_phrase_to_its_object_in_either_word_order():
    refs = captions(SCENE)
    assert " ".join(refs[0]) == "a large red circle left of a large blue square"
    assert word_objects(SCENE, refs[0]) == [
        (1, "large", "size", 0, 0, True), (2, "red", "colour", 0, 0, False), (3, "circle", "shape", 0, 0, False),
        (7, "large", "size", 1, 1, True), (8, "blue", "colour", 1, 1, False), (9, "square", "shape", 1, 1, False)]
    reverse = word_objects(SCENE, refs[3])  # "a large blue square right of a large red circle"
    assert [(w, obj, phrase) for _, w, _, obj, phrase, _ in reverse][:3] == [("large", 1, 0), ("blue", 1, 0),
                                                                            ("square", 1, 0)]


def test_mass_split_adds_the_mass_of_each_region():
    alpha = np.array([0.5, 0.2, 0.2, 0.1])
    named, other = np.array([True, False, False, False]), np.array([False, True, False, False])
    assert mass_split(alpha, named, other) == pytest.approx((0.5, 0.2, 0.3))


class FakeAttention(torch.nn.Module):
    """A fake attention captioner whose alpha is the same fixed map (L,) at every step."""

    def __init__(self, alpha):
        super().__init__()
        self.alpha = torch.as_tensor(alpha, dtype=torch.float32)

    def attend(self, *args):
        raise NotImplementedError

    def forward(self, images, tokens):
        n, t = tokens.shape
        return torch.zeros(n, t, 24), self.alpha.expand(n, t, -1)


def _data():
    return CaptionData(np.zeros((1, 32, 32, 3), np.float32), [SCENE], [captions(SCENE)])


def test_uniform_attention_puts_on_each_object_its_share_of_the_cells():
    rows = attention_on_objects(FakeAttention(np.full(64, 1 / 64)), _data(), references=(0,))
    np.testing.assert_allclose(rows.named, rows.named_area, rtol=1e-6)
    np.testing.assert_allclose(rows.named + rows.other + rows.background, 1.0, rtol=1e-6)
    # 'large' names both; 'red' is the first word that tells the objects apart, and alpha for word t has read
    # the words before t - 1: the first phrase is never known, the second always
    assert rows.known.tolist() == [False, False, False, True, True, True]
    s = attention_summary(rows)
    assert s["all"]["n"] == 4  # 'large' names both objects: left out
    assert s["all"]["lift"] == pytest.approx(1.0, rel=1e-5) and s["all"]["prefers"] == 0.0


def test_attention_fixed_on_the_circle_is_right_for_its_words_and_wrong_for_the_squares():
    circle = object_masks(SCENE)[0]
    rows = attention_on_objects(FakeAttention(circle / circle.sum()), _data(), references=(0,))
    assert rows.word.tolist() == ["large", "red", "circle", "large", "blue", "square"]
    np.testing.assert_allclose(rows.named, [1, 1, 1, 0, 0, 0], atol=1e-6)
    s = attention_summary(rows)
    assert s["first"]["prefers"] == 1.0 and s["second"]["prefers"] == 0.0 and s["all"]["prefers"] == 0.5
    assert s["first"]["lift"] == pytest.approx(64 / circle.sum(), rel=1e-5)


def test_both_word_orders_cancel_a_bias_for_one_side_of_the_image():
    # always looking at the left-hand circle: with reference 0 alone the circle is always named first, so
    # "first" looks perfect; with reference 3 too ("a large blue square right of a large red circle") the
    # circle is named first once and second once, and each group is right half the time
    circle = object_masks(SCENE)[0]
    rows = attention_on_objects(FakeAttention(circle / circle.sum()), _data())
    assert len(rows.word) == 12
    s = attention_summary(rows)
    assert s["first"]["prefers"] == s["second"]["prefers"] == s["known"]["prefers"] == 0.5


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="alpha"):
        mass_split(np.ones((2, 2)), np.ones(4, bool), np.ones(4, bool))
    with pytest.raises(ValueError, match="named"):
        mass_split(np.ones(4), np.ones(4), np.ones(4, bool))
    with pytest.raises(ValueError, match="other"):
        mass_split(np.ones(4), np.ones(4, bool), np.ones(3, bool))
    with pytest.raises(ValueError, match="side"):
        cell_cover(SCENE.objects[0], 5)
    with pytest.raises(ValueError, match="min_cover"):
        object_masks(SCENE, min_cover=0)
    with pytest.raises(ValueError, match="scene"):
        word_objects(make_scene([("circle", "red", "large", 8, 16)]), ["a", "large", "red", "circle"])
    with pytest.raises(ValueError, match="words"):
        word_objects(SCENE, ["a", "large", "red", "circle"])
    with pytest.raises(ValueError, match="model"):
        attention_on_objects(torch.nn.Linear(2, 2), _data())
    with pytest.raises(ValueError, match="references"):
        attention_on_objects(FakeAttention(np.full(64, 1 / 64)), _data(), references=(6,))
    with pytest.raises(ValueError, match="rows"):
        attention_summary({})
    with pytest.raises(ValueError, match="words"):
        draw_object_attention(np.zeros((32, 32, 3)), np.zeros((2, 8, 8)), ["a"])


def test_draw_object_attention_uses_one_colour_scale_for_every_map():
    maps = np.stack([np.full((8, 8), 1 / 64), np.eye(8) / 8])
    masks = [(object_masks(SCENE)[0], object_masks(SCENE)[1])] * 2
    fig = draw_object_attention(np.zeros((32, 32, 3)), maps, ["red", "circle"], masks=masks)
    assert isinstance(fig, Figure)
    heat = [im for ax in fig.axes for im in ax.get_images() if im.get_cmap().name == "magma"]
    assert len(heat) == 2 and all(im.get_clim() == (0, 1 / 8) for im in heat)
    assert fig.get_size_inches()[0] <= 9
