"""The pure cores stay pure (no Django, no database, importable on their own) and the apps depend on
each other one way only, in the order of docs/architecture.md (tests/architecture_rules.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.architecture_rules import ORDER, file_cycles, order_violations

ROOT = Path(__file__).resolve().parent.parent
CORES = [ROOT / "policy" / "core", ROOT / "processing" / "core", ROOT / "inspection" / "core", ROOT / "booking" / "geometry.py"]
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


# ---------------------------------------------------------------- the dependency order


def test_the_apps_import_only_apps_before_them_in_the_order() -> None:
    faults = order_violations(ROOT)
    assert faults == [], "imports against the dependency order:\n" + "\n".join(faults)


def test_the_order_names_every_app_of_the_project() -> None:
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps == set(ORDER), f"apps not in the order: {sorted(apps - set(ORDER))}"


@pytest.mark.parametrize("app", ORDER)
def test_no_circle_of_files_inside_an_app(app: str) -> None:
    cycles = file_cycles(ROOT, app)
    assert cycles == [], "modules importing each other: " + "; ".join(" -> ".join(c) for c in cycles)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_checker_catches_a_reverse_import_even_inside_a_function(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "engine/__init__.py": "", "engine/core/__init__.py": "",
        "engine/runner.py": "def run():\n    from shop.models import Order\n    return Order\n",
        "engine/core/pure.py": "import shop\n",
        "shop/__init__.py": "", "shop/models.py": "from engine import runner\n",
        "shop/migrations/0001.py": "import nothing_checked\n",
    })  # fmt: skip
    faults = order_violations(root, order=("engine", "shop"), cores=("engine/core",))
    assert len(faults) == 2
    assert "engine/runner.py:2 imports shop.models: engine may import only no app" in faults[1]
    assert "engine/core/pure.py:1 imports shop: a pure core imports no app" in faults[0]
    assert order_violations(root, order=("shop", "engine"), cores=()) == [
        "shop/models.py:1 imports engine.runner: shop may import only no app"
    ]


def test_the_checker_finds_a_circle_of_files(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "shop/__init__.py": "", "shop/services.py": "from .errors import ShopError\n",
        "shop/errors.py": "class ShopError(Exception):\n    pass\n",
        "shop/runner.py": "from . import tasks\n",
        "shop/tasks.py": "def go():\n    from shop.runner import run\n",
    })  # fmt: skip
    assert file_cycles(root, "shop") == [["shop.runner", "shop.tasks", "shop.runner"]]
