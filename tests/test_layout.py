"""The package's layout: every module imports; no import cycle, counting absolute imports, imports inside
functions and the package __init__ that importing a submodule runs; the core imports no family and families
import no other family; a name imported from another module is public there (in its __all__)."""
import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import rnnlib

ROOT = Path(rnnlib.__file__).parent


def module_files():
    """rnnlib's modules as {dotted name: path}; a package is named by its __init__.py."""
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = module_files()


def imports_of(name, path):
    """(imported module, [imported names]) for every `from X import ...` and `import X` inside rnnlib,
    at any depth of the file (lazy imports inside functions count too)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "rnnlib":
                continue
            for alias in node.names:  # `from . import bptt` imports a module, not a name
                if f"{target}.{alias.name}" in MODULES:
                    found.append((f"{target}.{alias.name}", []))
                else:
                    found.append((target, [alias.name]))
        elif isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names if alias.name.split(".")[0] == "rnnlib"]
    return found


def with_packages(target, importer):
    """The modules that importing `target` from `importer` runs: target and each package above it
    (its __init__), except the packages that hold the importer (those are running already)."""
    parts = target.split(".")
    found = {".".join(parts[:i]) for i in range(2, len(parts) + 1)}
    return {m for m in found if m in MODULES and not (importer == m or importer.startswith(m + "."))} | (
        {target} if target in MODULES else set())


def graph():
    """Module -> the rnnlib modules that its import statements run (a package is its __init__)."""
    return {name: sorted({m for t, _ in imports_of(name, path) for m in with_packages(t, name)} - {name})
            for name, path in MODULES.items()}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_imports(name):
    if name.endswith("__main__"):
        pytest.skip("runs the command line on import; tested through python -m")
    importlib.import_module(name)


def test_the_walk_finds_the_package_and_its_subpackages():
    assert {"rnnlib", "rnnlib.bptt", "rnnlib.checkers", "rnnlib.checkers.harness", "rnnlib.charlm",
            "rnnlib.charlm.model"} <= set(MODULES)
    assert {m.name for m in pkgutil.iter_modules(rnnlib.__path__)} <= {n.split(".")[1] for n in MODULES if "." in n}


def find_cycle(edges):
    """A list of modules forming a cycle (first == last), or None: depth-first search with colours."""
    state, stack = {}, []

    def visit(node):
        state[node] = "active"
        stack.append(node)
        for nxt in edges.get(node, []):
            if state.get(nxt) == "active":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_find_cycle_finds_one_and_only_one():
    assert find_cycle({"a": ["b"], "b": ["c"], "c": []}) is None
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]


def test_no_import_cycles():
    cycle = find_cycle(graph())
    assert cycle is None, " -> ".join(cycle)


def test_no_private_name_is_imported_from_another_module():
    private = set()
    for name, path in MODULES.items():
        for target, names in imports_of(name, path):
            private |= {f"{name} imports {n} from {target}" for n in names if n.startswith("_")}
    assert not private, sorted(private)


FAMILIES = ("rnnlib.captioning", "rnnlib.charlm", "rnnlib.charlstm", "rnnlib.gated")
USERS = ("rnnlib.checkers", "rnnlib.homework")  # may import any family; no family or core module imports them


def family_of(module):
    """The family or user package a module belongs to, or "core"."""
    return next((f for f in FAMILIES + USERS if module == f or module.startswith(f + ".")), "core")


def layer_violations(edges):
    """Sentences naming each import that crosses the layers: core -> family or user, family -> another
    family or a user package."""
    bad = []
    for name, targets in edges.items():
        mine = family_of(name)
        for target in targets:
            theirs = family_of(target)
            if theirs == mine or theirs == "core" or mine in USERS:
                continue
            bad.append(f"{name} ({mine}) imports {target} ({theirs})")
    return sorted(bad)


def test_the_walk_counts_imports_inside_functions_and_absolute_ones():
    edges = graph()
    assert "rnnlib.charlm.plots" in edges["rnnlib.charlm.widgets"]
    assert "rnnlib.gated.widgets" in edges["rnnlib.checkers.widgets"]  # `from ..gated.widgets import ...` in a function
    assert "rnnlib.gated" in edges["rnnlib.checkers.widgets"]  # the package's __init__ runs first


def test_layer_violations_are_found():
    assert layer_violations({"rnnlib.widgets": ["rnnlib.charlm.plots"]}) == [
        "rnnlib.widgets (core) imports rnnlib.charlm.plots (rnnlib.charlm)"]
    assert layer_violations({"rnnlib.charlstm.model": ["rnnlib.captioning"], "rnnlib.checkers.x": ["rnnlib.gated"]}) == [
        "rnnlib.charlstm.model (rnnlib.charlstm) imports rnnlib.captioning (rnnlib.captioning)"]


def test_core_knows_no_family_and_families_stand_apart():
    assert not layer_violations(graph())


def test_no_module_imports_a_command_line():
    """A family's command line (its cli.py) is imported by its package's __main__.py only (and by the tests);
    rnnlib.cli is the plumbing they share, not a command line."""
    bad = [f"{name} imports {t}" for name, targets in graph().items() for t in targets
           if t.endswith(".cli") and t != "rnnlib.cli" and not name.endswith("__main__")]
    assert not bad, bad


def public_names(module):
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return None


def test_a_name_imported_from_another_module_is_public_there():
    hidden = set()
    for name, path in MODULES.items():
        for target, names in imports_of(name, path):
            if target in MODULES and target != name:
                public = public_names(target) or set()
                hidden |= {f"{name} imports {n} from {target}, which does not list it in __all__"
                           for n in names if n not in public}
    assert not hidden, sorted(hidden)
