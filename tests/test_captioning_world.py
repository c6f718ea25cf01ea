"""The caption world: determinism, splits, geometry, rendering, grammar and vocabulary."""
import math

import numpy as np
import pytest

from rnnlib.captioning.world import (
    COLOURS,
    HELD_OUT,
    IMAGE_SIZE,
    MAX_LEN,
    SIZES,
    CaptionVocab,
    captions,
    combinations_seen,
    coverage,
    make_scene,
    make_split,
    random_scene,
    relation_of,
    render,
)


@pytest.fixture(scope="module")
def small_splits():
    return {s: make_split(s, n=300, seed=3) for s in ("train", "test", "compositional")}


def test_same_seed_same_world_other_seed_other_world():
    a, b, c = make_split("val", n=40, seed=1), make_split("val", n=40, seed=1), make_split("val", n=40, seed=2)
    assert np.array_equal(a.images, b.images) and a.references == b.references
    assert not np.array_equal(a.images, c.images)
    assert a.images.shape == (40, IMAGE_SIZE, IMAGE_SIZE, 3) and a.images.dtype == np.float32
    assert a.images.min() >= 0.0 and a.images.max() <= 1.0


def test_splits_use_their_own_streams():
    # the test split does not depend on how many training scenes were drawn
    assert make_split("test", n=5, seed=0).references == make_split("test", n=8, seed=0).references[:5]
    assert make_split("test", n=5).references != make_split("val", n=5).references


def test_held_out_pairs_only_in_the_compositional_split(small_splits):
    for split in ("train", "test"):
        assert not combinations_seen(small_splits[split]) & set(HELD_OUT)
    for scene in small_splits["compositional"].scenes:
        assert any((o.colour, o.shape) in HELD_OUT for o in scene.objects)
    # the 4 x 3 = 12 pairs minus the 2 held out all occur in 300 training scenes
    assert len(combinations_seen(small_splits["train"])) == 12 - len(HELD_OUT)


def test_two_objects_stand_clearly_apart_and_never_overlap(small_splits):
    pairs = [s for s in small_splits["train"].scenes if len(s.objects) == 2]
    assert 60 < len(pairs) < 300  # about 2/3 of the scenes
    for s in pairs:
        a, b = s.objects
        along, cross = sorted([abs(a.x - b.x), abs(a.y - b.y)], reverse=True)
        assert along >= 13 and cross <= 4  # the relation is never a close call
        # the bounding boxes (half extent h each) are disjoint along the main axis
        assert along > SIZES[a.size] + SIZES[b.size]


def test_relation_of():
    a = make_scene([("circle", "red", "small", 8, 16), ("square", "blue", "small", 24, 18)]).objects
    assert relation_of(*a) == "left of" and relation_of(a[1], a[0]) == "right of"
    b = make_scene([("circle", "red", "small", 16, 8), ("square", "blue", "small", 15, 24)]).objects
    assert relation_of(*b) == "above" and relation_of(b[1], b[0]) == "below"  # y grows downwards


def test_captions_of_a_known_scene():
    one = make_scene([("triangle", "green", "large", 16, 16)])
    assert [" ".join(c) for c in captions(one)] == [
        "a large green triangle", "there is a large green triangle", "a single large green triangle"]
    two = make_scene([("square", "yellow", "small", 24, 16), ("circle", "red", "large", 8, 16)])
    assert [" ".join(c) for c in captions(two)] == [
        "a small yellow square right of a large red circle",
        "there is a small yellow square right of a large red circle",
        "a small yellow square is to the right of a large red circle",
        "a large red circle left of a small yellow square",
        "there is a large red circle left of a small yellow square",
        "a large red circle is to the left of a small yellow square",
    ]
    # the longest caption: "a X is to the left of a Y" = 1 + 3 + 1 + 4 + 1 + 3 = 13 words, + <start>, <end>
    assert MAX_LEN == 15


