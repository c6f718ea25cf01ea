"""Text as numbers: a character vocabulary with a stable order, one-hot encoding, corpora and their fixed split."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ._validate import check_indices, check_positive_int

__all__ = ["VAL_FRACTION", "Vocabulary", "load_corpus", "load_text", "mean_over_streams", "one_hot", "train_val_split"]


def one_hot(idx, V, dtype=np.float64):
    """One-hot encode integer indices.

    Inputs:
    - idx: integer array of any shape (...), values in [0, V).
    - V: vocabulary size.
    Returns: (..., V) array with a single 1 per position.
    """
    V = check_positive_int("V", V)
    idx = check_indices("idx", idx, V)
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
            name = "order" if order is not None else "text"
            raise ValueError(f"{name} must contain at least one symbol; got an empty {name}")
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


# --- Corpora: loading UTF-8 text files with clear errors, and the fixed train/validation split ---

VAL_FRACTION = 0.1  # the last 10% of every corpus is validation, everywhere in the course


def load_text(path, min_chars=2):
    """Read a whole UTF-8 text file.

    Inputs: path (str or Path); min_chars: the fewest characters that make sense (default 2,
    one input and one target).
    Returns: the text as a str.
    Raises ValueError with a one-line message for a missing file, a folder, bytes that are not
    UTF-8 (with the byte offset), an empty file or a text shorter than min_chars.
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"text file not found: {str(path)!r}")
    if not path.is_file():
        raise ValueError(f"text path must be a file; got a directory or special file: {str(path)!r}")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"text file {path.name!r} is not valid UTF-8: byte 0x{data[err.start]:02x} "
                         f"at offset {err.start} ({err.reason})") from None
    if not text:
        raise ValueError(f"text file {path.name!r} is empty")
    if len(text) < min_chars:
        raise ValueError(f"text file {path.name!r} is too short: {len(text)} characters; need at least {min_chars}")
    return text


def load_corpus(name):
    """Read one of the course's text assets by file name, e.g. "sonnets_gut.txt" (see assets/PROVENANCE.md)."""
    from .paths import asset_path

    return load_text(asset_path(name))


def train_val_split(text, val_fraction=VAL_FRACTION):
    """Split a sequence into (train, val): the last val_fraction of it (rounded down) is validation.

    No shuffling, so the split is the same on every run: for 95,728 characters, the first
    86,156 train and the last 9,572 validate. Works for strings and 1-D arrays alike.
    """
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1; got {val_fraction!r}")
    n_val = int(len(text) * val_fraction)
    if n_val < 2 or len(text) - n_val < 2:
        raise ValueError(f"text is too short to split: {len(text)} characters leave {n_val} for validation "
                         f"and {len(text) - n_val} for training; each needs at least 2")
    return text[:len(text) - n_val], text[len(text) - n_val:]


def mean_over_streams(data, streams, summed_loss):
    """Mean loss per target of predicting data[1:] from data[:-1], every target scored once.

    The L - 1 targets are read as N = min(streams, L - 1) contiguous streams of S = (L - 1) // N
    targets; the remainder, fewer than N targets, is read as one more stream starting where the others
    stopped. summed_loss(segment, N, S) returns the summed loss of N streams of S targets cut from
    segment (N * S + 1 indices), each carrying its state. The one rule behind both character models'
    evaluate_nats. Returns: float.
    """
    n = len(data) - 1
    N = min(streams, n)
    S = n // N
    total = summed_loss(data[:N * S + 1], N, S)
    if N * S < n:
        total += summed_loss(data[N * S:], 1, n - N * S)
    return total / n
