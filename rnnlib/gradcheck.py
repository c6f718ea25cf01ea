"""Numerical gradients by centered differences, and a relative error that never divides 0 by 0."""
from __future__ import annotations

import numpy as np

__all__ = ["rel_error", "numerical_gradient", "numerical_gradient_array", "gradcheck"]


def rel_error(a, b, floor=1e-12):
    """Relative error ||a - b|| / max(||a|| + ||b||, floor) (Frobenius norms).

    The floor makes two all-zero arrays give 0.0 instead of 0/0 = NaN. Norms rather than
    element-wise ratios, so one tiny entry cannot dominate. Returns a float.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"b must have the same shape as a = {a.shape}; got {b.shape}")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), floor))


def numerical_gradient(f, x, h=1e-5):
    """Centered-difference gradient of a scalar function: df/dx[i] ~ (f(x + h e_i) - f(x - h e_i)) / 2h.

    Inputs:
    - f: callable taking an array shaped like x and returning a scalar.
    - x: float array (float64 recommended). Never modified: f only ever sees copies.
    - h: step size.
    Returns: array shaped like x.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"x must be a floating-point array; got dtype {x.dtype}")
    if not h > 0:
        raise ValueError(f"h must be a positive step size; got {h!r}")
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        plus = x.copy()
        plus[i] += h
        minus = x.copy()
        minus[i] -= h
        grad[i] = (float(f(plus)) - float(f(minus))) / (2 * h)
    return grad


def numerical_gradient_array(f, x, dout, h=1e-5):
    """Gradient of sum(f(x) * dout) with respect to x, for an array-valued f (a layer's backward check)."""
    dout = np.asarray(dout)
    return numerical_gradient(lambda v: np.sum(np.asarray(f(v)) * dout), x, h)


def gradcheck(f, inputs, analytic, h=1e-5):
    """Compare analytic gradients with centered differences, one named input at a time.

    Inputs:
    - f: callable f(**inputs) -> scalar loss.
    - inputs: dict name -> float array (never modified; each evaluation gets fresh copies).
    - analytic: dict name -> gradient array, for the names to check (a subset of inputs).
    - h: step size.
    Returns: dict name -> rel_error(analytic, numerical).
    """
    missing = sorted(set(analytic) - set(inputs))
    if missing:
        raise ValueError(f"analytic names gradients for {missing}, which are not in inputs ({sorted(inputs)})")
    errors = {}
    for name, grad in analytic.items():

        def f_of(value, name=name):
            args = {k: np.array(v, copy=True) for k, v in inputs.items()}
            args[name] = value
            return f(**args)

        errors[name] = rel_error(grad, numerical_gradient(f_of, inputs[name], h))
    return errors
