"""Progress bars for long loops: tqdm.auto, switched off by TQDM_DISABLE=1 everywhere."""
from __future__ import annotations

import os

__all__ = ["progress_disabled", "progress"]


def progress_disabled():
    """True when the environment variable TQDM_DISABLE is set to something other than "", "0", "false".

    The test run and tests/refresh_notebooks.py set TQDM_DISABLE=1 so that stored notebook outputs
    never contain a bar. tqdm's notebook bar does not read the variable itself, so we do.
    """
    return os.environ.get("TQDM_DISABLE", "").strip().lower() not in ("", "0", "false")


def progress(iterable=None, *, enabled=True, **kwargs):
    """A tqdm.auto bar (a widget in Jupyter, text in a terminal), off when TQDM_DISABLE is set.

    Inputs: iterable (or None with total=...), enabled (False turns it off too), tqdm keyword
    arguments (desc, total, unit, ...). Returns: the tqdm object.
    """
    from tqdm.auto import tqdm

    return tqdm(iterable, disable=progress_disabled() or not enabled, **kwargs)
