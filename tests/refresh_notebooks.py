"""Re-execute every notebook in place, with the test run's environment, to refresh stored outputs.

Usage:  python tests/refresh_notebooks.py [notebooks/NN_name.ipynb ...]   (default: all)
"""
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import nbenv

ROOT = Path(__file__).resolve().parent.parent


def refresh(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:  # no per-cell timestamps: they would change every diff
        cell.metadata.pop("execution", None)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False, resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(nb, path)
    print(f"{path.relative_to(ROOT)}: executed in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    nbenv.apply()
    targets = [Path(p).resolve() for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for target in targets:
        refresh(target)
