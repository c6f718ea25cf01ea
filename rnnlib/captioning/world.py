"""A generated world to caption: small RGB scenes of one or two shapes, and a grammar that describes them.

Everything is computed from a seed in a fraction of a second; nothing is read from disk. A scene holds
one or two objects, each with a shape, a colour, a size and a position. Two objects always stand
clearly side by side or clearly one above the other, so that the relation ("left of", "above", ...)
is never ambiguous. Each scene has several reference captions (paraphrases and both word orders),
which is what corpus BLEU needs.

The compositional split holds the scenes that contain a colour-shape pair never seen in training
(HELD_OUT: red triangles and blue circles); train, validation and test never contain one.

Images are float32 arrays (N, S, S, 3) in [0, 1], channel last, S = IMAGE_SIZE = 32.
"""
from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np

from .._validate import check_choice, check_positive_int, check_seed

__all__ = [
    "COLOURS", "SHAPES", "SIZES", "HELD_OUT", "IMAGE_SIZE", "SPLITS", "WORDS", "SPECIALS",
    "SceneObject", "Scene", "CaptionVocab", "CaptionData",
    "MAX_LEN", "relation_of", "random_scene", "make_scene", "render", "coverage", "captions", "make_split", "combinations_seen",
]

IMAGE_SIZE = 32
COLOURS = {"red": (0.90, 0.16, 0.14), "green": (0.20, 0.75, 0.25), "blue": (0.22, 0.36, 0.98), "yellow": (0.96, 0.84, 0.14)}
SHAPES = ("circle", "square", "triangle")
SIZES = {"small": 3.5, "large": 6.0}  # half extent in pixels
HELD_OUT = (("red", "triangle"), ("blue", "circle"))
SPLITS = ("train", "val", "test", "compositional")
SPECIALS = ("<pad>", "<start>", "<end>", "<unk>")
WORDS = ("a", "there", "is", "single", *SIZES, *COLOURS, *SHAPES, "left", "right", "of", "to", "the", "above", "below")
_CONVERSE = {"left of": "right of", "right of": "left of", "above": "below", "below": "above"}
_LONG = {"left of": "to the left of", "right of": "to the right of", "above": "above", "below": "below"}


class SceneObject(NamedTuple):
    """One object: shape, colour and size names, and its centre (x, y) in pixels (y grows downwards)."""
    shape: str
    colour: str
    size: str
    x: float
    y: float

    @property
    def phrase(self):
        return f"{self.size} {self.colour} {self.shape}"


class Scene(NamedTuple):
    """One or two objects; with two, relation_of(objects[0], objects[1]) names how they stand."""
    objects: tuple

    @property
    def relation(self):
        return relation_of(*self.objects) if len(self.objects) == 2 else None


def relation_of(a, b):
    """How object a stands to object b: 'left of', 'right of', 'above' or 'below' (the larger offset wins)."""
    dx, dy = b.x - a.x, b.y - a.y
    if abs(dx) > abs(dy):
        return "left of" if dx > 0 else "right of"
    return "above" if dy > 0 else "below"


def make_scene(objects):
    """A Scene from (shape, colour, size, x, y) tuples, validated: names known, centres inside the image."""
    if not 1 <= len(objects) <= 2:
        raise ValueError(f"objects must hold 1 or 2 objects; got {len(objects)}")
    made = []
    for o in objects:
        shape, colour, size, x, y = o
        check_choice("shape", shape, SHAPES)
        check_choice("colour", colour, COLOURS)
        check_choice("size", size, SIZES)
        for name, v in (("x", x), ("y", y)):
            if not 0 <= float(v) <= IMAGE_SIZE:
                raise ValueError(f"{name} must lie in [0, {IMAGE_SIZE}]; got {v!r}")
        made.append(SceneObject(shape, colour, size, float(x), float(y)))
    return Scene(tuple(made))


