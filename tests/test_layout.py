"""The code's layout holds: no import cycle among the project's modules (function-local imports
included), modules of a readable size, and a light command line."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "newsl10n"
MAX_LINES = 450
README = SRC.parent / "README.md"
MAP_HEADING = "## How the code is laid out"
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


def test_quality_code_loads_no_engine_and_test_support_stays_aside():
    graph = import_graph()
    assert "newsl10n.qe.scoring" in graph and "newsl10n.translate" not in layer_graph(graph)["newsl10n.qe"]
    users = sorted(m for m, imported in graph.items() if not m.startswith("newsl10n.testsupport")
                   and any(i.startswith("newsl10n.testsupport") for i in imported))  # fmt: skip
    assert users == ["newsl10n.cli.models"]  # `newsl10n models random`: demo models for offline use


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


def layout_map() -> list[str]:
    """The README's map of the code: its section, one string per list item or paragraph."""
    text = README.read_text(encoding="utf-8")
    section = text.split(MAP_HEADING, 1)[1].split("\n## ", 1)[0]
    return [" ".join(item.split()) for item in re.split(r"\n\s*\n|\n(?=\d+\. |- )", section) if item.strip()]


def unmapped(items: list[str], modules: list[str]) -> list[str]:
    """The modules (``pipeline.py``, ``bundle/build.py``, ``bundle/``) that no item of the map
    names: a top-level module by its file name, a package by ``pkg/``, a module in a package by
    its file name in an item that names its package (or by its whole path)."""
    names = [set(re.findall(r"`([^`\s]+)`", item)) for item in items]
    missing = []
    for module in modules:
        package, _, name = module.rpartition("/")
        if any(module in found or (name in found and (not package or f"{package}/" in found)) for found in names):
            continue
        missing.append(module)
    return missing


def test_the_map_check_finds_a_missing_module():
    items = ["`pipeline.py`: runs it", "`bundle/`: `build.py` and `reader.py`", "`tm/store.py` keeps it"]
    modules = ["pipeline.py", "bundle/", "bundle/build.py", "bundle/xliff.py", "tm/store.py", "tm/", "qa.py"]
    assert unmapped(items, modules) == ["bundle/xliff.py", "tm/", "qa.py"]


def test_the_readme_maps_every_module():
    """sqlite-utils tests its docs against its commands; ours holds the map to the tree."""
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if path.name == "__init__.py":
            if path.parent != PACKAGE:
                modules.append(relative.removesuffix("__init__.py"))
        elif path.name != "__main__.py":
            modules.append(relative)
    assert len(modules) > 50  # the tree is real
    assert unmapped(layout_map(), modules) == []
