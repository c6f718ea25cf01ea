"""Test time for a character model: feed a seed string, then generate one character at a time.

Training uses teacher forcing (the true previous character is the input at every step); at test
time there is no true text, so each generated character is fed back in as the next input:

    h = step(seed[0]) ... step(seed[-1]);  repeat n times: p = softmax(z(h) / temperature),
    c ~ p (or c = argmax p when greedy), h = step(c)

The temperature divides the scores: below 1 sharpens p (safer, more repetitive text), above 1
flattens it (more surprising text, more spelling mistakes); greedy is the limit temperature -> 0.
Works with the parameter dicts of rnnlib.charlm (W_xh (H, V), W_hh, b_h, W_hy (V, H), b_y) and
uses the same layers: model.charlm_hidden_states (embedding lookup, + b_h, the scan), affine output, softmax.
The generation loop itself is rnnlib.decoding's (greedy_decode, sample_decode), the one the char-LSTM and
the caption decoders use too: this module only gives it the character model's step function,
`charlm_step_fn(params)` (the step function and its zero initial state).
"""
from __future__ import annotations

import re

import numpy as np

from .._validate import check_index, check_positive_int, check_temperature
from ..decoding import greedy_decode, sample_decode
from ..layers import affine_forward, softmax
from .model import PARAM_NAMES, charlm_hidden_states, check_params

__all__ = ["charlm_step_fn", "encode_seed", "next_char_probs", "sample", "word_hit_rate"]


def encode_seed(vocab, seed_text):
    """seed_text -> int64 indices; ValueError if it is empty or has characters outside the vocabulary."""
    if not isinstance(seed_text, str) or not seed_text:
        raise ValueError(f"seed_text must be a non-empty string of characters in the vocabulary; got {seed_text!r}")
    unknown = sorted({c for c in seed_text if c not in vocab.index})
    if unknown:
        raise ValueError(f"seed_text contains characters not in the vocabulary: {unknown}; "
                         f"the vocabulary has {len(vocab)} characters")
    return vocab.encode(seed_text)


def _read(p, codes, h):
    """Feed characters (indices) into the RNN from state h (1, H); return the state after the last one (1, H)."""
    if len(codes) == 0:
        return h
    hs, _, _ = charlm_hidden_states(p, np.asarray(codes, dtype=np.int64)[None, :], h)  # (T, 1, H)
    return hs[-1]


def _scores(p, h):
    """(B, V) scores z = h W_hy^T + b_y for hidden states h (B, H)."""
    z, _ = affine_forward(h[None], p["W_hy"], p["b_y"])  # (1, B, V)
    return z[0]


def charlm_step_fn(params, batch_size=1):
    """The character model as rnnlib.decoding sees it: (step, initial_state).

    step(tokens (B,), (h,)) -> (scores (B, V), (h,)) reads one character per row (embedding, + b_h,
    one tanh step from h (B, H)) and scores the next one; initial_state is (zeros (batch_size, H),),
    the state before any character. params: a charlm parameter dict (float64 copies are made once).
    """
    dims = check_params(params)
    batch_size = check_positive_int("batch_size", batch_size)
    p = {k: np.asarray(params[k], dtype=np.float64) for k in PARAM_NAMES}

    def step(tokens, state):
        hs, _, _ = charlm_hidden_states(p, np.asarray(tokens, dtype=np.int64)[:, None], state[0])  # (1, B, H)
        return _scores(p, hs[-1]), (hs[-1],)

    return step, (np.zeros((batch_size, dims["H"])),)


def _as_float64(params, vocab):
    dims = check_params(params)
    if dims["V"] != len(vocab):
        raise ValueError(f"vocab must have V = {dims['V']} symbols to match W_hy; got {len(vocab)}")
    return {k: np.asarray(params[k], dtype=np.float64) for k in PARAM_NAMES}, dims["H"]


def next_char_probs(params, vocab, seed_text, temperature=1.0):
    """The model's distribution over the character after seed_text (read from h = 0), at a temperature.

    Returns: (V,) float64 probabilities softmax(z / temperature) in vocabulary order.
    """
    temperature = check_temperature(temperature)
    p, H = _as_float64(params, vocab)
    h = _read(p, encode_seed(vocab, seed_text), np.zeros((1, H)))
    return softmax(_scores(p, h)[0] / temperature)


def sample(params, vocab, n, seed_text="\n", temperature=1.0, greedy=False, rng=0):
    """Generate n characters after seed_text, feeding each one back in.

    Inputs:
    - params: charlm parameter dict; vocab: the rnnlib.text.Vocabulary it was trained with.
    - n: number of characters to generate (>= 0).
    - seed_text: non-empty string read first (from h = 0); the output continues it (default a newline).
    - temperature: > 0, divides the scores before the softmax (ignored when greedy).
    - greedy: pick the most probable character each time (deterministic).
    - rng: np.random.Generator, an int seed (default 0: reproducible) or None (fresh), the only source
      of randomness. The same signature and defaults as rnnlib.charlstm.sample.
    Returns: the n generated characters as a string (without the seed).
    """
    n = check_index("n", n)
    temperature = check_temperature(temperature)
    p, _ = _as_float64(params, vocab)
    codes = encode_seed(vocab, seed_text)
    if n == 0:
        return ""
    step, (h0,) = charlm_step_fn(p)
    h = _read(p, codes[:-1], h0)  # the seed but its last character, which decoding feeds first
    if greedy:
        out = greedy_decode(step, (h,), int(codes[-1]), n)
    else:
        out = sample_decode(step, (h,), int(codes[-1]), n, temperature=temperature, rng=rng)
    return vocab.decode(out[0])


_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")  # letters, with inner apostrophes: "summer's"


def word_hit_rate(text, reference):
    """A crude measure of sample quality: the share of text's words that also occur in reference.

    A word is a run of letters (inner apostrophes allowed, e.g. "summer's"), compared without
    case. Random letters hit short words ("a", "o", "so") now and then, so even noise scores
    above 0. Inputs: text and reference, strings. Returns: float in [0, 1]; 0.0 if text has no words.
    """
    if not isinstance(text, str) or not isinstance(reference, str):
        raise ValueError(f"text and reference must be strings; got {type(text).__name__} and "
                         f"{type(reference).__name__}")
    known = {w.lower() for w in _WORD.findall(reference)}
    words = [w.lower() for w in _WORD.findall(text)]
    return sum(w in known for w in words) / len(words) if words else 0.0