def random_scene(rng, held_out="exclude"):
    """Draw a scene: 1 object (probability 1/3) or 2 objects side by side or stacked.

    held_out: "exclude" (no HELD_OUT colour-shape pair, for train/val/test), "require" (at least one
    object is a HELD_OUT pair, for the compositional split) or "allow".
    """
    check_choice("held_out", held_out, ("exclude", "require", "allow"))
    while True:
        n = 1 if rng.random() < 1 / 3 else 2
        attrs = [(SHAPES[rng.integers(3)], list(COLOURS)[rng.integers(4)], list(SIZES)[rng.integers(2)]) for _ in range(n)]
        pairs = [(c, s) for s, c, _ in attrs]
        has = any(p in HELD_OUT for p in pairs)
        if (held_out == "exclude" and has) or (held_out == "require" and not has):
            continue
        if n == 1:
            h = SIZES[attrs[0][2]]
            x, y = rng.uniform(h + 1, IMAGE_SIZE - h - 1, size=2)
            return make_scene([(*attrs[0], x, y)])
        along = (rng.uniform(7.5, 9.5), rng.uniform(22.5, 24.5))  # first object before the second
        cross = rng.uniform(9.0, 23.0) + rng.uniform(-2.0, 2.0, size=2)
        horizontal = rng.random() < 0.5
        objs = [(*a, al, cr) if horizontal else (*a, cr, al) for a, al, cr in zip(attrs, along, cross)]
        return make_scene(objs)


def _inside(obj, xs, ys):
    """Boolean coverage of one object at sample points ys (n, 1) and xs (1, m)."""
    h = SIZES[obj.size]
    dx, dy = xs - obj.x, ys - obj.y
    if obj.shape == "circle":
        return dx ** 2 + dy ** 2 <= h ** 2
    if obj.shape == "square":
        return (np.abs(dx) <= 0.85 * h) & (np.abs(dy) <= 0.85 * h)
    # triangle with its apex up: inside when below the two slanted sides and above the base
    return (dy <= h) & (2 * np.abs(dx) <= (dy + h))


def coverage(obj, supersample=3):
    """The fraction of each pixel that an object covers, on its bounding box: ((y0, x0), (ny, nx) array)."""
    supersample = check_positive_int("supersample", supersample)
    h = SIZES[obj.size]
    y0, x0 = max(0, int(obj.y - h) - 1), max(0, int(obj.x - h) - 1)
    y1, x1 = min(IMAGE_SIZE, int(obj.y + h) + 2), min(IMAGE_SIZE, int(obj.x + h) + 2)
    ys = y0 + (np.arange((y1 - y0) * supersample) + 0.5)[:, None] / supersample
    xs = x0 + (np.arange((x1 - x0) * supersample) + 0.5)[None, :] / supersample
    inside = _inside(obj, xs, ys).reshape(y1 - y0, supersample, x1 - x0, supersample)
    return (y0, x0), inside.sum(axis=(1, 3)) / supersample ** 2


def render(scene, rng=None, noise=0.02, supersample=3):
    """Draw a scene as a float32 image (S, S, 3) in [0, 1]: shapes anti-aliased by supersampling.

    rng (np.random.Generator or None) adds small colour jitter and pixel noise of std `noise`;
    rng=None draws the clean picture.
    """
    background = np.full(3, 0.08) + (rng.uniform(-0.03, 0.03, size=3) if rng is not None else 0.0)
    img = np.broadcast_to(background, (IMAGE_SIZE, IMAGE_SIZE, 3)).copy()
    for obj in scene.objects:
        colour = np.array(COLOURS[obj.colour]) + (rng.uniform(-0.05, 0.05, size=3) if rng is not None else 0.0)
        (y0, x0), cov = coverage(obj, supersample)
        ny, nx = cov.shape
        patch = img[y0:y0 + ny, x0:x0 + nx]
        img[y0:y0 + ny, x0:x0 + nx] = patch * (1 - cov[..., None]) + colour * cov[..., None]
    if rng is not None and noise > 0:
        img = img + rng.normal(0.0, noise, size=img.shape)
    return np.clip(img, 0.0, 1.0).astype(np.float32)


