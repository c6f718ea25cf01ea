"""The package's layout: every module imports, no import cycles, no private names across modules, short modules."""
import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import rnnlib

ROOT = Path(rnnlib.__file__).parent
MAX_LINES = 300


def module_files():
    """rnnlib's modules as {dotted name: path}; a package is named by its __init__.py."""
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = module_files()


def _is_main_guard(node):
    return (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
            and isinstance(node.test.left, ast.Name) and node.test.left.id == "__name__")


def _walk_skipping_main(tree):
    """ast.walk, minus `if __name__ == "__main__":` blocks: they run only when the file is executed as
    a script (then the module is __main__, not itself), so an import there closes no circle."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        todo.extend(child for child in ast.iter_child_nodes(node) if not _is_main_guard(child))


def imports_of(name, path):
    """(imported module, [imported names]) for every `from X import ...` and `import X` inside rnnlib,
    at any depth of the file (lazy imports inside functions count too)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in _walk_skipping_main(ast.parse(path.read_text(encoding="utf-8"))):
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


def graph():
    """Module -> the rnnlib modules its import statements name (a package is its __init__)."""
    return {name: sorted({t for t, _ in imports_of(name, path) if t in MODULES and t != name})
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


def test_main_guard_imports_are_not_edges():
    tree = ast.parse("from .a import x\nif __name__ == '__main__':\n    from .b import y\n")
    found = [n.module for n in _walk_skipping_main(tree) if isinstance(n, ast.ImportFrom)]
    assert found == ["a"]


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


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_are_short(name):
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by concept (at most {MAX_LINES})"
