"""Where the course's shipped data lives, independent of the working directory."""
from __future__ import annotations

from pathlib import Path

__all__ = ["ASSETS_DIR", "asset_path"]

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"


def asset_path(name):
    """Path of a file in assets/; ValueError naming the file if it is not there."""
    path = ASSETS_DIR / name
    if not path.is_file():
        available = sorted(p.name for p in ASSETS_DIR.glob("*") if p.is_file())
        raise ValueError(f"name must be a file in assets/; got {name!r}, available: {available}")
    return path