def captions(scene):
    """All reference captions of a scene (lists of words), in a fixed order.

    One object: "a {o}", "there is a {o}", "a single {o}" with {o} = "size colour shape".
    Two objects, for both word orders (X rel Y and Y converse X): "a X rel a Y", "there is a X rel a Y",
    "a X is rel' a Y" where rel' spells "left of" as "to the left of".
    """
    if len(scene.objects) == 1:
        o = scene.objects[0].phrase
        texts = [f"a {o}", f"there is a {o}", f"a single {o}"]
    else:
        a, b = scene.objects
        r = relation_of(a, b)
        texts = []
        for x, rel, y in ((a, r, b), (b, _CONVERSE[r], a)):
            texts += [f"a {x.phrase} {rel} a {y.phrase}", f"there is a {x.phrase} {rel} a {y.phrase}",
                      f"a {x.phrase} is {_LONG[rel]} a {y.phrase}"]
    return [t.split() for t in texts]


class CaptionVocab:
    """Word <-> index for the caption world: <pad>=0, <start>=1, <end>=2, <unk>=3, then WORDS in order."""

    def __init__(self, words=WORDS):
        self.words = tuple(words)
        self.symbols = tuple(SPECIALS) + self.words
        if len(set(self.symbols)) != len(self.symbols):
            raise ValueError(f"words must be distinct and not special tokens; got {list(words)}")
        self.index = {w: i for i, w in enumerate(self.symbols)}
        self.pad, self.start, self.end, self.unk = range(4)

    def __len__(self):
        return len(self.symbols)

    def encode(self, words, max_len):
        """Words -> int64 (max_len,): <start> w1 ... wn <end> <pad>...; unknown words become <unk>."""
        max_len = check_positive_int("max_len", max_len)
        ids = [self.start] + [self.index.get(w, self.unk) for w in words] + [self.end]
        if len(ids) > max_len:
            raise ValueError(f"max_len must be at least len(words) + 2 = {len(ids)}; got {max_len}")
        return np.array(ids + [self.pad] * (max_len - len(ids)), dtype=np.int64)

    def decode(self, ids):
        """Indices -> words, skipping <start> and <pad> and stopping at the first <end>."""
        words = []
        for i in np.asarray(ids).ravel().tolist():
            if not 0 <= i < len(self):
                raise ValueError(f"ids must lie in [0, {len(self)}); got {i}")
            if i == self.end:
                break
            if i not in (self.pad, self.start):
                words.append(self.symbols[i])
        return words


MAX_LEN = 2 + max(len(c) for c in captions(make_scene([("triangle", "yellow", "large", 8, 16), ("square", "green", "small", 24, 16)])))


class CaptionData(NamedTuple):
    """One split: images (N, S, S, 3) float32, scenes, references (N lists of word lists)."""
    images: np.ndarray
    scenes: list
    references: list


_SPLIT_SIZES = {"train": 6000, "val": 500, "test": 1000, "compositional": 1000}


def make_split(split, n=None, seed=0, images=True):
    """The scenes, images and reference captions of one split, the same for the same (split, n, seed).

    split: "train", "val", "test" (no HELD_OUT pair) or "compositional" (every scene holds one).
    n: number of scenes (default 6000 / 500 / 1000 / 1000). Each split draws from its own stream
    np.random.default_rng([seed, index of split]), so the splits differ and never depend on each other's n.
    images=False skips the rendering (images is None): the scenes and references are the same, drawn first.
    """
    check_choice("split", split, SPLITS)
    n = _SPLIT_SIZES[split] if n is None else check_positive_int("n", n)
    seed = check_seed("seed", seed)
    rng = np.random.default_rng([seed, SPLITS.index(split)])
    held = "require" if split == "compositional" else "exclude"
    scenes = [random_scene(rng, held_out=held) for _ in range(n)]
    pictures = np.stack([render(s, rng) for s in scenes]) if images else None  # (N, S, S, 3)
    return CaptionData(pictures, scenes, [captions(s) for s in scenes])


def combinations_seen(data):
    """The set of (colour, shape) pairs that occur in a split."""
    return set(itertools.chain.from_iterable(((o.colour, o.shape) for o in s.objects) for s in data.scenes))
