"""Project-level checks: dependency lists in sync, notebooks committed clean, rnnlib import has no side effects."""
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ABS_PATH = re.compile(r"(/root/|/tmp/|/home/|/Users/|/work/|site-packages|[A-Z]:\\\\)")


def pyproject_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])


def environment_yml_requirements():
    reqs, in_pip = set(), False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        stripped = line.split("#", 1)[0].rstrip()
        if stripped.strip() == "- pip:":
            in_pip = True
        elif in_pip and stripped.strip().startswith("- ") and stripped.strip() != "- -e .":
            reqs.add(stripped.strip()[2:].strip())
    return reqs


def test_environment_yml_matches_pyproject():
    assert environment_yml_requirements() == pyproject_requirements()


def test_torch_is_pinned_to_the_cpu_wheel_version():
    assert "torch==2.13.0" in pyproject_requirements()


def test_import_has_no_side_effects():
    code = (
        "import numpy as np, random; state = np.random.get_state()[1].copy(); r = random.getstate();"
        "import rnnlib, matplotlib;"
        "assert (np.random.get_state()[1] == state).all(), 'numpy seeded';"
        "assert random.getstate() == r, 'random seeded';"
        "assert matplotlib.rcParams['figure.dpi'] == matplotlib.rcParamsDefault['figure.dpi'], 'rcParams changed';"
        "assert np.get_printoptions()['precision'] == 8, 'print options changed'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_all_is_explicit_and_complete():
    import rnnlib

    assert sorted(rnnlib.__all__) == rnnlib.__all__
    for name in rnnlib.__all__:
        assert hasattr(rnnlib, name), name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_hygiene(path):
    assert path.stat().st_size <= 2_000_000, f"{path.name} is larger than 2 MB"
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert code_cells, "a notebook without code"
    counts = [c["execution_count"] for c in code_cells]
    assert counts == list(range(1, len(code_cells) + 1)), f"cells not executed in order: {counts}"
    for i, cell in enumerate(code_cells, start=1):
        for out in cell["outputs"]:
            assert out["output_type"] != "error", f"cell {i} stored an error: {out.get('ename')}"
            text = "".join(out.get("text", [])) + "".join(out.get("data", {}).get("text/plain", []))
            assert not ABS_PATH.search(text), f"cell {i} output shows an absolute path"
            assert "Traceback (most recent call last)" not in text, f"cell {i} output holds a traceback"
            assert not re.search(r"^(<Figure size|\[<matplotlib|<matplotlib\.)", text, re.M), (
                f"cell {i} output leaks a matplotlib repr"
            )


def test_every_notebook_imports_rnnlib():
    for path in NOTEBOOKS:
        source = "".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
        assert re.search(r"^\s*(from rnnlib|import rnnlib)", source, re.M), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_widgets_are_stored_as_their_text_form(path):
    """No widget view or state that cannot render before the cell runs (tests/refresh_notebooks.py strips them)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert "widgets" not in nb["metadata"], f"{path.name} stores widget state: run tests/refresh_notebooks.py"
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            assert "application/vnd.jupyter.widget-view+json" not in out.get("data", {}), (
                f"{path.name} cell {i} stores a widget view: run tests/refresh_notebooks.py")
            text = "".join(out.get("data", {}).get("text/plain", []))
            assert not re.match(r"(VBox|HBox)\(children=", text), f"{path.name} cell {i}: a widget's raw repr"
