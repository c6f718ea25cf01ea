"""Write the hand-out: one HTML deck per notebook, an index page, and the offline MathJax beside them."""
from __future__ import annotations

import html
from pathlib import Path

from .deck import read_deck
from .mathjax import copy_mathjax, mathjax_source
from .page import render_deck

__all__ = ["write_handout"]


def _check_out(out):
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out must be a folder (it is created if missing); got {str(out)!r}, which is a file")
    return out


def _index(decks, names):
    rows = "\n".join(f'<li><a href="{html.escape(name)}">{html.escape(deck.title)}</a> '
                     f'({len(deck.slides)} slides)</li>' for deck, name in zip(decks, names))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Lecture slides</title>
<style>body {{ font: 20px/1.5 "DejaVu Sans", Arial, sans-serif; margin: 40px; }}</style></head>
<body><h1>Lecture slides</h1><ul>
{rows}
</ul>
<p>Open a deck; <b>→</b> or Space moves on, <b>←</b> goes back, <b>n</b> shows the speaker notes, <b>?</b> the keys.
Everything here works offline. The widgets are live only in JupyterLab, with the notebooks.</p>
</body></html>
"""


def write_handout(notebooks, out, mathjax=True):
    """Write out/<notebook name>.html for each notebook, out/index.html and (with `mathjax`) out/mathjax/.

    Every input is checked before anything is written: ValueError naming the argument (`notebook`, `--out`).
    Returns [(path written, number of slides)] for the decks, in the order given.
    """
    out = _check_out(out)
    if not notebooks:
        raise ValueError("notebook: name at least one .ipynb file")
    decks = [read_deck(path) for path in notebooks]
    names = [f"{deck.path.stem}.html" for deck in decks]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"notebook: two notebooks would both be written as {twice[0]}; hand out one at a time")
    source = mathjax_source() if mathjax else None
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for deck, name in zip(decks, names):
            (out / name).write_text(render_deck(deck, "mathjax/MathJax.js" if mathjax else None), encoding="utf-8")
            written.append((out / name, len(deck.slides)))
        (out / "index.html").write_text(_index(decks, names), encoding="utf-8")
        if mathjax:
            copy_mathjax(out, source)
    except OSError as err:
        raise ValueError(f"--out: cannot write in {str(out)!r}: {err.strerror or err}") from None
    return written
