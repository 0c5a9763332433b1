"""UK airspace in YAIXM YAML (github.com/ahsparrow/airspace): volumes -> zone dicts.

Coordinates are DDMMSS[.s]N DDDMMSS[.s]W; boundaries are lines, clockwise/anticlockwise arcs (centre,
radius, end point) and circles; limits are SFC, N ft (above mean sea level) or FLnnn.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

import yaml

from .geodesy import NM, arc, circle

FT = 0.3048
_COORD = re.compile(r"^\s*(\d{2})(\d{2})(\d{2}(?:\.\d+)?)([NS])\s+(\d{3})(\d{2})(\d{2}(?:\.\d+)?)([EW])\s*$")
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])}

# YAIXM type (and localtype) -> zone kind; anything else is not a rule of the policy.
TYPE_KINDS = {"ATZ": "frz", "CTR": "controlled", "CTA": "controlled", "TMA": "controlled", "P": "prohibited",
              "R": "restricted", "D": "danger", "D_OTHER": "danger"}
LOCALTYPE_KINDS = {"NOATZ": "frz"}


class AirspaceError(ValueError):
    pass


def parse_coord(text: str) -> tuple[float, float]:
    """'562749N 0052400W' -> (lon, lat)."""
    m = _COORD.match(str(text))
    if not m:
        raise AirspaceError(f"bad coordinate {text!r} (expected DDMMSSN DDDMMSSW)")
    lat = int(m[1]) + int(m[2]) / 60 + float(m[3]) / 3600
    lon = int(m[5]) + int(m[6]) / 60 + float(m[7]) / 3600
    return (-lon if m[8] == "W" else lon, -lat if m[4] == "S" else lat)


def parse_distance(text: str) -> float:
    m = re.match(r"^\s*([\d.]+)\s*(nm|km|m)\s*$", str(text), re.IGNORECASE)
    if not m:
        raise AirspaceError(f"bad radius {text!r}")
    value, unit = float(m[1]), m[2].lower()
    return value * (NM if unit == "nm" else 1000 if unit == "km" else 1)


def parse_limit(text: Any) -> float | None:
    """Metres (above mean sea level, or pressure altitude for flight levels); None for the surface."""
    t = str(text).strip().upper()
    if t in ("SFC", "GND", "0"):
        return None
    m = re.match(r"^FL\s*(\d+)$", t)
    if m:
        return int(m[1]) * 100 * FT
    m = re.match(r"^(\d+)\s*FT", t)
    if m:
        return int(m[1]) * FT
    raise AirspaceError(f"bad limit {text!r}")


def boundary_ring(boundary: list[dict[str, Any]], min_radius_m: float = 0.0) -> list[list[float]]:
    ring: list[list[float]] = []
    for seg in boundary:
        if "circle" in seg:
            c = seg["circle"]
            lon, lat = parse_coord(c["centre"])
            return circle(lon, lat, max(parse_distance(c["radius"]), min_radius_m))
        if "line" in seg:
            ring.extend(list(parse_coord(p)) for p in seg["line"])
        elif "arc" in seg:
            a = seg["arc"]
            if not ring:
                raise AirspaceError("an arc needs a start point")
            centre = parse_coord(a["centre"])
            end = parse_coord(a["to"])
            ring.extend(arc(centre, (ring[-1][0], ring[-1][1]), end, parse_distance(a["radius"]),
                            clockwise=str(a.get("dir", "cw")).lower() == "cw"))
        else:
            raise AirspaceError(f"unknown boundary segment {sorted(seg)}")
    if len(ring) < 3:
        raise AirspaceError("a boundary needs at least three points")
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring


def dates_in_name(name: str, year: int) -> tuple[datetime, datetime] | None:
    """'SILVERSTONE (3-5 JUL)' -> 3 Jul 00:00 to 6 Jul 00:00 UTC of `year`."""
    m = re.search(r"\((\d{1,2})(?:\s*-\s*(\d{1,2}))?\s+([A-Z]{3})\)", name.upper())
    if not m or m[3] not in _MONTHS:
        return None
    try:
        first = date(year, _MONTHS[m[3]], int(m[1]))
        last = date(year, _MONTHS[m[3]], int(m[2] or m[1]))
    except ValueError as exc:  # (31 FEB)
        raise AirspaceError(f"{name}: {exc}") from None
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC)
    return start, end.replace(hour=23, minute=59, second=59)


def load_yaixm(text: str) -> dict[str, Any]:
    """The parsed YAIXM document (raises AirspaceError when it is not one; yaml.YAMLError when not YAML)."""
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict) or not ({"airspace", "rat"} & set(doc)):
        raise AirspaceError("not a YAIXM file: no 'airspace' or 'rat' list")
    return doc


def release_date(doc: Mapping[str, Any]) -> date | None:
    """The AIRAC date a YAIXM release carries (`release: {airac_date: 2026-06-11T00:00:00Z}`), if any."""
    release = doc.get("release")
    if not isinstance(release, Mapping):
        return None
    value = release.get("airac_date") or release.get("date")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        raise AirspaceError(f"release.airac_date: {value!r} is not a date") from None


def _is_feature(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("geometry") or [], list)


def zones_from_yaixm(text: str | Mapping[str, Any], *, data_date: date,
                     frz_radius_m: float = 2 * NM) -> Iterator[dict[str, Any]]:
    """Zone dicts (kind, name, external_id, geometry, limits, validity, attributes) from a YAIXM file (its
    text, or the document from load_yaixm). RA(T) dates in names are read in the data date's year."""
    doc = load_yaixm(text) if isinstance(text, str) else text
    seen: dict[str, int] = {}
    for section in ("airspace", "rat"):
        for feature in doc.get(section) or []:
            if not _is_feature(feature):
                raise AirspaceError(f"{section}: each entry must be a feature with a list of volumes")
            name = str(feature.get("name", "")).strip()
            ftype, local = feature.get("type"), feature.get("localtype")
            kind: str | None = "temporary" if section == "rat" else (
                LOCALTYPE_KINDS.get(local) or TYPE_KINDS.get(ftype))
            if kind is None:
                continue
            validity = dates_in_name(name, data_date.year) if section == "rat" else None
            for i, vol in enumerate(feature.get("geometry") or []):
                try:
                    ring = boundary_ring(vol["boundary"], frz_radius_m if local == "NOATZ" else 0.0)
                    lower, upper = parse_limit(vol.get("lower", "SFC")), parse_limit(vol.get("upper", "SFC"))
                except (AirspaceError, KeyError, TypeError, AttributeError) as exc:  # not the YAIXM shape
                    raise AirspaceError(f"{name} volume {i + 1}: {exc}") from None
                ext = f"{feature.get('id') or name}#{vol.get('id') or vol.get('seq') or i + 1}"
                seen[ext] = seen.get(ext, 0) + 1
                if seen[ext] > 1:  # two features of the same name without ids
                    ext = f"{ext}~{seen[ext]}"
                label = name if len(feature["geometry"]) == 1 else f"{name} ({vol.get('seq') or i + 1})"
                yield {
                    "kind": kind, "name": label,
                    "external_id": ext,
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                    "lower_m": lower, "upper_m": upper,
                    "lower_ref": str(vol.get("lower", "SFC")), "upper_ref": str(vol.get("upper", "")),
                    "valid_from": validity[0] if validity else None,
                    "valid_to": validity[1] if validity else None,
                    "attributes": {"type": ftype, "localtype": local, "class": vol.get("class") or feature.get("class"),
                                   "rules": feature.get("rules") or [], "section": section},
                }
