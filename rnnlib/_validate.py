"""One shared helper for checking the arrays that public functions receive.

Every public entry point of rnnlib calls :func:`check_array`, so that a wrong
shape or dtype always produces the same kind of message:

    W_hh must have shape (H, H) = (3, 3); got (3, 4)
"""
from __future__ import annotations

import numpy as np

__all__ = ["check_array", "check_positive_int"]


def _describe(shape, dims):
    letters = ", ".join(str(s) for s in shape)
    if all(isinstance(s, int) or s in dims for s in shape):
        numbers = ", ".join(str(s if isinstance(s, int) else dims[s]) for s in shape)
        if numbers != letters:
            return f"({letters}{',' if len(shape) == 1 else ''}) = ({numbers}{',' if len(shape) == 1 else ''})"
    return f"({letters}{',' if len(shape) == 1 else ''})"


def check_array(name, a, shape, dims=None, kind="float"):
    """Check that `a` is an array of the expected shape and dtype kind; return it as an ndarray.

    Inputs:
    - name: the argument's name, used in the error message.
    - a: the value to check.
    - shape: a tuple of ints and letters, e.g. ("N", "T", "D"). A letter seen for the first
      time is bound to the size found; a letter seen before must match its bound size.
    - dims: dict of letter -> size shared between the checks of one call (updated in place).
    - kind: "float" (float16/32/64) or "int" (any integer dtype).
    Returns: `a` as an ndarray (never copied unless it was not an array).
    """
    dims = {} if dims is None else dims
    arr = np.asarray(a)
    if kind == "float" and not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(
            f"{name} must be a floating-point array (use float64 for gradient checks); "
            f"got dtype {arr.dtype}"
        )
    if kind == "int" and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must be an integer array of indices; got dtype {arr.dtype}")
    if arr.ndim != len(shape):
        raise ValueError(
            f"{name} must have shape {_describe(shape, dims)} ({len(shape)}-D); "
            f"got shape {tuple(arr.shape)} ({arr.ndim}-D)"
        )
    for expected, got in zip(shape, arr.shape):
        if isinstance(expected, str) and expected not in dims:
            dims[expected] = got
    wanted = tuple(s if isinstance(s, int) else dims[s] for s in shape)
    if tuple(arr.shape) != wanted:
        raise ValueError(f"{name} must have shape {_describe(shape, dims)}; got {tuple(arr.shape)}")
    return arr


def check_positive_int(name, value):
    """Check that `value` is a positive integer (bools rejected); return it as int."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)
