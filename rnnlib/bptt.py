"""Backpropagation through time for a whole RNN language model, three ways.

The model is the one of the "dogs" example: an RNN, logits z_t = h_t @ W_hy.T + b_y at every step,
and a softmax cross-entropy loss L = sum_t L_t (or its mean). Its gradient can be computed

- by the backward recursion (rnn_lm_backward, built on rnnlib.rnn.rnn_backward),
- by a loop over rnn_step_backward calls (bptt_loop; the homework's version, and a way to plug in
  a step backward with a bug and see what it does),
- by the fully unrolled double sum over loss steps t and earlier steps k
  (unrolled_contributions), which also says how much each step k contributes.

All three give the same numbers; the notebook on BPTT shows it.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import check_array, check_cache, check_choice, check_number, check_param_dict, check_positive_int, check_rng
from .layers import AffineCache, affine_backward, affine_forward, softmax_cross_entropy
from .rnn import RNNCache, RNNStepCache, rnn_backward, rnn_forward, rnn_step_backward

__all__ = [
    "PARAM_NAMES",
    "RNNLMCache",
    "Contributions",
    "init_rnn_lm",
    "check_rnn_lm_params",
    "rnn_lm_forward",
    "rnn_lm_backward",
    "rnn_lm_loss_and_grads",
    "step_caches",
    "bptt_loop",
    "unrolled_contributions",
]

PARAM_NAMES = ("W_xh", "W_hh", "b_h", "W_hy", "b_y")


class RNNLMCache(NamedTuple):
    """What rnn_lm_backward needs."""

    rnn: RNNCache  # the recurrence's cache (x, h0, h, W_xh, W_hh)
    affine: AffineCache  # the output layer's cache (h, W_hy)
    dlogits: np.ndarray  # (N, T, V) dL/dlogits, returned by softmax_cross_entropy with the loss


class Contributions(NamedTuple):
    """The terms of the unrolled double sum, one per (loss step t, earlier step k <= t).

    Entry [t, k] is the part of dL_t/dW that reaches W through its use at step k; entries with
    k > t are zero. Summing over both axes gives the full gradient.
    """

    W_xh: np.ndarray  # (T, T, H, D)
    W_hh: np.ndarray  # (T, T, H, H)
    b_h: np.ndarray  # (T, T, H)
    h0: np.ndarray  # (T, N, H): dL_t/dh0


def init_rnn_lm(D, H, V, rng=None, scale=None, *, dist="uniform", dtype=np.float64):
    """Fresh parameters of the RNN language model: the one initializer of notebooks 02 and 03.

    - dist="uniform": every array, biases too, ~ U(-scale, scale); scale = 1/sqrt(H) by default
      (torch's nn.RNN rule).
    - dist="normal": weights ~ N(0, scale^2), scale = 0.01 by default (min-char-rnn's), biases zero
      (rnnlib.charlm.init_params).
    Inputs: sizes D, H, V; rng: np.random.Generator, a seed (int >= 0) or None; optional scale > 0;
    dtype of the arrays.
    Returns: dict with W_xh (H, D), W_hh (H, H), b_h (H,), W_hy (V, H), b_y (V,).
    """
    rng = check_rng("rng", rng)
    D, H, V = check_positive_int("D", D), check_positive_int("H", H), check_positive_int("V", V)
    dist = check_choice("dist", dist, ("uniform", "normal"))
    if scale is None:
        scale = 1.0 / np.sqrt(H) if dist == "uniform" else 0.01
    s = check_number("scale", scale, 0, low_open=True)
    shapes = {"W_xh": (H, D), "W_hh": (H, H), "b_h": (H,), "W_hy": (V, H), "b_y": (V,)}
    if dist == "uniform":
        return {name: rng.uniform(-s, s, size=shape).astype(dtype) for name, shape in shapes.items()}
    return {name: (s * rng.standard_normal(shape) if name.startswith("W") else np.zeros(shape)).astype(dtype)
            for name, shape in shapes.items()}


def check_rnn_lm_params(params):
    """Check that params holds exactly the language model's arrays (PARAM_NAMES, plus W_embed (V, D)
    for the variant that looks its inputs up in an embedding); return it.

    The shapes are checked against each other by the forward pass (rnn_forward and affine_forward).
    """
    optional = ("W_embed",) if isinstance(params, dict) and "W_embed" in params else ()
    return check_param_dict("params", params, PARAM_NAMES + optional)


def rnn_lm_forward(params, x, targets, h0=None, reduction="sum"):
    """Loss of the RNN language model: L = sum_t L_t with L_t = -log softmax(z_t)[target_t].

    Inputs:
    - params: dict with W_xh (H, D), W_hh (H, H), b_h (H,), W_hy (V, H), b_y (V,).
    - x: (N, T, D) inputs (one-hot rows or embeddings).
    - targets: (N, T) integer indices of the correct next tokens, in [0, V).
    - h0: (N, H) initial hidden state, or None for zeros.
    - reduction: "sum" (L = sum over steps and batch, the derivation's loss) or "mean" (per token,
      i.e. nats per character: what a training loop reports).
    Returns:
    - loss: float, exactly the loss that rnn_lm_backward differentiates (same reduction).
    - cache: RNNLMCache for rnn_lm_backward.
    """
    check_rnn_lm_params(params)
    h0 = _zeros_h0(params, x) if h0 is None else h0
    h, rnn_cache = rnn_forward(x, h0, params["W_xh"], params["W_hh"], params["b_h"])  # (N, T, H)
    logits, affine_cache = affine_forward(h, params["W_hy"], params["b_y"])  # (N, T, V)
    loss, dlogits = softmax_cross_entropy(logits, targets, reduction=reduction)
    return loss, RNNLMCache(rnn_cache, affine_cache, dlogits)


def _zeros_h0(params, x):
    x_arr = check_array("x", x, ("N", "T", "D"))
    return np.zeros((x_arr.shape[0], np.shape(params["W_hh"])[0]), dtype=x_arr.dtype)  # (N, H)


def step_caches(cache):
    """The RNNStepCache of every step of an RNNCache, in time order (what a step-by-step backward needs).

    Inputs: cache: RNNCache from rnn_forward. Returns: list of T RNNStepCache.
    """
    check_cache("cache", cache, RNNCache, "rnn_forward")
    T = cache.h.shape[1]
    prev = [cache.h0] + [cache.h[:, t] for t in range(T - 1)]
    return [RNNStepCache(cache.x[:, t], prev[t], cache.h[:, t], cache.W_xh, cache.W_hh) for t in range(T)]


def bptt_loop(dh, cache, step_backward=rnn_step_backward):
    """Backpropagation through time as a loop over one-step backward passes, from t = T down to 1.

    At step t the hidden state receives dh[:, t] (from the output at t) plus the gradient carried
    back from step t + 1; the step's backward turns that into gradients for x_t, h_{t-1} (the new
    carry) and this step's share of the shared weights, which are added up.

    Inputs:
    - dh: (N, T, H) gradients dL/dh_t from the layers above (never modified).
    - cache: RNNCache from rnn_forward.
    - step_backward: function (dh_next, RNNStepCache) -> (dx, dh_prev, dW_xh, dW_hh, db_h).
    Returns: dx (N, T, D), dh0 (N, H), dW_xh (H, D), dW_hh (H, H), db_h (H,), like rnn_backward.
    """
    caches = step_caches(cache)
    if not callable(step_backward):
        raise ValueError(f"step_backward must be a function (dh_next, cache) -> 5 gradients; got {type(step_backward).__name__}")
    N, T, H = cache.h.shape
    dh = check_array("dh", dh, ("N", "T", "H"), {"N": N, "T": T, "H": H})
    dx = np.zeros(cache.x.shape, dtype=np.result_type(dh, cache.x))  # (N, T, D)
    dW_xh = np.zeros(cache.W_xh.shape, dtype=dx.dtype)  # (H, D)
    dW_hh = np.zeros(cache.W_hh.shape, dtype=dx.dtype)  # (H, H)
    db_h = np.zeros(H, dtype=dx.dtype)  # (H,)
    carry = np.zeros((N, H), dtype=dx.dtype)  # dL/dh_t arriving from step t + 1
    for t in reversed(range(T)):
        dx[:, t], carry, dW_xh_t, dW_hh_t, db_h_t = step_backward(dh[:, t] + carry, caches[t])
        dW_xh = dW_xh + dW_xh_t
        dW_hh = dW_hh + dW_hh_t
        db_h = db_h + db_h_t
    return dx, carry, dW_xh, dW_hh, db_h


def rnn_lm_backward(dloss, cache, step_backward=None):
    """Gradients of rnn_lm_forward's loss with respect to every parameter, h0 and x.

    Inputs:
    - dloss: float, the upstream gradient dOut/dL (1.0 for the loss itself).
    - cache: RNNLMCache from rnn_lm_forward.
    - step_backward: None to use rnnlib.rnn.rnn_backward, or a one-step backward function to run
      through bptt_loop instead (e.g. a student's, or one with a deliberate bug).
    Returns: dict name -> gradient with W_xh (H, D), W_hh (H, H), b_h (H,), W_hy (V, H), b_y (V,),
    h0 (N, H) and x (N, T, D).
    """
    check_cache("cache", cache, RNNLMCache, "rnn_lm_forward")
    dloss = check_number("dloss", dloss)
    if step_backward is not None and not callable(step_backward):
        raise ValueError(f"step_backward must be None or a function (dh_next, cache) -> 5 gradients; "
                         f"got {type(step_backward).__name__}")
    dh, dW_hy, db_y = affine_backward(cache.dlogits * dloss, cache.affine)  # dh: (N, T, H)
    if step_backward is None:
        dx, dh0, dW_xh, dW_hh, db_h = rnn_backward(dh, cache.rnn)
    else:
        dx, dh0, dW_xh, dW_hh, db_h = bptt_loop(dh, cache.rnn, step_backward)
    return {"W_xh": dW_xh, "W_hh": dW_hh, "b_h": db_h, "W_hy": dW_hy, "b_y": db_y, "h0": dh0, "x": dx}


def rnn_lm_loss_and_grads(params, x, targets, h0=None, reduction="sum"):
    """Forward and backward in one call: (loss, grads) for rnn_lm_forward's loss.

    Inputs: params dict, x (N, T, D), targets (N, T), h0 (N, H) or None for zeros, reduction.
    Returns: loss (float) and the dict of rnn_lm_backward.
    """
    loss, cache = rnn_lm_forward(params, x, targets, h0, reduction)
    return loss, rnn_lm_backward(1.0, cache)


def unrolled_contributions(dh, cache):
    """Every term of the fully unrolled BPTT double sum, with explicit Jacobian products.

    dL/dW = sum_t sum_{k<=t} dL_t/dh_t (prod_{j=k+1..t} dh_j/dh_{j-1}) d+h_k/dW, where
    dh_j/dh_{j-1} = diag(1 - h_j^2) W_hh (an (H, H) matrix per example) and d+h_k/dW is the
    "immediate" derivative of step k, treating h_{k-1} as a constant. Cost O(T^2 H^3): for teaching
    and checking, not for training.

    Inputs:
    - dh: (N, T, H) dL_t/dh_t, the gradient each loss term sends into its own hidden state.
    - cache: RNNCache from rnn_forward.
    Returns: Contributions (see its fields); summing W_hh over the first two axes gives rnn_backward's dW_hh.
    """
    check_cache("cache", cache, RNNCache, "rnn_forward")
    N, T, H = cache.h.shape
    dh = check_array("dh", dh, ("N", "T", "H"), {"N": N, "T": T, "H": H})
    D = cache.x.shape[2]
    h_prev = np.concatenate([cache.h0[:, None], cache.h[:, :-1]], axis=1)  # (N, T, H)
    tanh_grad = 1.0 - cache.h**2  # (N, T, H)
    jac = tanh_grad[..., None] * cache.W_hh  # (N, T, H, H): jac[n, j] = dh_j / dh_{j-1}
    C_xh, C_hh, C_b = np.zeros((T, T, H, D)), np.zeros((T, T, H, H)), np.zeros((T, T, H))
    C_h0 = np.zeros((T, N, H))
    for t in range(T):
        prod = np.broadcast_to(np.eye(H), (N, H, H))  # (N, H, H): dh_t/dh_k, starting at k = t
        for k in range(t, -1, -1):
            g = np.einsum("ni,nij->nj", dh[:, t], prod)  # (N, H): dL_t/dh_k
            da = g * tanh_grad[:, k]  # (N, H): dL_t/da_k
            C_xh[t, k] = da.T @ cache.x[:, k]  # (H, D)
            C_hh[t, k] = da.T @ h_prev[:, k]  # (H, H)
            C_b[t, k] = da.sum(axis=0)  # (H,)
            prod = prod @ jac[:, k]  # now dh_t/dh_{k-1}
        C_h0[t] = np.einsum("ni,nij->nj", dh[:, t], prod)  # (N, H): dL_t/dh_0
    return Contributions(C_xh, C_hh, C_b, C_h0)
