"""Imports run one way: no module of sqlfix/, datagen/, eval/ or ui/ reaches itself through its
imports, and the core never imports the layers above it.

Every import statement counts, wherever it stands: at the top, inside a function (a lazy import
is still a dependency) and under ``if TYPE_CHECKING:`` (a type is too).
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from tests.ui_fixtures import REPO

PACKAGES = ("sqlfix", "datagen", "eval", "ui")
Graph = dict[str, set[str]]


def import_graph(root: Path, packages: tuple[str, ...]) -> Graph:
    """Module -> the modules of ``packages`` it imports (an import of a name from a package
    points at the package's ``__init__`` unless the name is a submodule)."""
    files = {_module_name(path.relative_to(root)): path for package in packages for path in (root / package).rglob("*.py")}
    graph: Graph = {name: set() for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            for target in _targets(node, package, files):
                module = _owning_module(target, files)
                if module is not None and module != name:
                    graph[name].add(module)
    return graph


def find_cycles(graph: Graph) -> list[list[str]]:
    """Every cycle the graph has, one at a time: each found cycle loses one edge, then the search
    goes on (``graphlib`` reports one cycle per try)."""
    remaining = {name: set(targets) for name, targets in graph.items()}
    cycles = []
    while True:
        try:
            TopologicalSorter(remaining).prepare()
            return cycles
        except CycleError as error:
            cycle = error.args[1]  # each node imports the one before it, the first node repeated last
            cycles.append(list(reversed(cycle)))
            remaining[cycle[1]].discard(cycle[0])


def _module_name(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _targets(node: ast.AST, package: str, files: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        parents = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join([*parents, base] if base else parents)
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base for alias in node.names]


def _owning_module(target: str, files: dict[str, Path]) -> str | None:
    while target and target not in files:
        target = target.rpartition(".")[0]
    return target or None


def test_no_module_imports_itself_through_others() -> None:
    graph = import_graph(REPO, PACKAGES)
    assert len(graph) > 150 and "ui.workspace" in graph["ui.state"]  # the walk saw the code
    cycles = find_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_the_core_never_imports_the_layers_above_it() -> None:
    graph = import_graph(REPO, PACKAGES)
    upward = sorted(f"{name} -> {target}" for name, targets in graph.items() if name.startswith("sqlfix")
                    for target in targets if not target.startswith("sqlfix"))
    assert not upward
    engines_to_demo = sorted(f"{name} -> {target}" for name, targets in graph.items() if name.startswith("sqlfix.engines")
                             for target in targets if target.startswith("sqlfix.demo"))
    assert not engines_to_demo


def test_the_check_finds_lazy_and_type_only_cycles(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import thing\n")
    (package / "b.py").write_text("def thing():\n    from pkg.sub import c\n")  # lazy
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "c.py").write_text("from . import helper\n")
    (package / "sub" / "helper.py").write_text("from .. import a\n")
    (package / "d.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.e import E\n")
    (package / "e.py").write_text("import pkg.d\n")
    (package / "f.py").write_text("import pkg.e\nfrom pkg.sub.c import x\n")  # imports cycles, is in none
    graph = import_graph(tmp_path, ("pkg",))
    assert graph["pkg.b"] == {"pkg.sub.c"} and graph["pkg.sub.helper"] == {"pkg.a"} and graph["pkg.d"] == {"pkg.e"}
    cycles = find_cycles(graph)
    assert sorted(sorted(cycle[:-1]) for cycle in cycles) == [["pkg.a", "pkg.b", "pkg.sub.c", "pkg.sub.helper"], ["pkg.d", "pkg.e"]]
    for cycle in cycles:
        assert cycle[0] == cycle[-1] and all(after in graph[before] for before, after in zip(cycle, cycle[1:]))
