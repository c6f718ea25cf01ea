"""A captioning decoder in numpy: fixed image features start an LSTM that writes the caption.

    h_0 = features @ W_proj.T + b_proj          (N, H)   the image becomes the first hidden state (c_0 = 0)
    x_t = W_embed[captions[:, t]]               (N, D)   the previous word, embedded
    h_t, c_t = LSTM(x_t, h_{t-1}, c_{t-1})      (N, H)   rnnlib.lstm, gates i, f, g, o
    z_t = h_t @ W_hy.T + b_y                    (N, V)   scores for the next word

Captions arrive padded to one length, "<start> w_1 ... w_n <end> <pad> ...". With teacher forcing,
the input at step t is captions[:, t] and the target is captions[:, t + 1], for t = 0 .. T-1 where
captions has T + 1 columns. Targets equal to pad_token are masked out, so <end> is predicted but
padding is not. The loss is the mean cross-entropy per real (unmasked) target token, in nats:

    L = sum_{n,t} mask[n,t] * (-log softmax(z_t[n])[target[n,t]]) / sum_{n,t} mask[n,t]

This is the loss that caption_backward differentiates. At test time there is no caption to feed:
caption_step_fn(params, features) gives rnnlib.decoding what it needs to generate one, a step function
and the initial state (h_0, c_0).
"""
from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from .._validate import (check_array, check_cache, check_index, check_indices, check_number, check_param_dict,
                        check_positive_int, check_rng, check_stacked_array)
from ..layers import (AffineCache, EmbeddingCache, affine_backward, affine_forward, embedding_backward,
                     embedding_forward, softmax_cross_entropy)
from ..lstm import LSTMCache, lstm_backward, lstm_forward, lstm_step_forward
from ..optim import Adam
from ..progress import progress as progress_bar

__all__ = ["PARAM_NAMES", "CaptionCache", "CaptionDecoderRecord", "CaptionDecoderTrainResult", "init_caption_params",
           "check_caption_params", "caption_forward", "caption_backward", "caption_step_fn", "overfit_captions"]

PARAM_NAMES = ("W_proj", "b_proj", "W_embed", "W_xh", "W_hh", "b_h", "W_hy", "b_y")


class CaptionCache(NamedTuple):
    features: np.ndarray  # (N, F) image features
    embed: EmbeddingCache  # of the input words captions[:, :-1]
    lstm: LSTMCache
    affine: AffineCache
    dlogits: np.ndarray  # (N, T, V) dL/dlogits, from the masked cross-entropy


class CaptionDecoderRecord(NamedTuple):
    """What overfit_captions hands its callback after every update."""
    step: int  # updates made so far (1 after the first)
    train_nats: float  # the loss that update descended, nats per real token


class CaptionDecoderTrainResult(NamedTuple):
    """What overfit_captions returns; the lists have one entry per update."""
    params: dict  # the trained parameters
    steps: list  # 1, 2, ..., steps
    train_nats: list  # the loss per real token before each update (the one it descended)
    seconds: float  # wall time of the loop


def init_caption_params(vocab_size, feature_size, embed_size, hidden_size, rng=None, dtype=np.float64):
    """Random parameters for the captioning decoder (weights ~ N(0, 1/fan_in), zero biases except the
    forget gate's, which starts at 1 so the cell state is kept by default).

    Inputs: vocab_size V, feature_size F, embed_size D, hidden_size H (positive ints); rng: a
    np.random.Generator, a seed or None; dtype: float64 (gradient checks) or float32.
    Returns: dict with W_proj (H, F), b_proj (H,), W_embed (V, D), W_xh (4H, D), W_hh (4H, H),
    b_h (4H,), W_hy (V, H), b_y (V,).
    """
    V, F = check_positive_int("vocab_size", vocab_size), check_positive_int("feature_size", feature_size)
    D, H = check_positive_int("embed_size", embed_size), check_positive_int("hidden_size", hidden_size)
    rng = check_rng("rng", rng)

    def normal(rows, fan_in):
        return (rng.standard_normal((rows, fan_in)) / np.sqrt(fan_in)).astype(dtype)

    b_h = np.zeros(4 * H, dtype)
    b_h[H:2 * H] = 1.0  # forget gate
    return {"W_proj": normal(H, F), "b_proj": np.zeros(H, dtype), "W_embed": normal(V, D),
            "W_xh": normal(4 * H, D), "W_hh": normal(4 * H, H), "b_h": b_h,
            "W_hy": normal(V, H), "b_y": np.zeros(V, dtype)}


def check_caption_params(params, dims=None):
    """Check the parameter dict (names, shapes, 4H gate stacking); return the dims {"H", "F", "V", "D"}."""
    dims = {} if dims is None else dims
    check_param_dict("params", params, PARAM_NAMES)
    check_array("params['W_proj']", params["W_proj"], ("H", "F"), dims)
    check_array("params['b_proj']", params["b_proj"], ("H",), dims)
    check_array("params['W_embed']", params["W_embed"], ("V", "D"), dims)
    check_stacked_array("params['W_xh']", params["W_xh"], 4, ("H", "D"), dims)
    check_stacked_array("params['W_hh']", params["W_hh"], 4, ("H", "H"), dims)
    check_stacked_array("params['b_h']", params["b_h"], 4, ("H",), dims)
    check_array("params['W_hy']", params["W_hy"], ("V", "H"), dims)
    check_array("params['b_y']", params["b_y"], ("V",), dims)
    return dims


def _project(params, features, dims):
    features = check_array("features", features, ("N", "F"), dims)
    return features @ params["W_proj"].T + params["b_proj"]  # (N, H)


