"""Imports point one way (ARCHITECTURE.md), no module imports itself in a circle, and migrations carry
their own history instead of importing live code.

The import graph is read by grimp (the engine of import-linter) from the installed packages.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

PACKAGES = ("cli", "web", "flows", "archival", "storage", "ocr", "schemas")
# Higher layers may import lower ones, never the reverse; packages sharing a layer are independent.
LAYERS = (
    grimp.Layer("cli"),
    grimp.Layer("web", "flows", independent=True),
    grimp.Layer("archival"),
    grimp.Layer("storage", "ocr", independent=True),
    grimp.Layer("schemas"),
)
MIGRATIONS = Path(__file__).resolve().parents[1] / "storage" / "migrations" / "versions"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES)


def test_every_import_points_down_the_layers(graph: grimp.ImportGraph) -> None:
    illegal = graph.find_illegal_dependencies_for_layers(layers=LAYERS)
    assert sorted(f"{d.importer} -> {d.imported}" for d in illegal) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_circles_inside_a_package(graph: grimp.ImportGraph, package: str) -> None:
    packages = [package, *sorted(m for m in graph.find_descendants(package) if graph.find_children(m))]
    circles = {name: graph.nominate_cycle_breakers(name) for name in packages}
    assert {name: breakers for name, breakers in circles.items() if breakers} == {}


@pytest.mark.parametrize("revision", sorted(MIGRATIONS.glob("*.py")), ids=lambda path: path.stem)
def test_a_migration_imports_only_alembic_sqlalchemy_and_the_standard_library(revision: Path) -> None:
    """Editing the models or the search code must never rewrite history."""
    tree = ast.parse(revision.read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= {"__future__", "collections", "re", "alembic", "sqlalchemy"}
