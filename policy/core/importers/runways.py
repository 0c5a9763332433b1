"""OurAirports runways CSV -> aerodromes and their Flight Restriction Zones (ANO 2016 art. 94A).

The FRZ is a circle of 2 nm about the mid-point of the longest runway (2.5 nm when that runway is
longer than 1,850 m) plus a runway protection zone at each threshold: 5 km out along the extended
centre line, 500 m either side. Only aerodromes with threshold coordinates can be derived here; the
others keep the circle from the airspace data. The aerodrome boundary + 1 km part of the FRZ needs
boundary data this file does not have.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .geodesy import circle, forward, inverse

FT = 0.3048
UK_ICAO = re.compile(r"^EG[A-Z]{2}$")  # 'EG-0059' style idents in the same file are Egyptian


class RunwayError(ValueError):
    pass


@dataclass(frozen=True)
class Runway:
    ident: str
    length_m: float | None
    le: tuple[float, float] | None  # (lon, lat)
    he: tuple[float, float] | None
    le_ident: str
    he_ident: str
    le_displaced_m: float
    he_displaced_m: float


def _f(value: str) -> float | None:
    try:
        return float(value) if value.strip() else None
    except ValueError:
        return None


def read_runways(text: str) -> dict[str, list[Runway]]:
    """Open runways of UK aerodromes, grouped by aerodrome ident."""
    reader = csv.DictReader(io.StringIO(text))
    required = {"airport_ident", "length_ft", "closed", "le_latitude_deg", "le_longitude_deg",
                "he_latitude_deg", "he_longitude_deg"}
    if not reader.fieldnames or not required <= set(reader.fieldnames):
        raise RunwayError(f"not an OurAirports runways CSV: needs columns {', '.join(sorted(required))}")
    out: dict[str, list[Runway]] = {}
    for row in reader:
        ident = (row.get("airport_ident") or "").strip().upper()
        if not UK_ICAO.match(ident) or (row.get("closed") or "0").strip() == "1":
            continue
        le_lat, le_lon = _f(row["le_latitude_deg"]), _f(row["le_longitude_deg"])
        he_lat, he_lon = _f(row["he_latitude_deg"]), _f(row["he_longitude_deg"])
        length = _f(row["length_ft"])
        out.setdefault(ident, []).append(Runway(
            ident=ident,
            length_m=length * FT if length else None,
            le=(le_lon, le_lat) if le_lat is not None and le_lon is not None else None,
            he=(he_lon, he_lat) if he_lat is not None and he_lon is not None else None,
            le_ident=(row.get("le_ident") or "").strip(), he_ident=(row.get("he_ident") or "").strip(),
            le_displaced_m=(_f(row.get("le_displaced_threshold_ft") or "") or 0) * FT,
            he_displaced_m=(_f(row.get("he_displaced_threshold_ft") or "") or 0) * FT,
        ))
    return out


def _rectangle(start: tuple[float, float], azimuth: float, length_m: float, half_width_m: float) -> list[list[float]]:
    far = forward(start[0], start[1], azimuth, length_m)
    corners = [forward(start[0], start[1], azimuth - 90, half_width_m),
               forward(far[0], far[1], azimuth - 90, half_width_m),
               forward(far[0], far[1], azimuth + 90, half_width_m),
               forward(start[0], start[1], azimuth + 90, half_width_m)]
    ring = [[round(x, 7), round(y, 7)] for x, y in corners]
    return ring + [ring[0]]


def derive_frz(runways_by_ident: dict[str, list[Runway]], *, radius_m: float, long_radius_m: float,
               long_runway_m: float, rpz_length_m: float, rpz_half_width_m: float
               ) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(aerodrome dict, its zone dicts) for every aerodrome with threshold coordinates."""
    for ident, runways in sorted(runways_by_ident.items()):
        located = [r for r in runways if r.le and r.he]
        if not located:
            continue
        longest = max(located, key=lambda r: r.length_m or 0)
        assert longest.le and longest.he
        az, dist = inverse(*longest.le, *longest.he)
        mid = forward(longest.le[0], longest.le[1], az, dist / 2)
        length = max((r.length_m or 0) for r in runways) or dist
        radius = long_radius_m if length > long_runway_m else radius_m
        zones: list[dict[str, Any]] = [{
            "kind": "frz", "name": f"{ident} FRZ", "external_id": f"{ident}#circle",
            "geometry": {"type": "Polygon", "coordinates": [circle(mid[0], mid[1], radius)]},
            "lower_m": None, "upper_m": None, "lower_ref": "SFC", "upper_ref": "2000 ft above aerodrome",
            "attributes": {"aerodrome": ident, "part": "circle", "radius_m": radius,
                           "centre": [round(mid[0], 7), round(mid[1], 7)]},
        }]
        for r in located:
            assert r.le and r.he
            az_le_he, rdist = inverse(*r.le, *r.he)
            az_he_le, _ = inverse(*r.he, *r.le)
            # Each threshold is the runway end moved inward by any displacement; its zone extends outward,
            # i.e. away from the other end.
            ends = [(r.le_ident, forward(r.le[0], r.le[1], az_le_he, min(r.le_displaced_m, rdist / 2)), az_he_le),
                    (r.he_ident, forward(r.he[0], r.he[1], az_he_le, min(r.he_displaced_m, rdist / 2)), az_le_he)]
            for end_ident, threshold, outward in ends:
                zones.append({
                    "kind": "frz", "name": f"{ident} RPZ {end_ident}", "external_id": f"{ident}#rpz-{end_ident}",
                    "geometry": {"type": "Polygon",
                                 "coordinates": [_rectangle(threshold, outward, rpz_length_m, rpz_half_width_m)]},
                    "lower_m": None, "upper_m": None, "lower_ref": "SFC", "upper_ref": "2000 ft above aerodrome",
                    "attributes": {"aerodrome": ident, "part": "runway protection zone", "runway_end": end_ident,
                                   "threshold": [round(threshold[0], 7), round(threshold[1], 7)]},
                })
        aerodrome = {
            "ident": ident, "name": "", "lat": round(mid[1], 7), "lon": round(mid[0], 7),
            "longest_runway_m": round(length, 1), "frz_radius_m": radius, "has_thresholds": True,
            "attributes": {"runways": [f"{r.le_ident}/{r.he_ident}" for r in runways]},
        }
        yield aerodrome, zones
