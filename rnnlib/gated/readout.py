"""What a trained cell stores: how much of each unit's state the remembered symbol explains.

`symbol_share(values, labels)` is the fraction of each unit's variance (over a batch of sequences)
explained by a label, e.g. the memory task's first symbol: 1 - (within-label variance) / (total
variance), the correlation ratio eta squared. 1 means the unit's value is a function of the label alone
(the distractors changed nothing); near 0 means the label tells nothing about it.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_array

__all__ = ["symbol_share"]


def symbol_share(values, labels):
    """The fraction of each unit's variance over the batch explained by the labels (eta squared).

    Inputs: values: (N, H) e.g. the cell states c_T at the cue; labels: (N,) ints, e.g. the symbols.
    Returns: (H,) floats in [0, 1] (a unit that does not vary at all gets 0).
    """
    values = check_array("values", values, ("N", "H"))
    labels = np.asarray(labels)
    if labels.shape != (values.shape[0],):
        raise ValueError(f"labels must have shape (N,) = ({values.shape[0]},); got {labels.shape}")
    total = values.var(axis=0)  # (H,)
    within = sum(np.mean(labels == k) * values[labels == k].var(axis=0) for k in np.unique(labels))
    return np.where(total > 0, 1.0 - within / np.where(total > 0, total, 1.0), 0.0)
