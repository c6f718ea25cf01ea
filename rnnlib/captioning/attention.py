"""Where the attention decoder looks, measured: the attention mass on the object that a word names.

In a two-object scene each size, colour and shape word of a reference caption names one object. Feed the
reference with teacher forcing and read alpha (over the L = side x side grid cells) at the step that predicts
the word. Split its mass three ways: the cells the named object covers, the cells the other object covers,
and the rest (background). A decoder that ignored where things are would put on each object about that
object's share of the cells (its area: uniform attention, alpha_i = 1/L); one that reads the object it names
puts much more than that on the named object and less on the other.

A word whose value both objects share ("red" when both are red) names neither alone; such words are kept but
flagged (`shared`), and the summary leaves them out. A cell belongs to an object when the object covers at
least `min_cover` of it.

Both word orders are right ("A left of B" = "B right of A"), so the decoder cannot know which object the
reference describes until a word singles it out, and alpha for word t is computed from h_{t-1}, the state
before the decoder reads word t-1: the words it has read are those before t-1. A row is `known` when one of
them is a size, colour or shape word that the two objects do not share. Each scene is fed in both word orders,
so a decoder that merely prefers one side of the image is right half the time; and while the object is not
known, both feeds have read the same words, alpha is the same, and "named" and "other" simply swap.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from .._validate import check_array, check_index, check_number, check_positive_int
from ..plotting import figure_or_new
from .world import COLOURS, IMAGE_SIZE, MAX_LEN, SHAPES, SIZES, CaptionVocab, coverage

__all__ = ["cell_cover", "object_masks", "word_objects", "mass_split", "ObjectAttention", "attention_on_objects",
           "attention_summary", "draw_object_attention"]

ATTRIBUTE_OF = {**{w: "size" for w in SIZES}, **{w: "colour" for w in COLOURS}, **{w: "shape" for w in SHAPES}}


def cell_cover(obj, side=8):
    """The fraction of each grid cell that an object covers: (side, side) floats in [0, 1]."""
    side = check_positive_int("side", side)
    if IMAGE_SIZE % side:
        raise ValueError(f"side must divide the image size {IMAGE_SIZE}; got {side}")
    (y0, x0), cov = coverage(obj)
    full = np.zeros((IMAGE_SIZE, IMAGE_SIZE))
    full[y0:y0 + cov.shape[0], x0:x0 + cov.shape[1]] = cov
    k = IMAGE_SIZE // side
    return full.reshape(side, k, side, k).mean(axis=(1, 3))


def object_masks(scene, side=8, min_cover=0.25):
    """(K, side * side) bool: the cells (row by row, as the encoder's grid) each of the K objects covers."""
    min_cover = check_number("min_cover", min_cover, 0, 1, low_open=True)
    return np.stack([cell_cover(o, side).ravel() >= min_cover for o in scene.objects])


def word_objects(scene, words):
    """For a reference caption of a two-object scene: [(position, word, attribute, object, phrase, shared), ...].

    One entry per size, colour or shape word; `phrase` is 0 for the first object the caption names and 1 for the
    second; `object` is the index in scene.objects of the object that phrase describes (the one whose size,
    colour and shape it names); `shared` is True when both objects have that value.
    """
    if len(scene.objects) != 2:
        raise ValueError(f"scene must hold two objects; got {len(scene.objects)}")
    phrases, current = [], []
    for k, w in enumerate(words):
        if w in ATTRIBUTE_OF:
            current.append((k, w))
        if w in SHAPES:
            phrases.append(current)
            current = []
    if len(phrases) != 2:
        raise ValueError(f"words must name two objects (two shape words); got {' '.join(words)!r}")
    a, b = scene.objects
    first = [w for _, w in phrases[0]]
    order = (0, 1) if first == [a.size, a.colour, a.shape] else (1, 0)
    if [w for _, w in phrases[1]] != [scene.objects[order[1]].size, scene.objects[order[1]].colour,
                                       scene.objects[order[1]].shape]:
        raise ValueError(f"words must describe the scene's objects; got {' '.join(words)!r}")
    out = []
    for p, (phrase, obj) in enumerate(zip(phrases, order)):
        for k, w in phrase:
            attr = ATTRIBUTE_OF[w]
            out.append((k, w, attr, obj, p, getattr(a, attr) == getattr(b, attr)))
    return out


def mass_split(alpha, named, other):
    """Attention mass on the named object's cells, on the other object's cells, and on the rest.

    Inputs: alpha (L,) attention weights (summing to 1); named, other (L,) bool cell masks (they may overlap:
    a cell both objects cover counts for both). Returns (named mass, other mass, background mass) as floats.
    """
    alpha = check_array("alpha", alpha, ("L",))
    named, other = _mask("named", named, alpha.shape), _mask("other", other, alpha.shape)
    return float(alpha[named].sum()), float(alpha[other].sum()), float(alpha[~(named | other)].sum())


def _mask(name, mask, shape):
    mask = np.asarray(mask)
    if mask.dtype != bool or mask.shape != shape:
        raise ValueError(f"{name} must be a bool array of shape {shape}; got {mask.dtype} {mask.shape}")
    return mask


class ObjectAttention(NamedTuple):
    """One row per size, colour or shape word of a two-object scene's reference caption fed; what
    attention_on_objects returns."""
    image: np.ndarray  # (M,) int: which image of the split
    position: np.ndarray  # (M,) int: the word's 0-based position in the caption
    word: np.ndarray  # (M,) str
    attribute: np.ndarray  # (M,) str: "size", "colour" or "shape"
    phrase: np.ndarray  # (M,) int: 0 in the phrase of the first object named, 1 in the second
    known: np.ndarray  # (M,) bool: the words read before alpha was computed already tell which object is which
    shared: np.ndarray  # (M,) bool: both objects have this value (the word names neither alone)
    named: np.ndarray  # (M,) attention mass on the named object's cells
    other: np.ndarray  # (M,) on the other object's cells
    background: np.ndarray  # (M,) on the remaining cells
    named_area: np.ndarray  # (M,) the named object's share of the cells: what uniform attention puts there
    other_area: np.ndarray  # (M,) the other object's share


def attention_on_objects(model, data, references=(0, 3), min_cover=0.25):
    """Teacher-force reference captions of every two-object scene of `data` through an attention captioner and
    split alpha at each size, colour and shape word (the step that predicts it) with mass_split.

    references: which of each scene's references to feed (indices). The default, 0 and 3, are the same sentence
    with the objects named in both orders ("a A left of a B", "a B right of a A"), so that a decoder that simply
    prefers one side of the image gains nothing: each object is named first once and second once.
    Returns: ObjectAttention, one row per such word and reference.
    """
    if not hasattr(model, "attend"):
        raise ValueError(f"model must be an attention captioner; got {type(model).__name__}")
    pick = [i for i, s in enumerate(data.scenes) if len(s.objects) == 2]
    if not pick:
        raise ValueError("data must hold at least one two-object scene")
    references = [check_index("references", r, min(len(data.references[i]) for i in pick)) for r in references]
    vocab = CaptionVocab()
    feeds = [(i, data.references[i][r]) for r in references for i in pick]
    tokens = torch.from_numpy(np.stack([vocab.encode(ref, MAX_LEN) for _, ref in feeds]))
    with torch.no_grad():
        _, alphas = model(data.images[[i for i, _ in feeds]], tokens[:, :-1])
    alphas = alphas.numpy().astype(np.float64)  # (len(feeds), T, L); row t predicts word t
    side = int(round(alphas.shape[-1] ** 0.5))
    rows = []
    for n, (i, ref) in enumerate(feeds):
        masks = object_masks(data.scenes[i], side, min_cover)
        words = word_objects(data.scenes[i], ref)
        for k, w, attr, obj, phrase, shared in words:
            known = any(not s for j, *_, s in words if j < k - 1)
            split = mass_split(alphas[n, k], masks[obj], masks[1 - obj])
            rows.append((i, k, w, attr, phrase, known, shared, *split, masks[obj].mean(), masks[1 - obj].mean()))
    cols = list(zip(*rows))
    types = (int, int, object, object, int, bool, bool, float, float, float, float, float)
    return ObjectAttention(*(np.array(c, dtype=t) for c, t in zip(cols, types)))


def attention_summary(rows, include_shared=False):
    """Per group of words, over the words that name one object (all words with include_shared): a dict of medians
    and quartiles. Groups: "size", "colour", "shape"; "first" and "second" (the object named first or second);
    "known" and "unknown" (whether the words read so far tell which object is which); "all".

    Each entry: {"n", "named", "other", "background", "named_area" (medians), "lift" (median of named /
    named_area: 1 is uniform attention), "lift_q" (its quartiles), "prefers" (fraction of words with more mass
    per cell on the named object than on the other: named / named_area > other / other_area)}.
    """
    if not isinstance(rows, ObjectAttention):
        raise ValueError(f"rows must be the ObjectAttention that attention_on_objects returns; "
                         f"got {type(rows).__name__}")
    keep = np.ones(len(rows.named), bool) if include_shared else ~rows.shared
    out = {}
    groups = {a: rows.attribute == a for a in ("size", "colour", "shape")}
    groups.update(first=rows.phrase == 0, second=rows.phrase == 1, known=rows.known, unknown=~rows.known,
                  all=np.ones(len(keep), bool))
    for attr, where in groups.items():
        sel = keep & where
        if not sel.any():
            continue
        lift = rows.named[sel] / rows.named_area[sel]
        per_cell_other = rows.other[sel] / np.maximum(rows.other_area[sel], 1e-12)
        out[attr] = {"n": int(sel.sum()), "named": float(np.median(rows.named[sel])),
                     "other": float(np.median(rows.other[sel])), "background": float(np.median(rows.background[sel])),
                     "named_area": float(np.median(rows.named_area[sel])), "lift": float(np.median(lift)),
                     "lift_q": tuple(float(q) for q in np.percentile(lift, [25, 75])),
                     "prefers": float(np.mean(lift > per_cell_other))}
    return out


def draw_object_attention(image, maps, words, masks=None, fig=None, vmax=None, title=None):
    """The image, then one attention map per word, all on ONE colour scale (0 .. vmax, default the largest alpha
    shown), with a colour bar marking uniform attention 1/L. masks: optional list, per word, of (named, other)
    bool (L,) cell masks, outlined solid (named) and dashed (other).

    Inputs: image (S, S, 3); maps (W, side, side) alpha, one per word; words (W,) labels.
    """
    maps = check_array("maps", np.asarray(maps, dtype=np.float64), ("W", "side", "side"))
    if len(words) != len(maps):
        raise ValueError(f"words must hold one label per map ({len(maps)}); got {len(words)}")
    side = maps.shape[1]
    vmax = float(maps.max()) if vmax is None else check_number("vmax", vmax, 0, low_open=True)
    ncols = min(len(maps) + 1, 4)
    nrows = -(-(len(maps) + 1) // ncols)
    fig = figure_or_new(fig, (2.0 * ncols + 0.8, 2.2 * nrows + 0.6))
    grid = fig.add_gridspec(nrows, ncols + 1, width_ratios=[1] * ncols + [0.08])
    ax = fig.add_subplot(grid[0, 0])
    ax.imshow(image, interpolation="nearest", extent=(-0.5, side - 0.5, side - 0.5, -0.5))
    ax.set_title("image", fontsize=12)
    ax.axis("off")
    for k, (m, w) in enumerate(zip(maps, words)):
        ax = fig.add_subplot(grid[(k + 1) // ncols, (k + 1) % ncols])
        shown = ax.imshow(m, cmap="magma", vmin=0, vmax=vmax, interpolation="nearest")
        if masks is not None:
            fine = (np.arange(side * 8) + 0.5) / 8 - 0.5  # cell edges, drawn square
            for mask, style in zip(masks[k], ("-", "--")):
                up = np.kron(np.asarray(mask, float).reshape(side, side), np.ones((8, 8)))
                ax.contour(fine, fine, up, levels=[0.5], colors="cyan", linestyles=style, linewidths=1.5)
        ax.set_title(f"'{w}'", fontsize=12)
        ax.axis("off")
    bar = fig.colorbar(shown, cax=fig.add_subplot(grid[:, -1], label="<colorbar>"))  # not a panel (describe_figure)
    bar.ax.tick_params(labelsize=11)
    bar.ax.axhline(1 / side ** 2, color="white", lw=2)
    bar.set_label(f"α (white line: uniform 1/{side ** 2})", fontsize=11)
    if title:
        fig.suptitle(title, fontsize=13)
    return fig
