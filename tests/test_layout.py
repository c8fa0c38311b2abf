"""The code's layout holds: no import cycle among the project's modules (function-local imports
included), modules of a readable size, and a light command line."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "newsl10n"
MAX_LINES = 450
HEAVY = ("torch", "transformers", "ctranslate2", "sentencepiece", "dask", "distributed", "lxml", "translate", "trafilatura")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports(path: Path, modules: set[str]) -> set[str]:
    """The project modules ``path`` imports anywhere in it (top level or inside functions).
    Importing ``a.b.c`` also runs the packages ``a.b`` and ``a``, except those that hold
    ``path`` itself: they are initialised before it whatever it imports."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            while target:
                found.add(target)
                target = target.rpartition(".")[0]
    own_packages = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
    return found - own_packages - {name}


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): project_imports(p, modules) for p in paths}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_among_the_projects_modules():
    graph = import_graph()
    assert "newsl10n.pipeline" in graph and graph["newsl10n.pipeline"]  # the graph is real
    assert cycles(graph) == []


def layer_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The import graph between the package's top-level modules and subpackages (its layers:
    ``newsl10n.bundle``, ``newsl10n.tm``, ``newsl10n.pipeline`` ...)."""

    def layer(module: str) -> str:
        return ".".join(module.split(".")[:2])

    layers: dict[str, set[str]] = {}
    for module, imported in graph.items():
        layers.setdefault(layer(module), set()).update(layer(m) for m in imported if layer(m) != layer(module))
    return layers


def test_no_import_runs_back_up_the_layers():
    """Modules may form no cycle, and neither may the layers: a layer that imports one above it
    (``bundle`` -> ``tm`` while ``tm`` builds on ``bundle``) is such a cycle."""
    layers = layer_graph(import_graph())
    assert "newsl10n.tm" in layers["newsl10n.pipeline"]  # the graph is real
    assert cycles(layers) == []
    assert "newsl10n.tm" not in layers["newsl10n.bundle"]


def test_the_value_types_import_nothing_of_the_project():
    assert import_graph()["newsl10n.model"] == set()


def test_modules_stay_readable():
    sizes = {p.relative_to(SRC).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.rglob("*.py")}
    assert sizes["newsl10n/pipeline.py"] < 300
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_help_imports_nothing_heavy():
    probe = "import sys, newsl10n.cli; print(' '.join(m for m in sys.modules))"
    loaded = set(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split())
    assert "newsl10n.cli.translate" in loaded
    assert sorted(m for m in loaded if m.split(".")[0] in HEAVY) == []
