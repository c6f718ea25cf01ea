"""Text as numbers: a character vocabulary with a stable order, and one-hot encoding."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["Vocabulary", "one_hot"]


def one_hot(idx, V, dtype=np.float64):
    """One-hot encode integer indices.

    Inputs:
    - idx: integer array of any shape (...), values in [0, V).
    - V: vocabulary size.
    Returns: (..., V) array with a single 1 per position.
    """
    idx = np.asarray(idx)
    if not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"idx must be an integer array of indices; got dtype {idx.dtype}")
    if isinstance(V, bool) or not isinstance(V, (int, np.integer)) or V <= 0:
        raise ValueError(f"V must be a positive integer; got {V!r}")
    if idx.size and (idx.min() < 0 or idx.max() >= V):
        raise ValueError(f"idx must hold indices in [0, V) = [0, {V}); got values in [{idx.min()}, {idx.max()}]")
    return np.eye(V, dtype=dtype)[idx]


class Vocabulary:
    """Characters (or any hashable symbols) in a fixed order, with encode/decode/one-hot.

    `Vocabulary("hello")` sorts the distinct symbols: ['e', 'h', 'l', 'o']. Sorting makes the
    index of every character the same on every run and every machine; `list(set(text))` does not
    (string hashing is randomized per process). Pass `order=` to keep a given order instead, e.g.
    the slides' ['h', 'e', 'l', 'o'].
    """

    def __init__(self, text: Iterable[str] = (), order: Iterable[str] | None = None):
        if order is not None:
            symbols = list(order)
            if len(set(symbols)) != len(symbols):
                raise ValueError(f"order must not repeat symbols; got {symbols}")
        else:
            symbols = sorted(set(text))
        if not symbols:
            raise ValueError("text must contain at least one symbol; got an empty text")
        self.symbols = tuple(symbols)
        self.index = {s: i for i, s in enumerate(self.symbols)}

    def __len__(self):
        return len(self.symbols)

    def __repr__(self):
        return f"Vocabulary({list(self.symbols)!r})"

    def encode(self, text):
        """Symbols -> int64 array of indices. Unknown symbols raise ValueError naming them."""
        unknown = sorted({s for s in text if s not in self.index})
        if unknown:
            raise ValueError(f"text contains symbols not in the vocabulary: {unknown}; vocabulary is {list(self.symbols)}")
        return np.array([self.index[s] for s in text], dtype=np.int64)

    def decode(self, idx):
        """Indices -> string (symbols joined)."""
        idx = np.asarray(idx).ravel()
        if idx.size and (not np.issubdtype(idx.dtype, np.integer) or idx.min() < 0 or idx.max() >= len(self)):
            raise ValueError(f"idx must hold integer indices in [0, {len(self)}); got {idx.tolist()[:10]}")
        return "".join(self.symbols[i] for i in idx)

    def one_hot(self, text, dtype=np.float64):
        """Symbols -> (len(text), V) one-hot rows."""
        return one_hot(self.encode(text), len(self), dtype)
