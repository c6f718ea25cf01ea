"""One shared helper for checking the arrays that public functions receive.

Every public entry point of rnnlib calls :func:`check_array`, so that a wrong
shape or dtype always produces the same kind of message:

    W_hh must have shape (H, H) = (3, 3); got (3, 4)
"""
from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "check_array",
    "check_cache",
    "check_cell_args",
    "check_choice",
    "check_index",
    "check_indices",
    "check_number",
    "check_param_dict",
    "check_positive_int",
    "check_rng",
    "check_seed",
    "check_stacked_array",
    "check_temperature",
]


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


def _interval(low, high, low_open, high_open):
    left = "(" if low_open or low is None else "["
    right = ")" if high_open or high is None else "]"
    return f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"


def check_number(name, value, low=None, high=None, low_open=False, high_open=False):
    """Check that `value` is a finite real number in the interval given by low/high; return it as float.

    Bounds are inclusive unless low_open/high_open: check_number("momentum", m, 0, 1, high_open=True)
    accepts [0, 1). Bools, strings, arrays, NaN and infinities are rejected.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number in {_interval(low, high, low_open, high_open)}; got {value!r}")
    number = float(value)
    below = low is not None and (number <= low if low_open else number < low)
    above = high is not None and (number >= high if high_open else number > high)
    if below or above:
        raise ValueError(f"{name} must be a number in {_interval(low, high, low_open, high_open)}; got {value!r}")
    return number


def check_index(name, value, size=None):
    """Check that `value` is one integer index in [0, size) (or >= 0 when size is None); return it as int."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer index; got {value!r}")
    if value < 0 or (size is not None and value >= size):
        expected = "an integer >= 0" if size is None else f"an index in [0, {size})"
        raise ValueError(f"{name} must be {expected}; got {value!r}")
    return int(value)


def check_indices(name, idx, size, shape=None, dims=None):
    """Check an integer array of indices in [0, size) (e.g. tokens in [0, V)); return it as an ndarray.

    shape/dims are passed to check_array when given (e.g. ("N", "T")).
    """
    arr = np.asarray(idx)
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must be an integer array of indices in [0, {size}); got dtype {arr.dtype}")
    if shape is not None:
        arr = check_array(name, arr, shape, dims, kind="int")
    if arr.size and (arr.min() < 0 or arr.max() >= size):
        raise ValueError(f"{name} must hold indices in [0, {size}); got values in [{arr.min()}, {arr.max()}]")
    return arr


def check_rng(name, rng):
    """One rule for randomness: `rng` may be a np.random.Generator (used as is), a seed (an int >= 0,
    giving np.random.default_rng(seed)) or None (fresh, unseeded). Returns a np.random.Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, bool) and isinstance(rng, (int, np.integer)) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(f"{name} must be a np.random.Generator, a seed (int >= 0) or None; got {rng!r}")


def check_seed(name, seed):
    """Check that `seed` is a non-negative integer (bools rejected); return it as int."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{name} must be a non-negative integer; got {seed!r}")
    return int(seed)


def check_temperature(temperature):
    """Check a sampling temperature: a finite number > 0 (greedy decoding is its limit 0); return it as float."""
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real) or not math.isfinite(temperature) \
            or temperature <= 0:
        raise ValueError(f"temperature must be a finite number > 0 (use greedy=True for the limit 0); "
                         f"got {temperature!r}")
    return float(temperature)


def check_cache(name, cache, cache_type, producer):
    """Check that `cache` is the NamedTuple `cache_type` that the forward function `producer` returns."""
    if not isinstance(cache, cache_type):
        raise ValueError(
            f"{name} must be the {cache_type.__name__} returned by {producer}; got {type(cache).__name__}"
        )
    return cache


def check_choice(name, value, choices):
    """Check that `value` is one of `choices` (compared with ==); return it."""
    if not any(type(value) is type(c) and value == c for c in choices):
        raise ValueError(f"{name} must be one of {list(choices)}; got {value!r}")
    return value


