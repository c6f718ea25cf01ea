"""Why gates remember, measured: how far back a gradient reaches in the numpy RNN, LSTM and GRU.

Everything here is float64 numpy (rnnlib.rnn, rnnlib.lstm, rnnlib.gru), at initialisation, so the
numbers are deterministic and cheap. Two measurements:

- `input_gradient_by_distance`: for L = u · h_T (u a fixed random unit vector per example), the mean
  over the batch of ||dL/dx_t||, listed by distance d = T - 1 - t from the end. It is what a
  gradient step can learn about an input d steps back (the memory task's first symbol).
- `forget_path_gain`: the LSTM's cell path alone, dc_T/dc_t = diag(f_{t+1} ... f_T) (the slides'
  "only elementwise multiplication by f"), as the mean log10 of that product by distance.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_array, check_choice, check_positive_int, check_rng
from ..gru import gru_backward, gru_forward
from ..lstm import LSTMCache, lstm_backward, lstm_forward
from ..rnn import rnn_backward, rnn_forward

__all__ = ["KINDS", "torch_like_init", "input_gradient_by_distance", "forget_path_gain", "decay_per_step"]

KINDS = ("rnn", "lstm", "gru")
_GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def torch_like_init(kind, D, H, rng, forget_bias=0.0, remember_bias=0.0):
    """Parameters drawn as torch initialises nn.RNN / LSTM / GRU: every entry U(-1/sqrt(H), 1/sqrt(H)).

    torch has two biases; where rnnlib keeps one (RNN, LSTM) it is their sum, as torch computes it.
    Inputs: kind ("rnn", "lstm", "gru"), D, H, rng (np.random.Generator, an int seed or None), forget_bias (added to
    the LSTM's f block; only for kind="lstm"), remember_bias (as in rnnlib.gated.variants: LSTM f up
    and i down, GRU z up; not for kind="rnn").
    Returns: dict of float64 arrays named as the forward function's arguments.
    """
    check_choice("kind", kind, KINDS)
    D, H = check_positive_int("D", D), check_positive_int("H", H)
    rng = check_rng("rng", rng)
    if forget_bias and kind != "lstm":
        raise ValueError(f"forget_bias applies to kind='lstm' only; got kind={kind!r}, forget_bias={forget_bias!r}")
    if remember_bias and kind == "rnn":
        raise ValueError(f"remember_bias applies to gated cells; got kind='rnn', remember_bias={remember_bias!r}")
    k, s = _GATES[kind], H**-0.5
    W_xh, W_hh = rng.uniform(-s, s, (k * H, D)), rng.uniform(-s, s, (k * H, H))
    b_ih, b_hh = rng.uniform(-s, s, k * H), rng.uniform(-s, s, k * H)
    if kind == "gru":
        b_ih[H : 2 * H] += remember_bias  # torch's z keeps the old state
        return {"W_xh": W_xh, "W_hh": W_hh, "b_xh": b_ih, "b_hh": b_hh}
    b_h = b_ih + b_hh
    if kind == "lstm":
        b_h[H : 2 * H] += forget_bias + remember_bias
        b_h[:H] -= remember_bias
    return {"W_xh": W_xh, "W_hh": W_hh, "b_h": b_h}


def _run(kind, x, params):
    N, H = x.shape[0], params["W_hh"].shape[1]
    forward, backward = {"rnn": (rnn_forward, rnn_backward), "lstm": (lstm_forward, lstm_backward),
                         "gru": (gru_forward, gru_backward)}[kind]
    h, cache = forward(x, np.zeros((N, H)), **params)
    return h, cache, backward


def input_gradient_by_distance(kind, x, params, rng):
    """Mean over the batch of ||dL/dx_t||, L = u · h_T, listed by distance d = T - 1 - t.

    Inputs:
    - kind: "rnn", "lstm" or "gru"; params: its parameters (e.g. from torch_like_init).
    - x: (N, T, D) inputs (h0 = 0, c0 = 0).
    - rng: np.random.Generator (an int seed or None) for the unit vectors u (one per example).
    Returns: g: (T,) array, g[d] for the input d steps before the last.
    """
    check_choice("kind", kind, KINDS)
    x = check_array("x", x, ("N", "T", "D"))
    h, cache, backward = _run(kind, x, params)
    N, T, H = h.shape
    u = check_rng("rng", rng).normal(size=(N, H))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    dh = np.zeros((N, T, H))
    dh[:, -1] = u  # the loss reads only the last state
    dx = backward(dh, cache)[0]  # (N, T, D)
    return np.linalg.norm(dx, axis=2).mean(axis=0)[::-1].copy()


def forget_path_gain(cache):
    """Mean log10 of the cell path's gain dc_T/dc_t = prod_{s=t+1..T} f_s, by distance d = T - t.

    Inputs: cache: LSTMCache from rnnlib.lstm.lstm_forward.
    Returns: (T,) array; entry d is the mean over units and examples of log10 of the product of the
    last d forget gates (entry 0 is 0: no step, gain 1).
    """
    if not isinstance(cache, LSTMCache):
        raise ValueError(f"cache must be the LSTMCache returned by lstm_forward; got {type(cache).__name__}")
    log_f = np.log10(cache.gates["f"])  # (N, T, H)
    T = log_f.shape[1]
    gains = np.zeros(T)
    gains[1:] = np.cumsum(log_f[:, ::-1].mean(axis=(0, 2)))[: T - 1]
    return gains


def decay_per_step(g, start=5):
    """The slope of log10 g[d] against d for d >= start (least squares): decades lost per step.

    Inputs: g: (T,) positive values by distance (from input_gradient_by_distance).
    Returns: float (negative: the gradient shrinks with distance).
    """
    g = np.asarray(g, dtype=np.float64)
    if g.ndim != 1 or g.size < start + 2 or np.any(g[start:] <= 0):
        raise ValueError(f"g must be a 1-D array of positive values longer than start + 1 = {start + 1}; got shape {g.shape}")
    d = np.arange(start, g.size)
    return float(np.polyfit(d, np.log10(g[start:]), 1)[0])
