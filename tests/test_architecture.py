"""The pure cores must stay pure: no Django, no database, importable on their own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORES = [ROOT / "policy" / "core", ROOT / "processing" / "core", ROOT / "booking" / "geometry.py"]
FORBIDDEN = ("django", "rest_framework", "config", "booking.models", "surveys", "celery")


def _python_files() -> list[Path]:
    files: list[Path] = []
    for core in CORES:
        if core.is_file():
            files.append(core)
        elif core.is_dir():
            files.extend(sorted(core.rglob("*.py")))
    return files


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_imports_no_django(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}: cores must stay pure"


def test_there_are_core_modules_to_check() -> None:
    assert len(_python_files()) >= 3


PROJECT_APPS = ("booking", "policy", "surveys", "processing")


@pytest.mark.parametrize(
    "path", sorted((ROOT / "notify").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_the_outbox_app_imports_no_other_app(path: Path) -> None:
    """`notify` sits first in the dependency order: every app may queue mail through it."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            assert name.split(".")[0] not in PROJECT_APPS, f"{path.name} imports {name}"