def check_stacked_array(name, a, n_gates, shape, dims=None, kind="float"):
    """Check a gate-stacked array whose first axis holds n_gates blocks, e.g. W_xh (4H, D) of an LSTM.

    Inputs: shape names the per-gate letters, e.g. ("H", "D") for (4H, D) or ("H",) for (4H,).
    The first letter is bound to (rows // n_gates) when first seen (rows must be a positive multiple
    of n_gates), or checked against dims. n_gates = 1 is a plain check_array. Returns the ndarray.
    """
    dims = {} if dims is None else dims
    n_gates = check_positive_int("n_gates", n_gates)
    if n_gates == 1:
        return check_array(name, a, shape, dims, kind)
    letter, rest = shape[0], tuple(shape[1:])
    stacked = f"{n_gates}{letter}"
    inner = dict(dims)
    arr = np.asarray(a)
    if letter not in dims and arr.ndim == len(shape):
        if arr.shape[0] % n_gates or arr.shape[0] == 0:
            described = "(" + ", ".join((stacked,) + tuple(str(s) for s in rest)) + ("," if not rest else "") + ")"
            raise ValueError(f"{name} must have shape {described}: its {arr.shape[0]} rows must be a multiple "
                             f"of {n_gates}, at least one per gate; got {tuple(arr.shape)}")
        inner[letter] = arr.shape[0] // n_gates
    if letter in inner:
        inner[stacked] = n_gates * inner[letter]
    arr = check_array(name, a, (stacked,) + rest, inner, kind)
    dims.update({k: v for k, v in inner.items() if k != stacked})
    return arr


CELL_SHAPES = {"x": ("N", "D"), "h_prev": ("N", "H"), "c_prev": ("N", "H"), "h0": ("N", "H"), "c0": ("N", "H"),
               "W_xh": ("H", "D"), "W_hh": ("H", "H")}  # any other name is a gate-stacked bias ("H",)


def check_cell_args(n_gates, dims, **arrays):
    """Check the arguments of a recurrent cell with n_gates stacked gates; return them as a tuple, in order.

    Usage: x, h_prev, W_xh, W_hh, b_h = check_cell_args(4, dims, x=x, h_prev=h_prev, W_xh=W_xh, ...).
    x is (N, D) for a step, or (N, T, D) with T >= 1 when h0 is given (a whole sequence);
    h_prev, c_prev, h0, c0 are (N, H); W_xh is (n_gates*H, D), W_hh (n_gates*H, H), any other
    name a bias (n_gates*H,). dims (letter -> size) is updated in place.
    """
    checked = []
    for name, a in arrays.items():
        shape = CELL_SHAPES.get(name, ("H",))
        if name == "x" and "h0" in arrays:
            shape = ("N", "T", "D")
        if name in ("x", "h_prev", "c_prev", "h0", "c0"):
            checked.append(check_array(name, a, shape, dims))
        else:
            checked.append(check_stacked_array(name, a, n_gates, shape, dims))
    x = checked[list(arrays).index("x")] if "x" in arrays else None
    if "h0" in arrays and x is not None and x.shape[1] == 0:
        raise ValueError(f"x must have at least one time step (T >= 1); got shape {x.shape}")
    return tuple(checked)


def check_param_dict(name, params, names=None):
    """Check a dict of named float arrays (model parameters or their gradients); return it.

    names: the keys it must hold (extra keys are an error too); None accepts any non-empty set.
    """
    if not isinstance(params, dict) or not params:
        raise ValueError(f"{name} must be a non-empty dict of name -> float array; got {type(params).__name__}"
                         f"{'' if not isinstance(params, dict) else ' (empty)'}")
    if names is not None:
        missing = sorted(set(names) - set(params))
        extra = sorted(set(params) - set(names))
        if missing or extra:
            raise ValueError(f"{name} must hold exactly {sorted(names)}; missing {missing}, unexpected {extra}")
    for key, value in params.items():
        check_array(f"{name}[{key!r}]", value, tuple(f"_{i}" for i in range(np.ndim(value))))
    return params
