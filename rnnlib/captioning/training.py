"""Training torch captioners on the caption world with teacher forcing, and their checkpoints.

Each training step draws a minibatch of images and, for each image, one of its reference captions at
random (so the model learns every paraphrase), feeds <start> w1 ... wn as inputs and scores
w1 ... wn <end> as targets with cross-entropy averaged over the real (non-pad) tokens.

Checkpoints are plain dicts of tensors, strings and numbers, so torch.load(..., weights_only=True)
reads them: {"kind", "config", "state_dict", "words", "meta"}.
"""
from __future__ import annotations

import numpy as np
import torch

from .._validate import check_positive_int
from .models import build_model
from .world import MAX_LEN, WORDS, CaptionVocab
from ..progress import progress

__all__ = ["encode_references", "caption_loss", "train_captioner", "save_checkpoint", "load_checkpoint"]


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


def train_captioner(model, data, steps, batch_size=64, lr=3e-3, seed=0, vocab=None, show_progress=True):
    """Adam with teacher forcing for `steps` minibatches; returns the list of per-step losses (floats).

    The minibatches and the caption drawn for each image come from np.random.default_rng(seed);
    the learning rate decays linearly to lr/10 over the steps. The model is left in eval mode.
    """
    steps, batch_size = check_positive_int("steps", steps), check_positive_int("batch_size", batch_size)
    vocab = CaptionVocab() if vocab is None else vocab
    tokens, counts = encode_references(data, vocab)
    images = torch.from_numpy(np.ascontiguousarray(data.images))
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 1.0 - 0.9 * k / steps)
    model.train()
    losses = []
    for _ in progress(range(steps), desc="train", enabled=show_progress):
        idx = rng.integers(len(tokens), size=batch_size)
        pick = (rng.random(batch_size) * counts[idx]).astype(int)
        batch = torch.from_numpy(tokens[idx, pick])  # (B, T)
        logits, _ = model(images[idx], batch[:, :-1])
        loss = caption_loss(logits, batch[:, 1:], vocab.pad)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
    model.eval()
    return losses


def save_checkpoint(model, kind, path, meta=None):
    """Save a model's weights and sizes (and `meta`: plain numbers/strings, e.g. seed and steps)."""
    torch.save({"kind": kind, "config": dict(model.config), "state_dict": model.state_dict(),
                "words": list(WORDS), "meta": dict(meta or {})}, path)


def load_checkpoint(path):
    """Load a checkpoint with weights_only=True -> (model in eval mode, meta dict)."""
    ckpt = torch.load(path, weights_only=True)
    if list(ckpt["words"]) != list(WORDS):
        raise ValueError(f"path holds a model for another vocabulary: {ckpt['words']} instead of {list(WORDS)}")
    model = build_model(ckpt["kind"], **ckpt["config"])
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    return model, dict(ckpt["meta"], kind=ckpt["kind"])
