"""The package rules: each package's `__init__` says which harness packages it may import ("May import: ..."),
every import in the code keeps to that, and the packages form no cycle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "harness"
PACKAGES = sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file())


def declared(package: str) -> set[str] | None:
    """The packages `package` may import, from its docstring; None for "every harness package"."""
    doc = ast.get_docstring(ast.parse((ROOT / package / "__init__.py").read_text())) or ""
    if re.search(r"May import every harness package", doc):
        return None
    m = re.search(r"May import:?\s*([^.]*)\.", doc)
    assert m, f"harness/{package}/__init__.py does not say what it may import"
    if m[1].strip().startswith("nothing"):
        return set()
    return {name.strip().split(" ")[0] for name in m[1].split(",")}


def imported(package: str) -> dict[str, set[str]]:
    """{other package: files importing it} over every import in the package, inside functions too."""
    found: dict[str, set[str]] = {}
    for file in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else (
                [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                parts = name.split(".")
                if parts[0] == "harness" and len(parts) > 1 and parts[1] in PACKAGES and parts[1] != package:
                    found.setdefault(parts[1], set()).add(str(file.relative_to(ROOT)))
    return found


def test_every_package_declares_its_imports():
    for package in PACKAGES:
        rule = declared(package)
        assert rule is None or rule <= set(PACKAGES), (package, rule - set(PACKAGES))


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_keep_to_the_declared_rules(package):
    rule = declared(package)
    if rule is None:
        return
    bad = {other: files for other, files in imported(package).items() if other not in rule}
    assert not bad, f"harness/{package} imports packages it does not declare: {bad}"


def test_no_cycle_between_packages():
    graph = {p: set(imported(p)) for p in PACKAGES}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            assert state.get(nxt) != 1, "import cycle: " + " -> ".join([*path, node, nxt])
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for p in PACKAGES:
        if p not in state:
            visit(p, [])
