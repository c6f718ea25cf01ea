"""An offline MathJax for the hand-out: the files of MathJax 2.7 that the decks use, copied from the
installed package `jupyter-server-mathjax` (the MathJax that Jupyter's own server ships) into `mathjax/`
beside the decks.

The decks load config/TeX-AMS-MML_HTMLorMML-full.js (TeX input with AMS maths, HTML-CSS output: one file)
and HTML-CSS's STIX-Web fonts; MathJax loads the rest on demand from the folders below. What is left out
(the SVG output, the accessibility extensions, the MathML input's extras, 50 translations of the menu) is never
asked for by the decks (Chromium, offline, all six lectures: 29 files requested, all from these folders).
"""
from __future__ import annotations

import shutil
from pathlib import Path

__all__ = ["MATHJAX_FILES", "copy_mathjax", "mathjax_source"]

MATHJAX_FILES = (  # paths inside MathJax's folder: a file, or a folder copied whole
    "LICENSE",
    "MathJax.js",
    "config/TeX-AMS-MML_HTMLorMML-full.js",  # TeX input, AMS maths, HTML-CSS output and the menus, in one file
    "jax/element/mml",  # its operator tables, loaded on demand
    "jax/output/HTML-CSS",  # the STIX-Web font data and the output's parts loaded on demand
    "fonts/HTML-CSS/STIX-Web/woff",  # the fonts themselves
    "extensions/TeX",  # TeX extensions that a macro loads on demand (\color, \cancel, \boldsymbol, ...)
    "extensions/FontWarnings.js",  # loaded only when a font fails
)


def mathjax_source():
    """The folder of the installed MathJax (jupyter_server_mathjax/static); ValueError saying how to install it."""
    try:
        import jupyter_server_mathjax
    except ImportError:
        raise ValueError("--no-mathjax is needed: the maths come from the package jupyter-server-mathjax, which is "
                         "not installed (pip install -e \".[dev]\" installs it)") from None
    folder = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (folder / "MathJax.js").is_file():
        raise ValueError(f"jupyter-server-mathjax is installed but has no MathJax.js in {folder}")
    return folder


def copy_mathjax(out, source=None):
    """Copy MATHJAX_FILES from `source` (default: the installed package) into `out`/mathjax; return that folder.
    An existing copy is replaced, so a stale file never stays behind."""
    source = Path(source) if source is not None else mathjax_source()
    target = Path(out) / "mathjax"
    if target.exists():
        shutil.rmtree(target)
    for name in MATHJAX_FILES:
        src, dst = source / name, target / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
        elif src.is_file():
            shutil.copy2(src, dst)
    return target
