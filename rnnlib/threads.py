"""How many threads torch may use, set for a block of code and put back afterwards."""
from __future__ import annotations

import contextlib

from ._validate import check_positive_int

__all__ = ["torch_threads"]


@contextlib.contextmanager
def torch_threads(n):
    """Run the block with torch.set_num_threads(n), then restore the count it had before.

    n: a positive int, or None to leave torch's setting alone. Training loops use it so that a
    result does not depend on how many cores the machine has (n=1), and a caller's setting survives.
    """
    import torch

    if n is None:
        yield
        return
    n = check_positive_int("threads", n)
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
