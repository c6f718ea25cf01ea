"""Checking gate-stacked arrays such as the LSTM's W_xh of shape (4H, D).

`check_array` binds each letter to one size; a gated cell stacks its gates along one axis, so that
axis has size k*H for a hidden size H bound elsewhere (or bound here, if it is not yet known).
Messages read like check_array's:

    W_hh must have shape (4H, H) = (12, 3); got (12, 4)
"""
from __future__ import annotations

import numpy as np

from ._validate import check_array

__all__ = ["check_stacked"]


def _letters(shape, gates):
    return [f"{gates}H" if s == "G" else str(s) for s in shape]


def _describe(shape, gates, dims):
    letters = _letters(shape, gates)
    comma = "," if len(shape) == 1 else ""
    text = f"({', '.join(letters)}{comma})"
    if "H" in dims and all(s == "G" or isinstance(s, int) or s in dims for s in shape):
        sizes = [gates * dims["H"] if s == "G" else (s if isinstance(s, int) else dims[s]) for s in shape]
        text += f" = ({', '.join(str(n) for n in sizes)}{comma})"
    return text


def check_stacked(name, a, shape, dims, gates):
    """Check an array whose axis marked "G" stacks `gates` blocks of size H; return it as an ndarray.

    Inputs:
    - name: the argument's name, used in the error message.
    - a: the value to check (a floating-point array).
    - shape: a tuple of ints and letters, with "G" for the stacked axis, e.g. ("G", "D").
    - dims: dict of letter -> size shared between the checks of one call (updated in place);
      "H" is bound from the stacked axis (size / gates) if it is not bound yet.
    - gates: the number of stacked blocks (4 for the LSTM, 3 for the GRU).
    Returns: `a` as an ndarray.
    """
    anonymous = tuple(f"_{k}" for k in range(len(shape)))
    try:
        arr = check_array(name, a, anonymous)  # only the dtype and the number of dimensions
    except ValueError as err:
        if "floating-point" in str(err):
            raise
        arr = np.asarray(a)
        raise ValueError(
            f"{name} must have shape {_describe(shape, gates, dims)} ({len(shape)}-D); "
            f"got shape {tuple(arr.shape)} ({arr.ndim}-D)"
        ) from None
    for expected, got in zip(shape, arr.shape):
        if isinstance(expected, str) and expected != "G" and expected not in dims:
            dims[expected] = got
    stacked = [got for s, got in zip(shape, arr.shape) if s == "G"]
    if "H" not in dims and stacked:
        if stacked[0] % gates or stacked[0] == 0:
            raise ValueError(
                f"{name} must have shape {_describe(shape, gates, dims)}, its gate axis a positive "
                f"multiple of {gates}; got {tuple(arr.shape)}"
            )
        dims["H"] = stacked[0] // gates
    wanted = tuple(gates * dims["H"] if s == "G" else (s if isinstance(s, int) else dims[s]) for s in shape)
    if tuple(arr.shape) != wanted:
        raise ValueError(f"{name} must have shape {_describe(shape, gates, dims)}; got {tuple(arr.shape)}")
    return arr