def _check_captions(captions, pad_token, dims, n):
    captions = check_indices("captions", captions, dims["V"], (n, "T1"))
    if captions.shape[1] < 2:
        raise ValueError(f"captions must have at least 2 columns (an input and its target); got {captions.shape}")
    return captions, check_index("pad_token", pad_token, dims["V"])


def caption_forward(params, features, captions, pad_token=0):
    """Teacher-forced loss on padded captions, in nats per real (not padded) target.

    Inputs: params (init_caption_params); features (N, F); captions (N, T + 1)
    int tokens, "<start> words <end> <pad>..."; pad_token: its targets do not count.
    Returns: (loss, cache for caption_backward).
    """
    dims = check_caption_params(params)
    h0 = _project(params, features, dims)  # (N, H) = features @ W_proj.T + b_proj
    captions, pad_token = _check_captions(captions, pad_token, dims, len(h0))
    inputs, targets = captions[:, :-1], captions[:, 1:]  # (N, T): t predicts t + 1
    x, embed_cache = embedding_forward(inputs, params["W_embed"])  # (N, T, D)
    h, lstm_cache = lstm_forward(x, h0, params["W_xh"], params["W_hh"],
                                 params["b_h"])  # (N, T, H); c0 = 0
    logits, affine_cache = affine_forward(h, params["W_hy"],
                                          params["b_y"])  # (N, T, V)
    mask = targets != pad_token  # (N, T)
    loss, dlogits = softmax_cross_entropy(logits, targets, mask, reduction="mean")
    cache = CaptionCache(np.asarray(features), embed_cache, lstm_cache,
                         affine_cache, dlogits)
    return loss, cache


def caption_backward(cache):
    """Gradients of caption_forward's loss with respect to every parameter.

    Inputs: cache: CaptionCache.
    Returns: dict name -> gradient, shaped like params (PARAM_NAMES).
    """
    check_cache("cache", cache, CaptionCache, "caption_forward")
    dh, dW_hy, db_y = affine_backward(cache.dlogits, cache.affine)  # dh: (N, T, H)
    dx, dh0, dW_xh, dW_hh, db_h = lstm_backward(dh, cache.lstm)  # (N, T, D), (N, H)
    dW_embed = embedding_backward(dx, cache.embed)  # (V, D)
    dW_proj = dh0.T @ cache.features  # (H, F)
    db_proj = dh0.sum(axis=0)  # (H,)
    return {"W_proj": dW_proj, "b_proj": db_proj, "W_embed": dW_embed,
            "W_xh": dW_xh, "W_hh": dW_hh, "b_h": db_h, "W_hy": dW_hy, "b_y": db_y}


def caption_step_fn(params, features):
    """The decoder as a step function for rnnlib.decoding, started from image features.

    Inputs: params; features (B, F).
    Returns: (step, initial_state): step(tokens (B,), (h, c)) -> (logits (B, V), (h, c)), and the state
    before the first word, (h0 (B, H), c0 (B, H)) with h0 = features @ W_proj.T + b_proj and c0 = 0. E.g.
    greedy_decode(*caption_step_fn(params, features), start, max_len, end).
    """
    dims = check_caption_params(params)
    h0 = _project(params, features, dims)  # (B, H)
    W_embed, W_xh, W_hh, b_h = params["W_embed"], params["W_xh"], params["W_hh"], params["b_h"]
    W_hy, b_y = params["W_hy"], params["b_y"]

    def step(tokens, state):
        tokens = check_indices("tokens", tokens, dims["V"], ("B",))
        h, c = state
        h, c, _ = lstm_step_forward(W_embed[tokens], h, c, W_xh, W_hh, b_h)  # (B, H) each
        return h @ W_hy.T + b_y, (h, c)  # (B, V)

    return step, (h0, np.zeros_like(h0))


def overfit_captions(features, captions, vocab_size, *, steps=300, lr=0.01, embed_size=16, hidden_size=32,
                     pad_token=0, rng=0, progress=True, callback=None):
    """Train a fresh decoder on a handful of captions (full batch, Adam) until it knows them by heart.

    A sanity check rather than learning: a model that cannot drive the loss of five captions towards
    zero has a bug. Inputs: features (N, F), captions (N, T + 1), vocab_size V; keyword-only: steps, lr,
    the sizes D (embed_size) and H (hidden_size), pad_token, rng (a np.random.Generator, a seed or None, for
    the initial weights), progress (a bar), callback(CaptionDecoderRecord) after every update.
    Returns: CaptionDecoderTrainResult(params, steps, train_nats, seconds).
    Raises FloatingPointError naming the step, the loss and lr if the loss is not finite.
    """
    start = time.perf_counter()
    features = check_array("features", features, ("N", "F"))
    steps = check_positive_int("steps", steps)
    lr = check_number("lr", lr, 0, low_open=True)
    params = init_caption_params(vocab_size, features.shape[1], embed_size, hidden_size, rng, features.dtype)
    opt = Adam(params, lr=lr)
    result = CaptionDecoderTrainResult(params, [], [], 0.0)
    for step in progress_bar(range(1, steps + 1), desc="overfit", enabled=progress):
        loss, cache = caption_forward(params, features, captions, pad_token)
        if not np.isfinite(loss):
            raise FloatingPointError(f"training diverged at step {step}: loss {loss}; lower lr (got {lr})")
        opt.step(caption_backward(cache))
        result.steps.append(step)
        result.train_nats.append(float(loss))
        if callback is not None:
            callback(CaptionDecoderRecord(step, float(loss)))
    return result._replace(seconds=time.perf_counter() - start)
