"""Show rnnlib's own code in a notebook, highlighted, next to the equation it implements.

A notebook teaches a function that lives in rnnlib by displaying its source (STYLE: show what you
teach), so that a student never has to open the package to see what a section is about.
"""
from __future__ import annotations

import inspect

__all__ = ["source_of", "show_source"]


def source_of(obj):
    """The source text of a function, class or method, docstring included (what inspect.getsource returns).
    ValueError if obj has no Python source (a builtin, a number)."""
    try:
        return inspect.getsource(obj)
    except (TypeError, OSError):
        raise ValueError(f"obj must be a Python function, class or method with source code; got {obj!r}") from None


def show_source(obj):
    """The source of obj as an IPython Code object: highlighted in a notebook, the plain source as text.

    Its text form is the source itself, so a stored output is the same on every machine.
    """
    from IPython.display import Code

    return Code(source_of(obj), language="python")
