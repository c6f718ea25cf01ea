"""Re-execute every notebook in place, with the test run's environment, to refresh stored outputs.

Usage:  python tests/refresh_notebooks.py [notebooks/NN_name.ipynb ...]   (default: all)

Widget outputs are stored as their text form only (strip_widget_state): a live widget's view and
state cannot render before its cell runs, so a fresh clone shows rnnlib.widgets' one-line
"[interactive widget: ...; run the cell to explore]" instead of a stale or broken widget. nbval
skips the widget-view data anyway and still compares that text line strictly.
"""
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import nbenv

ROOT = Path(__file__).resolve().parent.parent


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def strip_widget_state(nb):
    """Drop widget views from outputs (keeping their text/plain line) and the notebook's widget state.

    Returns the number of widget views removed.
    """
    nb.metadata.pop("widgets", None)
    removed = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if WIDGET_VIEW in out.get("data", {}):
                del out["data"][WIDGET_VIEW]
                removed += 1
    return removed


def refresh(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:  # no per-cell timestamps: they would change every diff
        cell.metadata.pop("execution", None)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False, resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    widgets = strip_widget_state(nb)
    nbformat.write(nb, path)
    print(f"{path.relative_to(ROOT)}: executed in {seconds:.1f} s ({widgets} widget views stored as text)")


if __name__ == "__main__":
    nbenv.apply()
    targets = [Path(p).resolve() for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for target in targets:
        refresh(target)
