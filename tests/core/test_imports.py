"""Imports point one way: core ← accounts ← ideas ← moderation; only the worker reaches jobs/ (by name)."""
import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

DOMAIN_PACKAGES = {"accounts", "ideas", "moderation", "notifications", "jobs"}
FORBIDDEN = {
    "core": DOMAIN_PACKAGES,
    "accounts": {"ideas", "moderation", "notifications", "jobs"},
    "ideas": {"moderation", "jobs"},
    "moderation": {"jobs"},
    "notifications": {"jobs"},
}


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
    assert python_files("core") and python_files("accounts")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downward(package):
    assert violations(package) == []


def test_the_entry_point_does_not_import_jobs():
    assert "jobs" not in imported_packages((REPO_ROOT / "wsgi.py").read_text())
