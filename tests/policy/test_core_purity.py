"""The core stays pure: no Django, no clock; the forecast adapter is off by default."""

from __future__ import annotations

import ast
from datetime import datetime
from pathlib import Path

import pytest

from policy.core.forecast import FixedForecast, NullForecast
from policy.core.types import Weather

CORE = Path(__file__).resolve().parents[2] / "policy" / "core"
FORBIDDEN = ("django", "requests", "urllib.request", "http.client", "socket")


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_imports_no_django_or_network(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"
        if isinstance(node, ast.Attribute) and node.attr in ("now", "today", "utcnow"):
            assert not (isinstance(node.value, ast.Name) and node.value.id in ("datetime", "date")), \
                f"{path.name} reads the clock"


def test_forecast_adapter_is_off_by_default():
    when = datetime.fromisoformat("2026-06-15T10:00:00+01:00")
    assert NullForecast().forecast(lat=56.4, lon=-5.4, start=when, end=when) is None
    w = Weather(mean_wind_ms=4)
    assert FixedForecast(w).forecast(lat=56.4, lon=-5.4, start=when, end=when) is w
