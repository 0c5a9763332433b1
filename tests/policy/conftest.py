"""Policy fixtures: the shared airspace and runway data parsed once per session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from policy.core import Aerodrome, ZoneIndex, ZoneRecord
from policy.core.importers.runways import derive_frz, read_runways
from policy.core.importers.yaixm import zones_from_yaixm

from .plans import DATA_DATE


@dataclass(frozen=True)
class RealData:
    zones: list[dict[str, Any]]  # zone dicts as the import commands store them
    aerodromes: list[dict[str, Any]]
    index: ZoneIndex


def load_real(shared: Path) -> RealData:
    zones: list[dict[str, Any]] = []
    for name in ("airspace.yaml", "rat.yaml"):
        text = (shared / "airspace" / name).read_text(encoding="utf-8")
        zones += [{**z, "source": f"yaixm:{name}"} for z in zones_from_yaixm(text, data_date=DATA_DATE)]
    runways = read_runways((shared / "aerodromes" / "runways-EG.csv").read_text(encoding="utf-8"))
    aerodromes = []
    for aero, aero_zones in derive_frz(runways, radius_m=3704, long_radius_m=4630, long_runway_m=1850,
                                       rpz_length_m=5000, rpz_half_width_m=500):
        aerodromes.append(aero)
        zones += [{**z, "source": "ourairports:runways-EG.csv"} for z in aero_zones]
    records = [ZoneRecord(id=i + 1, kind=z["kind"], name=z["name"], geometry=z["geometry"], lower_m=z["lower_m"],
                          upper_m=z["upper_m"], valid_from=z.get("valid_from"), valid_to=z.get("valid_to"),
                          source=z["source"], data_date=DATA_DATE, attributes=z["attributes"])
               for i, z in enumerate(zones)]
    aeros = [Aerodrome(a["ident"], a["name"], a["lat"], a["lon"], a["longest_runway_m"]) for a in aerodromes]
    return RealData(zones, aerodromes, ZoneIndex(records, aeros))


@pytest.fixture(scope="session")
def real_data(shared_data: Path) -> RealData:
    return load_real(shared_data)


@pytest.fixture
def real_zones_in_db(db, real_data: RealData):  # type: ignore[no-untyped-def]
    """The real zones and aerodromes in the test database (bulk insert; rolled back after the test)."""
    from policy.models import Aerodrome as AerodromeModel
    from policy.models import Zone

    Zone.objects.bulk_create([
        Zone(kind=z["kind"], name=z["name"][:200], external_id=f"{z['external_id']}", geometry=z["geometry"],
             lower_m=z["lower_m"], upper_m=z["upper_m"], lower_ref=z.get("lower_ref", ""),
             upper_ref=z.get("upper_ref", "")[:40], source=z["source"], data_date=DATA_DATE,
             valid_from=z.get("valid_from"), valid_to=z.get("valid_to"), attributes=z["attributes"])
        for z in real_data.zones
    ])
    AerodromeModel.objects.bulk_create([
        AerodromeModel(ident=a["ident"], name=a["name"], lat=a["lat"], lon=a["lon"],
                       longest_runway_m=a["longest_runway_m"], frz_radius_m=a["frz_radius_m"],
                       has_thresholds=True, source="ourairports:runways-EG.csv", data_date=DATA_DATE)
        for a in real_data.aerodromes
    ])
    return real_data
