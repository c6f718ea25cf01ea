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
        elif in_pip and stripped.strip().startswith("- ") and not stripped.strip().startswith("- -"):  # not -e ., --options
            reqs.add(stripped.strip()[2:].strip())
    return reqs


def test_environment_yml_matches_pyproject():
    assert environment_yml_requirements() == pyproject_requirements()


def test_torch_is_pinned_to_the_cpu_wheel_version():
    assert "torch==2.13.0" in pyproject_requirements()


def test_environment_yml_gets_torch_from_the_cpu_index():  # else Binder's image pulls CUDA torch
    lines = [line.strip() for line in (ROOT / "environment.yml").read_text().splitlines()]
    assert "- --extra-index-url https://download.pytorch.org/whl/cpu" in lines
    assert "- -e ." in lines


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


# --- emulated CPU profiles and CI (docs/testing.md) -------------------------------------
def run_profiles(*args):
    return subprocess.run([sys.executable, str(ROOT / "tests" / "cpu_profiles.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_cpu_profile_switches_reach_the_command():
    code = "import os; print(*(os.environ.get(k) for k in ('ATEN_CPU_CAPABILITY', 'MKL_CBWR', 'OPENBLAS_CORETYPE', 'TQDM_DISABLE')))"
    result = run_profiles("--exec", "generic-x86-64", "--", sys.executable, "-c", code)
    assert result.returncode == 0 and result.stdout.split() == ["default", "COMPATIBLE", "Nehalem", "1"]
    listing = run_profiles("--list").stdout
    assert "avx2-laptop: ATEN_CPU_CAPABILITY=avx2" in listing and "generic-x86-64:" in listing


def test_cpu_profiles_exit_non_zero_when_a_profile_fails():
    result = run_profiles("--profile", "avx2-laptop", "notebooks/no_such_notebook.ipynb")  # pytest: file not found
    assert result.returncode == 1
    assert re.search(r"^avx2-laptop: FAILED in \d+ s$", result.stdout, re.M)


def test_ci_runs_the_profiles_after_the_tests_and_fails_if_either_fails():
    script = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in script
    assert script.index("\npytest") < script.index("python tests/cpu_profiles.py")
    assert "pytest || tests_status=$?" in script and "python tests/cpu_profiles.py || profiles_status=$?" in script
    assert re.search(r"if \(\(tests_status != 0 \|\| profiles_status != 0\)\); then\n.*\n\s+exit 1", script)
    assert subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")]).returncode == 0


# --- exercises work in the student version (solutions replaced as nbgrader's generate_assignment does) ----
def student_version(source):
    lines, out, inside = source.split("\n"), [], False
    for line in lines:
        if line.strip() == "### BEGIN SOLUTION":
            out.append(line[: len(line) - len(line.lstrip())] + "raise NotImplementedError()")
            inside = True
        elif line.strip() == "### END SOLUTION":
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def test_student_version_replaces_solution_lines():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    y = 2 * x\n    ### END SOLUTION\n    return y"
    assert student_version(source) == "def f(x):\n    raise NotImplementedError()\n    return y"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_solution_regions_sit_inside_functions(path):
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    for cell in cells:
        source = "".join(cell["source"])
        if "### BEGIN SOLUTION" in source:
            student = student_version(source)
            compile(student, path.name, "exec")  # no SyntaxError once the solution is gone
            assert re.search(r"^def \w+\(.*\):\n(    .*\n)*    raise NotImplementedError\(\)", student, re.M), (
                "a solution region must be the body (or part of the body) of a function")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_widgets_are_stored_as_their_text_form(path):
    """No widget view or state that cannot render before the cell runs (tests/refresh_notebooks.py strips them)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert "widgets" not in nb["metadata"], f"{path.name} stores widget state: run tests/refresh_notebooks.py"
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            assert "application/vnd.jupyter.widget-view+json" not in out.get("data", {}), (
                f"{path.name} cell {i} stores a widget view: run tests/refresh_notebooks.py")
