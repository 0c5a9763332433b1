"""LGT: night for the place and date, by the policy's night definition (policy.core.daylight)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..daylight import SHORT_LABELS, definition_label, night_minutes
from ..types import Severity
from ..wording import Words
from .base import Assessment


def lgt01_night(a: Assessment) -> None:
    """LGT-01 (revised 2026-12): any night in the window needs approval, naming what is missing (a green
    flashing light, night procedures). Night is computed for the area's centroid and the window by the policy's
    `night_definition` ("ano", "civil" or the default "stricter", the union of both). The evidence carries the
    facts: the night intervals within the window (ISO 8601, UTC), `night_minutes`, the definition and the place."""
    a.check("LGT-01")
    if not a.night:
        return
    craft = a.plan.aircraft
    minutes = night_minutes(a.night)
    needs = []
    if not (craft and craft.green_light):
        needs.append("a green flashing light")
    if not a.plan.operation.night_procedures:
        needs.append("night procedures")
    definition = a.s.night_definition
    definition_label(definition)  # an unknown definition fails loudly (PolicySettings refuses one anyway)
    msg = f"{minutes:.0f} minutes of the window are night ({SHORT_LABELS[definition]})."
    if needs:
        msg += " Missing: " + " and ".join(needs) + "."
    lat, lon = a.centroid
    a.add("LGT-01", Severity.APPROVAL, msg, night=[[x, b] for x, b in a.night], night_minutes=round(minutes),
          definition=definition, lat=round(lat, 5), lon=round(lon, 5))


def check(a: Assessment) -> None:
    lgt01_night(a)


# ---- the findings in words (policy.core.wording)
def night_words(periods: list[list[str]], definition: str | None, w: Words) -> str:
    """"night from Mon 15 Jun 2026, 22:30 to Tue 16 Jun 2026, 04:10 (and 2 more nights)", in the council's time."""
    first = periods[0]
    text = f"night from {w.when(first[0])} to {w.when(first[1])}"
    if len(periods) > 1:
        more = len(periods) - 1
        text += f" (and {more} more night{'s' if more != 1 else ''})"
    if definition in SHORT_LABELS:
        text += f", by {SHORT_LABELS[definition]}"
    return text


def explain(rule: str, ev: Mapping[str, Any], w: Words) -> str:
    """LGT-01: when the night falls in the window, in local time, and how long it is."""
    if rule != "LGT-01" or not ev.get("night"):
        return ""
    minutes = ev.get("night_minutes")
    total = f"{minutes // 60} h {minutes % 60:02d} min" if isinstance(minutes, int) and minutes >= 60 else \
        f"{minutes} minutes"
    return f"The window holds {night_words(ev['night'], ev.get('definition'), w)}: {total} of night in all."
