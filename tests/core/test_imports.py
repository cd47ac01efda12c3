"""Imports point one way, down the layers below; only the worker reaches jobs/ (by name, through core.jobs)."""

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

# The one order of the house, lowest first; a package imports only packages of lower layers.
LAYERS = (("core",), ("accounts",), ("notifications",), ("ideas",), ("moderation", "review"), ("jobs",))
PACKAGES = {package for layer in LAYERS for package in layer}


def allowed_imports(package: str) -> set[str]:
    """The project's packages that `package` may import: itself and those of lower layers."""
    level = next(number for number, layer in enumerate(LAYERS) if package in layer)
    return {package, *(lower for layer in LAYERS[:level] for lower in layer)}


FORBIDDEN = {package: PACKAGES - allowed_imports(package) for package in PACKAGES}


def imported_packages(source: str) -> set[str]:
    """The top-level packages a module imports absolutely, anywhere in its body."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def python_files(package: str) -> list[Path]:
    """Every module of a package in the repository."""
    return sorted((REPO_ROOT / package).rglob("*.py"))


def violations(package: str) -> list[str]:
    """'file imports name' for each forbidden import in a package."""
    found = []
    for path in python_files(package):
        for name in sorted(imported_packages(path.read_text()) & FORBIDDEN[package]):
            found.append(f"{path.relative_to(REPO_ROOT)} imports {name}")
    return found


def test_the_checker_sees_nested_aliased_and_from_imports():
    source = (
        "import os\n"
        "from . import sibling\n"
        "import moderation.services as ms\n"
        "def f():\n"
        "    from ideas.models import Idea\n"
        "    import jobs\n"
    )
    assert imported_packages(source) == {"os", "moderation", "ideas", "jobs"}


def test_every_checked_package_has_modules():
    assert all(python_files(package) for package in PACKAGES)


def test_every_package_of_the_repository_is_in_a_layer():
    packages = {path.parent.name for path in REPO_ROOT.glob("*/__init__.py")} - {"tests", "bench", "migrations"}
    assert packages == PACKAGES


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downward(package):
    assert violations(package) == []


def test_the_entry_point_does_not_import_jobs():
    assert "jobs" not in imported_packages((REPO_ROOT / "wsgi.py").read_text())


def session_calls(source: str, names: set[str]) -> list[str]:
    """Calls of `<something>.commit()`/`.rollback()` (those in `names`) anywhere in a module."""
    return [
        node.func.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names
    ]


def test_only_core_commits_or_rolls_back():
    """One transaction boundary (core/transaction.py): requests, jobs and commands commit there."""
    found = [
        f"{path.relative_to(REPO_ROOT)} calls {name}()"
        for package in sorted(PACKAGES - {"core"})
        for path in python_files(package)
        for name in session_calls(path.read_text(), {"commit", "rollback"})
    ]
    assert found == []
    assert session_calls("db.session.commit()\nx.rollback()\n", {"commit", "rollback"}) == ["commit", "rollback"]
