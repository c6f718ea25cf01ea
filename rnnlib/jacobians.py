"""Jacobians along a real forward pass: how far a gradient travels back through W_hh.

Row convention h_t = f(x_t @ W_xh.T + h_{t-1} @ W_hh.T + b_h), f = tanh or the identity. The
one-step Jacobian, entry [i, j] = dh_t[i] / dh_{t-1}[j], is an (H, H) matrix

    J_t = diag(f'(a_t)) W_hh        (tanh: f'(a_t) = 1 - h_t**2; linear: J_t = W_hh)

and the gradient from step T back to step T - k goes through the product
J_T J_{T-1} ... J_{T-k+1}, whose spectral norm is at most (gamma * sigma_max(W_hh))**k with
gamma = max |f'| = 1 (Pascanu et al., 2013).
"""
from __future__ import annotations

import numpy as np

from ._validate import check_array, check_choice, check_positive_int, check_rng
from .rnn import rnn_forward

__all__ = [
    "NONLINEARITIES",
    "rounded",
    "STRUCTURES",
    "random_orthogonal",
    "matrix_with_singular_values",
    "non_normal_matrix",
    "recurrent_forward",
    "step_jacobians",
    "jacobian_norms",
    "fit_log_slope",
    "gradient_norm_curve",
    "draw_gradient_decay",
]

NONLINEARITIES = ("tanh", "linear")
STRUCTURES = ("normal", "non-normal")


def random_orthogonal(H, rng):
    """A random orthogonal (H, H) matrix, uniformly distributed (QR of a Gaussian, signs fixed).

    Inputs: H (int), rng (np.random.Generator, an int seed or None). Returns: (H, H) Q with Q.T @ Q = I.
    """
    H = check_positive_int("H", H)
    rng = check_rng("rng", rng)
    q, r = np.linalg.qr(rng.standard_normal((H, H)))  # (H, H), (H, H)
    return q * np.sign(np.diag(r))  # sign fix makes the distribution uniform (Haar)


def matrix_with_singular_values(s, rng):
    """W = U diag(s) V.T with independent random orthogonal U and V: singular values exactly s.

    Inputs: s (H,) non-negative singular values; rng (np.random.Generator, an int seed or None).
    Returns: W (H, H).
    """
    s = check_array("s", s, ("H",))
    if np.any(s < 0):
        raise ValueError(f"s must hold non-negative singular values; got min {s.min():.4g}")
    H, rng = s.shape[0], check_rng("rng", rng)  # one generator for both draws, also from an int seed
    U, V = random_orthogonal(H, rng), random_orthogonal(H, rng)
    return (U * s) @ V.T  # (H, H): U diag(s) V.T


