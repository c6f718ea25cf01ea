"""rnnlib.slides: a lecture's slides outside JupyterLab, as a hand-out that opens offline.

deck (the notebook's cells grouped into slides by their slideshow metadata), cells (one cell as HTML: markdown,
code, stored outputs, pictures embedded), page (the deck's page: layout, keys, speaker notes), mathjax (the
offline MathJax copied beside the decks), handout (writing them all), cli (`python -m rnnlib.slides handout`).
"""
from .deck import Deck, Slide, group_cells, read_deck, read_notebook
from .handout import write_handout

__all__ = ["Deck", "Slide", "group_cells", "read_deck", "read_notebook", "write_handout"]
