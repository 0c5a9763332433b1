"""LGT: night by civil twilight for the place and date."""

from __future__ import annotations

from ..types import Severity
from .base import Assessment


def check(a: Assessment) -> None:
    a.check("LGT-01")
    if not a.night:
        return
    craft = a.plan.aircraft
    minutes = sum((b - x).total_seconds() for x, b in a.night) / 60
    needs = []
    if not (craft and craft.green_light):
        needs.append("a green flashing light")
    if not a.plan.operation.night_procedures:
        needs.append("night procedures")
    msg = (f"{minutes:.0f} minutes of the window are night (sun more than {a.s.night_depression_deg:g} degrees below "
           "the horizon).")
    if needs:
        msg += " Missing: " + " and ".join(needs) + "."
    lat, lon = a.centroid
    a.add("LGT-01", Severity.APPROVAL, msg, night=[[x, b] for x, b in a.night], night_minutes=round(minutes),
          lat=round(lat, 5), lon=round(lon, 5))
