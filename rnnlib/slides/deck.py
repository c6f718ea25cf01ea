"""A notebook's lecture as a list of slides, read from its cells' slideshow metadata.

Each cell's `metadata.slideshow.slide_type` says where it goes (the same rules as JupyterLab's
presentation mode and nbconvert's slides):

    slide      starts a new slide
    subslide   starts a new slide too (the hand-out has one row of slides; `Slide.sub` remembers it)
    fragment   stays on the slide on screen and appears one step later (the arrow key reveals it)
    - or ""    stays on the slide on screen, in the step on screen (so does a cell without metadata)
    skip       is left out
    notes      becomes a speaker note of the slide on screen, hidden until the presenter asks for it

Empty cells (no source, no output) are left out wherever they stand.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Deck", "Slide", "SLIDE_TYPES", "group_cells", "read_deck", "read_notebook", "slide_type"]

SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "", "skip", "notes")
STARTS = ("slide", "subslide")


@dataclass
class Slide:
    """One slide: `steps` are lists of cells shown together (step 0 at once, each later one on a key press);
    `notes` the speaker notes' cells; `sub` is True when it began as a subslide; `first_cell` is the index,
    in the notebook, of the cell that opened it."""

    first_cell: int
    sub: bool = False
    steps: list = field(default_factory=lambda: [[]])
    notes: list = field(default_factory=list)

    @property
    def cells(self):
        return [cell for step in self.steps for cell in step]


@dataclass
class Deck:
    """A notebook's slides, its title (the first heading) and the notebook itself (for its language)."""

    title: str
    slides: list
    notebook: dict
    path: Path


def slide_type(cell):
    """The cell's slide type; a cell without slideshow metadata continues the slide on screen ("-")."""
    kind = (cell.get("metadata", {}).get("slideshow") or {}).get("slide_type", "-")
    return "-" if kind in ("", None) else kind


def _is_empty(cell):
    return not "".join(cell.get("source", "")).strip() and not cell.get("outputs")


def read_notebook(path):
    """The notebook at `path` as a dict (nbformat 4); ValueError naming the argument when it is not one."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"notebook must be an existing .ipynb file; got {str(path)!r}, which "
                         f"{'is a folder' if path.is_dir() else 'does not exist'}")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"notebook must be a Jupyter notebook (JSON); {str(path)!r} is not: {err}") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list) or nb.get("nbformat") != 4:
        raise ValueError(f"notebook must be a Jupyter notebook in format 4 (a JSON object with 'cells'); "
                         f"got {str(path)!r}")
    for i, cell in enumerate(nb["cells"]):
        kind = slide_type(cell)
        if kind not in SLIDE_TYPES:
            raise ValueError(f"notebook {str(path)!r} cell {i}: slide_type must be one of "
                             f"{', '.join(repr(k) for k in SLIDE_TYPES if k)}; got {kind!r}")
    return nb


def _title(cells, path):
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return Path(path).stem


def group_cells(cells):
    """The slides that `cells` (a notebook's cell list) make, by the rules in this module's docstring."""
    slides, pending_notes = [], []
    for i, cell in enumerate(cells):
        kind = slide_type(cell)
        if kind == "skip" or _is_empty(cell):
            continue
        if kind == "notes":
            (slides[-1].notes if slides else pending_notes).append(cell)
            continue
        if kind in STARTS or not slides:  # a deck always starts with a slide, whatever its first cell says
            slides.append(Slide(first_cell=i, sub=kind == "subslide"))
            slides[-1].notes += pending_notes
            pending_notes = []
        if kind == "fragment" and slides[-1].steps[-1]:
            slides[-1].steps.append([])
        slides[-1].steps[-1].append(cell)
    if pending_notes:  # only notes: one slide that holds them
        slides.append(Slide(first_cell=0, notes=pending_notes))
    return slides


def read_deck(path):
    """Read the notebook at `path` and group its cells into slides: a Deck."""
    nb = read_notebook(path)
    return Deck(title=_title(nb["cells"], path), slides=group_cells(nb["cells"]), notebook=nb, path=Path(path))
