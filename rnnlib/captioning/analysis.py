"""Looking inside a trained captioner: teacher forcing against free running, beam search against greedy,
attention maps, and saliency (the gradient of one word's log-probability with respect to the pixels).
"""
from __future__ import annotations

import numpy as np
import torch

from .bleu import corpus_bleu
from .evaluation import decode_images
from .world import MAX_LEN, CaptionVocab

__all__ = ["valid_next", "teacher_forcing_accuracy", "free_running_validity", "beam_effect",
           "attention_maps", "saliency_map"]


def valid_next(references, prefix):
    """The words that may follow `prefix` in some reference ("<end>" where a reference ends there)."""
    n = len(prefix)
    return {ref[n] if len(ref) > n else "<end>" for ref in references if len(ref) >= n and ref[:n] == list(prefix)}


def teacher_forcing_accuracy(model, data, ref_index=0):
    """Per position t: how often the model's top word is a valid next word, fed the true prefix.

    The true prefix is reference `ref_index` of each image (every image has at least 3 references).
    Returns (accuracy (MAX_LEN-1,), counted (MAX_LEN-1,)): positions past the end are not counted.
    """
    vocab = CaptionVocab()
    refs = [r[ref_index] for r in data.references]
    tokens = torch.from_numpy(np.stack([vocab.encode(r, MAX_LEN) for r in refs]))
    with torch.no_grad():
        logits, _ = model(data.images, tokens[:, :-1])
    top = logits.argmax(-1).numpy()  # (N, T)
    right, counted = np.zeros(MAX_LEN - 1), np.zeros(MAX_LEN - 1)
    for i, ref in enumerate(refs):
        for t in range(len(ref) + 1):
            counted[t] += 1
            right[t] += vocab.symbols[top[i, t]] in valid_next(data.references[i], ref[:t])
    return right / np.maximum(counted, 1), counted


def free_running_validity(hypotheses, list_of_references):
    """Per position t: the fraction of captions whose first t+1 words (<end> included) start some reference.

    A caption that ended validly counts as valid at every later position."""
    valid = np.zeros(MAX_LEN - 1)
    for hyp, refs in zip(hypotheses, list_of_references):
        words = list(hyp) + ["<end>"]
        for t in range(MAX_LEN - 1):
            if t < len(words) and words[t] not in valid_next(refs, words[:t]):
                break
            valid[t] += 1
    return valid / len(hypotheses)


def beam_effect(model, data, widths=(1, 2, 3, 5), alpha=0.7):
    """Decode a split with greedy and beam search of each width -> (bleu4 dict, captions dict, changed dict).

    changed[w] lists the images whose beam-w caption differs from the greedy one."""
    caps = {"greedy": decode_images(model, data.images, "greedy")}
    for w in widths:
        caps[w] = decode_images(model, data.images, "beam", beam_width=w, alpha=alpha)
    bleu = {k: corpus_bleu(data.references, v) for k, v in caps.items()}
    changed = {w: [i for i, (a, b) in enumerate(zip(caps["greedy"], caps[w])) if a != b] for w in widths}
    return bleu, caps, changed


def _tokens(words):
    vocab = CaptionVocab()
    return torch.from_numpy(vocab.encode(words, len(words) + 2))[None]


def attention_maps(model, image, words):
    """The attention model's alpha over the grid while it reads `words`: (len(words) + 1, side, side).

    Row t is where the model looks when it predicts word t+1 (the last row: when it predicts <end>)."""
    if not hasattr(model, "attend"):
        raise ValueError(f"model must be an attention captioner; got {type(model).__name__}")
    with torch.no_grad():
        _, alphas = model(np.asarray(image)[None], _tokens(words)[:, :-1])
    a = alphas[0].numpy()  # (T, L)
    side = int(round(a.shape[1] ** 0.5))
    return a.reshape(len(a), side, side)


def saliency_map(model, image, words, position):
    """|d log p(words[position] | image, words[:position]) / d pixels|, the max over RGB: (S, S).

    The gradient of one word's log-probability under teacher forcing with respect to the input image.
    """
    if not 0 <= position < len(words):
        raise ValueError(f"position must lie in [0, {len(words)}); got {position}")
    tokens = _tokens(words)
    x = torch.tensor(np.asarray(image, dtype=np.float32)[None], requires_grad=True)
    logits, _ = model(x, tokens[:, :-1])
    logp = torch.log_softmax(logits[0, position], -1)[tokens[0, position + 1]]
    (grad,) = torch.autograd.grad(logp, x)
    return grad[0].abs().amax(-1).numpy()