def non_normal_matrix(H, sigma_max, rho, rng):
    """A non-normal W_hh whose eigenvalues all equal rho but whose largest singular value is sigma_max.

    Built from H/2 copies of the 2x2 Jordan-like block [[rho, alpha], [0, rho]], turned by a random
    orthogonal Q: W = Q B Q.T. A block has det = rho**2 = s1 * s2 and s1 - s2 = alpha, so
    alpha = sigma_max - rho**2 / sigma_max gives s1 = sigma_max exactly.

    Inputs: H (even int), sigma_max (> 0), rho (with |rho| <= sigma_max), rng (np.random.Generator,
    an int seed or None).
    Returns: W (H, H).
    """
    H = check_positive_int("H", H)
    if H % 2:
        raise ValueError(f"H must be even (the matrix is built from 2x2 blocks); got {H}")
    if not sigma_max > 0:
        raise ValueError(f"sigma_max must be positive; got {sigma_max!r}")
    if abs(rho) > sigma_max:
        raise ValueError(f"rho must satisfy |rho| <= sigma_max = {sigma_max}; got {rho!r}")
    alpha = sigma_max - rho**2 / sigma_max
    B = np.kron(np.eye(H // 2), np.array([[rho, alpha], [0.0, rho]]))  # (H, H) block diagonal
    Q = random_orthogonal(H, rng)
    return Q @ B @ Q.T  # (H, H): similar to B, so the same eigenvalues; orthogonal, so the same singular values


def recurrent_forward(x, h0, W_xh, W_hh, b_h, nonlinearity="tanh"):
    """Hidden states of the tanh RNN or of the linear recurrence h_t = x_t @ W_xh.T + h_{t-1} @ W_hh.T + b_h.

    "tanh" is rnnlib.rnn.rnn_forward (returned unchanged); only the linear recurrence is new here.
    Inputs: x (N, T, D), h0 (N, H), W_xh (H, D), W_hh (H, H), b_h (H,), nonlinearity "tanh" | "linear".
    Returns: h (N, T, H), the states h_1 .. h_T.
    """
    check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
    if nonlinearity == "tanh":
        return rnn_forward(x, h0, W_xh, W_hh, b_h)[0]
    dims = {}
    x = check_array("x", x, ("N", "T", "D"), dims)
    h0 = check_array("h0", h0, ("N", "H"), dims)
    W_xh = check_array("W_xh", W_xh, ("H", "D"), dims)
    W_hh = check_array("W_hh", W_hh, ("H", "H"), dims)
    b_h = check_array("b_h", b_h, ("H",), dims)
    xw = x @ W_xh.T + b_h  # (N, T, H)
    h = np.empty_like(xw)  # (N, T, H)
    h_prev = h0
    for t in range(x.shape[1]):
        h_prev = xw[:, t] + h_prev @ W_hh.T  # (N, H)
        h[:, t] = h_prev
    return h


def step_jacobians(h, W_hh, nonlinearity="tanh"):
    """One-step Jacobians J_t = dh_t/dh_{t-1} = diag(f'(a_t)) W_hh for every example and step.

    Inputs: h (N, T, H) states from the forward pass; W_hh (H, H); nonlinearity "tanh" | "linear".
    Returns: J (N, T, H, H) with J[n, t, i, j] = dh_t[i] / dh_{t-1}[j] (row i: output unit).
    """
    dims = {}
    h = check_array("h", h, ("N", "T", "H"), dims)
    W_hh = check_array("W_hh", W_hh, ("H", "H"), dims)
    check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
    if nonlinearity == "linear":
        return np.broadcast_to(W_hh, h.shape + (h.shape[2],)).copy()  # (N, T, H, H)
    return (1.0 - h**2)[..., :, None] * W_hh  # (N, T, H, H): scales row i by 1 - h_t[i]**2


def jacobian_norms(h, W_hh, nonlinearity="tanh"):
    """Spectral norms ||dh_T / dh_{T-k}||_2 for k = 0 .. T, from true matrix products along the pass.

    dh_T/dh_{T-k} = J_T J_{T-1} ... J_{T-k+1} (k = 0: the identity, norm 1; k = T: dh_T/dh_0).
    Inputs: h (N, T, H) states; W_hh (H, H); nonlinearity "tanh" | "linear".
    Returns: norms (N, T + 1), column k for distance k.
    """
    J = step_jacobians(h, W_hh, nonlinearity)  # (N, T, H, H)
    N, T, H = h.shape
    norms = np.ones((N, T + 1))  # (N, T + 1)
    P = np.broadcast_to(np.eye(H), (N, H, H)).copy()  # (N, H, H): dh_T/dh_T
    for k in range(1, T + 1):
        P = P @ J[:, T - k]  # (N, H, H): append J_{T-k+1} (stored at index T-k) on the right
        norms[:, k] = np.linalg.svd(P, compute_uv=False)[:, 0]
    return norms


def fit_log_slope(norms, start=0):
    """Least-squares slope of log(norm) against distance k (per step, natural log).

    A pure power sigma**k has slope log(sigma). Inputs: norms (K,) or (N, K) (rows are averaged in
    log space); start: first distance to include. Returns: float.
    """
    norms = np.asarray(norms, dtype=np.float64)
    if isinstance(start, bool) or not isinstance(start, (int, np.integer)) or start < 0:
        raise ValueError(f"start must be a non-negative integer distance; got {start!r}")
    if norms.ndim not in (1, 2) or norms.shape[-1] - start < 2:
        raise ValueError(f"norms must be (K,) or (N, K) with K - start >= 2; got shape {norms.shape}, start={start}")
    if np.any(norms <= 0) or not np.all(np.isfinite(norms)):
        raise ValueError("norms must be positive and finite to take their log")
    logs = np.log(norms).reshape(-1, norms.shape[-1]).mean(axis=0)[start:]  # (K - start,)
    k = np.arange(start, start + logs.size)
    return float(np.polyfit(k, logs, 1)[0])


def gradient_norm_curve(sigma_max, nonlinearity="tanh", structure="normal", H=32, T=40, N=4,
                        rho_ratio=0.5, input_scale=0.5, seed=0):
    """||dh_T / dh_{T-k}||_2 for k = 0..T along a real forward pass, for a W_hh with a chosen sigma_max.

    structure "normal": W_hh = U diag(sigma_max, ..., sigma_max) V.T, a scaled orthogonal matrix
    (normal; eigenvalues of modulus sigma_max). "non-normal": non_normal_matrix with eigenvalues
    rho = rho_ratio * sigma_max. Inputs are Gaussian with std input_scale (D = 4), W_xh Gaussian / sqrt(D),
    h0 = 0, b_h = 0; everything drawn from np.random.default_rng(seed).
    Returns: norms (N, T + 1).
    """
    check_choice("structure", structure, STRUCTURES)
    if isinstance(sigma_max, bool) or not isinstance(sigma_max, (int, float, np.floating)) or not 0 < sigma_max < np.inf:
        raise ValueError(f"sigma_max must be a positive finite number; got {sigma_max!r}")
    rng = np.random.default_rng(seed)
    if structure == "normal":
        W_hh = matrix_with_singular_values(np.full(H, float(sigma_max)), rng)  # (H, H)
    else:
        W_hh = non_normal_matrix(H, float(sigma_max), rho_ratio * float(sigma_max), rng)  # (H, H)
    D = 4
    W_xh = rng.standard_normal((H, D)) / np.sqrt(D)  # (H, D)
    x = input_scale * rng.standard_normal((N, T, D))  # (N, T, D)
    h = recurrent_forward(x, np.zeros((N, H)), W_xh, W_hh, np.zeros(H), nonlinearity)  # (N, T, H)
    return jacobian_norms(h, W_hh, nonlinearity)


def rounded(value, digits=3):
    """value with this many decimals and no negative zero: -0.0001 prints as 0.000, not -0.000."""
    return f"{round(float(value), digits) + 0.0:.{digits}f}"


def draw_gradient_decay(ax, sigma_max, nonlinearity="tanh", structure="normal", **kwargs):
    """Plot the gradient-norm-versus-distance curve of gradient_norm_curve on a log scale, with the bound.

    Draws each example's curve, the bound sigma_max**k and a title with the fitted slope.
    Inputs: ax (matplotlib Axes), sigma_max, nonlinearity, structure, kwargs for gradient_norm_curve.
    Returns: norms (N, T + 1), as computed.
    """
    norms = gradient_norm_curve(sigma_max, nonlinearity, structure, **kwargs)
    k = np.arange(norms.shape[1])
    ax.semilogy(k, norms.T, color="C0", alpha=0.6)
    ax.semilogy(k, float(sigma_max) ** k, "k--", label=r"bound $\sigma_{max}^k$")
    slope = fit_log_slope(np.maximum(norms, 1e-300))
    ax.set_title(f"{structure}, {nonlinearity}, σ_max={sigma_max:.2f}: "
                 f"slope {rounded(slope)} vs log σ_max {rounded(np.log(sigma_max))}")
    ax.set_xlabel("distance T − t")
    ax.set_ylabel(r"$\|\partial h_T / \partial h_t\|_2$")
    ax.legend(loc="best")  # the corner the curves leave free (lower left is covered when they grow)
    return norms