def test_render_clean_colours_and_areas():
    scene = make_scene([("circle", "blue", "large", 9.5, 16.5), ("square", "red", "small", 23.5, 16.5)])
    img = render(scene)  # rng=None: no jitter, no noise
    assert np.allclose(img[16, 9], COLOURS["blue"], atol=1e-6)  # pixel (row 16, col 9) holds the centre 9.5, 16.5
    assert np.allclose(img[16, 23], COLOURS["red"], atol=1e-6)
    assert np.allclose(img[0, 0], 0.08, atol=1e-6)
    # covered area: each sample stands for a 1/3 x 1/3 cell, which lies within d = sqrt(2)/6 of its
    # centre, so the area counted lies between the shape shrunk by d and the shape grown by d:
    # circle pi (6 -+ d)^2 = [104.4, 122.0] around pi 36 = 113.1; square (5.95 -+ 2d)^2 = [29.9, 41.3]
    d = math.sqrt(2) / 6
    (_, _), cov = coverage(scene.objects[0])
    assert math.pi * (6 - d) ** 2 <= cov.sum() <= math.pi * (6 + d) ** 2
    (_, _), cov = coverage(scene.objects[1])
    assert (2 * 0.85 * 3.5 - 2 * d) ** 2 <= cov.sum() <= (2 * 0.85 * 3.5 + 2 * d) ** 2


def test_triangle_points_up():
    img = render(make_scene([("triangle", "yellow", "large", 16.5, 16.5)]))
    width = (img[..., 0] > 0.5).sum(axis=1)  # yellow is mostly red + green: covered pixels per row
    rows = np.nonzero(width)[0]
    assert width[rows[0]] < width[rows[-1]]  # narrow at the top, wide at the base


def test_vocab_round_trip():
    vocab = CaptionVocab()
    words = "there is a small red circle above a large blue square".split()
    ids = vocab.encode(words, MAX_LEN)
    assert ids.shape == (MAX_LEN,) and ids[0] == vocab.start and ids[len(words) + 1] == vocab.end
    assert (ids[len(words) + 2:] == vocab.pad).all()
    assert vocab.decode(ids) == words
    assert vocab.decode(vocab.encode(["a", "purple", "circle"], 6)) == ["a", "<unk>", "circle"]
    assert len(vocab) == 24 and vocab.symbols[:4] == ("<pad>", "<start>", "<end>", "<unk>")


def test_random_scene_respects_held_out():
    rng = np.random.default_rng(0)
    for _ in range(50):
        s = random_scene(rng, held_out="require")
        assert any((o.colour, o.shape) in HELD_OUT for o in s.objects)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: make_split("training"), "split must be one of"),
        (lambda: make_split("train", n=0), "n must be a positive integer"),
        (lambda: make_split("train", n=3, seed=-1), "seed must be a non-negative integer"),
        (lambda: make_scene([("hexagon", "red", "small", 5, 5)]), "shape must be one of"),
        (lambda: make_scene([("circle", "pink", "small", 5, 5)]), "colour must be one of"),
        (lambda: make_scene([("circle", "red", "huge", 5, 5)]), "size must be one of"),
        (lambda: make_scene([("circle", "red", "small", 40, 5)]), r"x must lie in \[0, 32\]"),
        (lambda: make_scene([]), "objects must hold 1 or 2 objects"),
        (lambda: random_scene(np.random.default_rng(0), held_out="no"), "held_out must be one of"),
        (lambda: CaptionVocab().encode(["a"] * 20, MAX_LEN), "max_len must be at least"),
        (lambda: CaptionVocab().decode([99]), r"ids must lie in \[0, 24\)"),
    ],
)
def test_validation(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_a_split_without_images_has_the_same_scenes():
    full, bare = make_split("train", n=30, seed=2), make_split("train", n=30, seed=2, images=False)
    assert bare.images is None and bare.scenes == full.scenes and bare.references == full.references
