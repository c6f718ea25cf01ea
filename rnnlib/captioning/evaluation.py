"""Judging generated captions: decoding a split, BLEU-1..4 and per-attribute accuracy.

Per-attribute accuracy reads a caption back into objects (size colour shape) and a relation, matches
them to the scene's objects (the matching that gets the most right), and counts, over all objects of
all scenes, how often the colour, the shape and the size are named right; over the two-object scenes,
how often the relation holds between the objects as named; and over scenes, how often the number of
objects is right and how often everything is ("exact").
"""
from __future__ import annotations

import itertools
from typing import NamedTuple

import torch

from .. import decoding
from .._validate import check_choice, check_rng
from .bleu import corpus_bleu
from .models import captioner_step_fn
from .world import COLOURS, MAX_LEN, SHAPES, SIZES, CaptionVocab, relation_of

__all__ = ["parse_caption", "attribute_accuracy", "decode_images", "CaptionEvaluation", "evaluate", "ATTRIBUTES"]

ATTRIBUTES = ("colour", "shape", "size", "relation", "count", "exact")
_REL_WORDS = {"left": "left of", "right": "right of", "above": "above", "below": "below"}


def parse_caption(words):
    """Read a caption back: (objects [(size, colour, shape), ...], relation or None).

    Each shape word closes an object; the nearest size and colour words before it (since the previous
    object) fill its other attributes (None when missing). The first of left/right/above/below names
    the relation, read as "first object REL second object".
    """
    objects, size, colour, relation = [], None, None, None
    for w in words:
        if w in SIZES:
            size = w
        elif w in COLOURS:
            colour = w
        elif w in SHAPES:
            objects.append((size, colour, w))
            size = colour = None
        elif w in _REL_WORDS and relation is None:
            relation = _REL_WORDS[w]
    return objects, relation


def _score(scene, words):
    """Counts for one scene: dict attribute -> (right, out of)."""
    named, relation = parse_caption(words)
    objs = scene.objects
    best = None
    for perm in itertools.permutations(range(len(objs))):  # perm[k]: scene object named k-th
        right = {"colour": 0, "shape": 0, "size": 0}
        for k, i in enumerate(perm):
            if k < len(named):
                size, colour, shape = named[k]
                right["colour"] += colour == objs[i].colour
                right["shape"] += shape == objs[i].shape
                right["size"] += size == objs[i].size
        rel = 0
        if len(objs) == 2:
            rel = int(len(named) >= 2 and relation == relation_of(objs[perm[0]], objs[perm[1]]))
        key = (sum(right.values()) + rel, rel)
        if best is None or key > best[0]:
            best = (key, right, rel)
    _, right, rel = best
    n = len(objs)
    counts = {a: (right[a], n) for a in ("colour", "shape", "size")}
    counts["relation"] = (rel, 1) if n == 2 else (0, 0)
    counts["count"] = (int(len(named) == n), 1)
    exact = len(named) == n and all(right[a] == n for a in right) and (n == 1 or rel == 1)
    counts["exact"] = (int(exact), 1)
    return counts


def attribute_accuracy(scenes, hypotheses):
    """Per-attribute accuracy of captions (word lists) for scenes -> dict attribute -> fraction in [0, 1]."""
    if len(scenes) != len(hypotheses) or not scenes:
        raise ValueError(f"hypotheses must hold one caption per scene ({len(scenes)}); got {len(hypotheses)}")
    totals = {a: [0, 0] for a in ATTRIBUTES}
    for scene, words in zip(scenes, hypotheses):
        for a, (right, out_of) in _score(scene, words).items():
            totals[a][0] += right
            totals[a][1] += out_of
    return {a: (r / n if n else float("nan")) for a, (r, n) in totals.items()}


def decode_images(model, images, method="greedy", beam_width=3, temperature=1.0, rng=0, batch_size=500, alpha=0.7):
    """Captions (word lists) for images (N, S, S, 3) with rnnlib.decoding: greedy, sample or beam.

    rng (a np.random.Generator, a seed or None) draws the words when method="sample"; alpha is beam
    search's length normalization; images are decoded batch_size at a time.
    """
    check_choice("method", method, ("greedy", "sample", "beam"))
    vocab = CaptionVocab()
    rng = check_rng("rng", rng)
    out = []
    for lo in range(0, len(images), batch_size):
        step, state = captioner_step_fn(model, images[lo:lo + batch_size])
        if method == "greedy":
            ids = decoding.greedy_decode(step, state, vocab.start, MAX_LEN - 1, end_token=vocab.end)
        elif method == "sample":
            ids = decoding.sample_decode(step, state, vocab.start, MAX_LEN - 1, temperature=temperature, rng=rng, end_token=vocab.end)
        else:
            ids = [decoding.beam_search(step, tuple(s[i:i + 1] for s in state), vocab.start, MAX_LEN - 1,
                                        vocab.end, beam_width=beam_width, alpha=alpha)[0][0]
                   for i in range(len(state[0]))]
        out += [vocab.decode(row) for row in ids]
    return out


class CaptionEvaluation(NamedTuple):
    """What evaluate returns (unpacks as scores, hyps = evaluate(...))."""
    scores: dict  # bleu1 .. bleu4 and every attribute of ATTRIBUTES -> a number in [0, 1]
    hyps: list  # the captions scored, one word list per image


def evaluate(model, data, hypotheses=None, **decode_kwargs):
    """BLEU-1..4 and per-attribute accuracy of a model's captions of a split (or of given hypotheses).

    decode_kwargs go to decode_images. Returns: CaptionEvaluation(scores, hyps).
    """
    if hypotheses is None:
        with torch.no_grad():
            hypotheses = decode_images(model, data.images, **decode_kwargs)
    scores = {f"bleu{n}": corpus_bleu(data.references, hypotheses, max_n=n) for n in range(1, 5)}
    scores.update(attribute_accuracy(data.scenes, hypotheses))
    return CaptionEvaluation(scores, hypotheses)
