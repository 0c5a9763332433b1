"""Helpers for the inspection tests (also used by tests/test_visibility_matrix.py)."""

from __future__ import annotations

from typing import Any


def valid_marking(document: dict[str, Any], *, worst: bool = True) -> dict[str, Any]:
    """A category, severity and (where the scale has one) extent that `document`'s schema accepts."""
    levels = sorted(document["severity"]["levels"], key=lambda lv: lv["rank"])
    level = levels[-1] if worst else levels[0]
    marking: dict[str, Any] = {"category": document["categories"][0]["code"], "severity": level["code"]}
    if document.get("extent"):
        marking["extent"] = (level.get("extents") or [document["extent"]["levels"][0]["code"]])[0]
    return marking
