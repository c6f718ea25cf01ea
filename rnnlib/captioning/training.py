"""Training torch captioners on the caption world with teacher forcing, and their checkpoints.

Each training step draws a minibatch of images and, for each image, one of its reference captions at
random (so the model learns every paraphrase), feeds <start> w1 ... wn as inputs and scores
w1 ... wn <end> as targets with cross-entropy averaged over the real (non-pad) tokens.

Checkpoints use rnnlib.checkpoint's one format (float32 weights, read with torch.load(weights_only=True)):
kind "showtell" or "attention", the model's config, and as extra the vocabulary's words and `meta`.
"""
from __future__ import annotations

import math
import time
from typing import NamedTuple

import numpy as np
import torch

from .._validate import check_number, check_positive_int, check_rng
from ..checkpoint import read_checkpoint, write_checkpoint
from ..progress import progress as progress_bar
from .models import MODELS, build_model
from .world import MAX_LEN, WORDS, CaptionVocab

__all__ = ["encode_references", "caption_loss", "CaptionerRecord", "CaptionerTrainResult", "train_captioner",
           "save_checkpoint", "load_checkpoint"]


class CaptionerRecord(NamedTuple):
    """What train_captioner hands its callback after every update."""
    step: int  # updates made so far (1 after the first)
    train_nats: float  # the minibatch loss of that update, nats per real token
    lr: float  # the learning rate that update used


class CaptionerTrainResult(NamedTuple):
    """What train_captioner returns; the lists have one entry per update."""
    model: torch.nn.Module  # the trained captioner, in eval mode
    steps: list  # 1, 2, ..., steps
    train_nats: list  # the minibatch loss of each update, nats per real token
    seconds: float  # wall time of the loop


def encode_references(data, vocab, max_len=MAX_LEN):
    """All references of a split as ids: (tokens (N, R, max_len) int64, counts (N,)); unused rows are <pad>."""
    r = max(len(refs) for refs in data.references)
    tokens = np.full((len(data.references), r, max_len), vocab.pad, dtype=np.int64)
    for i, refs in enumerate(data.references):
        for j, words in enumerate(refs):
            tokens[i, j] = vocab.encode(words, max_len)
    return tokens, np.array([len(refs) for refs in data.references])


def caption_loss(logits, targets, pad=0):
    """Mean cross-entropy over the tokens that are not <pad>: logits (N, T, V), targets (N, T) -> scalar."""
    if logits.shape[:2] != targets.shape:
        raise ValueError(f"targets must have shape (N, T) = {tuple(logits.shape[:2])}; got {tuple(targets.shape)}")
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=pad)


def train_captioner(model, data, *, steps=2000, lr=3e-3, batch_size=64, rng=0, vocab=None, progress=True,
                    callback=None):
    """Adam with teacher forcing for `steps` minibatches of the split `data` (a CaptionData).

    The model arrives built (its weights are seeded where it is made: torch.manual_seed, then build_model);
    rng (a np.random.Generator, a seed or None; check_rng) draws the minibatches and the caption drawn for
    each image, so rng=0 repeats a run. The learning rate decays linearly from lr to lr/10 over the steps;
    gradients are clipped to a global norm of 5. progress shows a bar; callback(CaptionerRecord) is called
    after every update. The model is left in eval mode.
    Returns: CaptionerTrainResult(model, steps, train_nats, seconds).
    Raises FloatingPointError naming the step, the loss and lr if the loss is not finite.
    """
    steps, batch_size = check_positive_int("steps", steps), check_positive_int("batch_size", batch_size)
    lr = check_number("lr", lr, 0, low_open=True)
    rng = check_rng("rng", rng)
    start = time.perf_counter()
    vocab = CaptionVocab() if vocab is None else vocab
    tokens, counts = encode_references(data, vocab)
    images = torch.from_numpy(np.ascontiguousarray(data.images))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 1.0 - 0.9 * k / steps)
    model.train()
    history = CaptionerTrainResult(model, [], [], 0.0)
    for step in progress_bar(range(1, steps + 1), desc="train", enabled=progress):
        idx = rng.integers(len(tokens), size=batch_size)
        pick = (rng.random(batch_size) * counts[idx]).astype(int)
        batch = torch.from_numpy(tokens[idx, pick])  # (B, T)
        logits, _ = model(images[idx], batch[:, :-1])
        loss = caption_loss(logits, batch[:, 1:], vocab.pad)
        nats, step_lr = loss.item(), sched.get_last_lr()[0]
        if not math.isfinite(nats):
            raise FloatingPointError(f"training diverged at step {step}: loss {nats}; lower lr (got {lr})")
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sched.step()
        history.steps.append(step)
        history.train_nats.append(nats)
        if callback is not None:
            callback(CaptionerRecord(step, nats, step_lr))
    model.eval()
    return history._replace(seconds=time.perf_counter() - start)


def save_checkpoint(path, model, vocab, meta=None):
    """Write a captioner (float32 weights), its vocabulary and `meta` to path with rnnlib.checkpoint.

    Inputs: path; model (a ShowTellCaptioner or AttendCaptioner); vocab (the CaptionVocab it was trained
    with, len(vocab) == vocab_size); meta (a dict of plain numbers and strings, e.g. the seed and steps).
    Returns: the path as a Path.
    """
    kind = getattr(model, "kind", None)
    if kind not in MODELS or not isinstance(model, MODELS[kind]):
        raise ValueError(f"model must be a captioner ({' or '.join(c.__name__ for c in MODELS.values())}); "
                         f"got {type(model).__name__}")
    if not isinstance(vocab, CaptionVocab) or len(vocab) != model.config["vocab_size"]:
        raise ValueError(f"vocab must be the CaptionVocab of the model's {model.config['vocab_size']} symbols; "
                         f"got {type(vocab).__name__} of {len(vocab) if hasattr(vocab, '__len__') else '?'}")
    return write_checkpoint(path, model, kind, {"words": list(vocab.words), "meta": dict(meta or {})}, dtype="float32")


def load_checkpoint(path):
    """Load a captioner written by save_checkpoint (e.g. rnnlib.paths.asset_path("caption_attention.pt")).

    Read with torch.load(weights_only=True) on the CPU. The vocabulary must be the caption world's (WORDS):
    decoding and evaluation read captions with it.
    Returns: (model in eval mode, its CaptionVocab, meta dict ({} when none)).
    Raises ValueError naming the path if it is missing, not a captioner's checkpoint, or for other words.
    """
    ckpt = read_checkpoint(path, tuple(MODELS))
    words = list(ckpt.extra.get("words", []))
    if words != list(WORDS):
        raise ValueError(f"path must hold a model for the caption world's words {list(WORDS)}; "
                         f"got {str(path)!r}, whose words are {words}")
    model = build_model(ckpt.kind, **ckpt.config)
    model.load_state_dict(ckpt.state)
    return model.eval(), CaptionVocab(words), dict(ckpt.extra.get("meta", {}))
