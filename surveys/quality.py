"""The orthomosaic's quality report (`Survey.ortho_report`) in plain words, for the "Map quality" section of the
survey page. Pure: a JSON dict in, an `OrthoQuality` out; no Django, no database (unit-tested on its own).

Three shapes reach it: the engine's report (`processing.core.orthomosaic.report.OrthoReport.to_json()`, older
stored reports lack the newer keys), the contractor's own GeoTIFF (`{"source": "delivered", "input": facts}`,
see processing/handlers.py) and no report at all. Anything missing or not a finite number is left out, never
shown as 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

NONE = "none"  # no map yet (or a map without a stored report)
ENGINE = "engine"  # built from the survey's photos by our engine
DELIVERED = "delivered"  # the contractor's own orthomosaic, delivered as a GeoTIFF
UNKNOWN = "unknown"  # a report this page cannot read

HECTARE_M2 = 10_000.0


@dataclass(frozen=True)
class Fact:
    key: str  # stable: the template gives the value the element id "ortho-<key>"
    label: str
    value: str


@dataclass(frozen=True)
class DroppedRow:
    name: str
    reason: str


@dataclass(frozen=True)
class OrthoQuality:
    kind: str  # NONE, ENGINE, DELIVERED or UNKNOWN
    summary: str  # one or two plain-English sentences
    facts: list[Fact] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # notices to read before relying on the map
    dropped: list[DroppedRow] = field(default_factory=list)  # ENGINE only
    position_basis: str = ""  # ENGINE: "gps" (camera fixes) or "gcps" (ground control points)
    not_available: str = ""  # DELIVERED: what cannot be said about the map


# ----- formatting -------------------------------------------------------------------------------------------------


def number(value: Any) -> float | None:
    """A finite int or float from JSON, else None (bools, strings, NaN and missing values are not figures)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def length(metres: float) -> str:
    """cm below 1 m, m from 1 m; one decimal: 0.072 -> "7.2 cm", 16.63 -> "16.6 m"."""
    centimetres = round(metres * 100, 1)
    if abs(centimetres) < 100:
        return f"{centimetres:.1f} cm"
    return f"{metres:,.1f} m"


def area(square_metres: float) -> str:
    """m² below a hectare, ha from one: 8250 -> "8,250 m²", 34100 -> "3.4 ha"."""
    if square_metres < HECTARE_M2:
        return f"{square_metres:,.0f} m²"
    return f"{square_metres / HECTARE_M2:,.1f} ha"


def seconds(value: float) -> str:
    text = f"{abs(value):.2f}".rstrip("0").rstrip(".")
    return f"{text} s"


@lru_cache(maxsize=64)
def _crs_info(crs: str) -> tuple[str, float | None]:
    """(name, metres per axis unit or None when the axes are not lengths, e.g. degrees); falls back to the text."""
    try:
        from pyproj import CRS

        parsed = CRS.from_user_input(crs)
        unit = parsed.axis_info[0] if parsed.axis_info else None
        per_unit = None
        if unit is not None and not parsed.is_geographic and unit.unit_name != "degree":
            per_unit = float(unit.unit_conversion_factor)
        return parsed.name, per_unit
    except Exception:  # an unparseable CRS (pyproj.exceptions.CRSError) is still shown as text
        return "", None


def crs_label(crs: str) -> str:
    """The CRS's name and code, e.g. OSGB36 / British National Grid (EPSG:27700); a WKT gives its name."""
    name, _ = _crs_info(crs)
    if crs.upper().startswith(("EPSG:", "OGC:")):
        return f"{name} ({crs})" if name else crs
    return name or (crs if len(crs) <= 80 else crs[:77] + "…")


# ----- the three shapes -------------------------------------------------------------------------------------------


def ortho_quality(report: Any, *, has_map: bool = False) -> OrthoQuality:
    """What the "Map quality" section shows for `Survey.ortho_report` (`has_map`: the survey has an orthophoto)."""
    if not report:
        if has_map:
            return OrthoQuality(NONE, "No quality report was recorded for this map.")
        return OrthoQuality(NONE, "No map yet: its quality report appears here once the orthomosaic is built.")
    if not isinstance(report, dict):
        return _unknown()
    if report.get("source") == "delivered":
        return _delivered(report.get("input") if isinstance(report.get("input"), dict) else {})
    if "photos_total" in report or "photos_used" in report:
        return _engine(report)
    return _unknown()


def _unknown() -> OrthoQuality:
    return OrthoQuality(UNKNOWN, "This map's quality report is in a form this page cannot read; the survey "
                                 "API gives it as stored.")


def _engine(report: dict) -> OrthoQuality:
    facts: list[Fact] = []
    used = report.get("photos_used")
    n_used = len(used) if isinstance(used, list) else number(used)
    total = number(report.get("photos_total"))
    if n_used is not None:
        facts.append(Fact("photos", "Photos used",
                          f"{n_used:.0f} of {total:.0f}" if total is not None else f"{n_used:.0f}"))

    gsd, photo_gsd = number(report.get("gsd_m")), number(report.get("photo_gsd_median_m"))
    if gsd is not None:
        facts.append(Fact("gsd", "Map pixel size on the ground", length(gsd)))
    if photo_gsd is not None:
        facts.append(Fact("photo-gsd", "Photos' pixel size on the ground (median)", length(photo_gsd)))
    covered = number(report.get("covered_area_m2"))
    if covered is not None:
        facts.append(Fact("area", "Area covered", area(covered)))
    crs = report.get("crs")
    if isinstance(crs, str) and crs:
        facts.append(Fact("crs", "Coordinate system", crs_label(crs)))

    relative_value, relative_sentence = _relative(report)
    if relative_value:
        facts.append(Fact("relative", "Relative accuracy (photos against each other)", relative_value))
    basis, position_value, position_sentence = _position(report)
    facts.append(Fact("position", "Position on the ground", position_value))

    dropped = []
    raw_dropped = report.get("photos_dropped")
    for item in raw_dropped if isinstance(raw_dropped, list) else []:
        if isinstance(item, dict):
            dropped.append(DroppedRow(str(item.get("name") or "(unnamed)"), str(item.get("reason") or "not given")))
        else:
            dropped.append(DroppedRow(str(item), "not given"))

    summary = "; ".join(s for s in (relative_sentence, position_sentence) if s)
    return OrthoQuality(ENGINE, summary[:1].upper() + summary[1:] + ".", facts=facts,
                        warnings=_warnings(report.get("warnings")), dropped=dropped, position_basis=basis)


def _relative(report: dict) -> tuple[str, str]:
    metres, pixels = number(report.get("residual_rms_m")), number(report.get("residual_rms_px"))
    if metres is None:
        return "", ""
    px = f" ({pixels:.1f} px)" if pixels is not None else ""
    return (f"{length(metres)} RMS{px}",
            f"photos agree with each other to {length(metres)}{px}, so distances and shapes measured within the "
            "map are good to about that")


def _position(report: dict) -> tuple[str, str, str]:
    """(basis, the figures, the plain-words sentence) for where the map sits on the ground."""
    gps, median = number(report.get("gps_rms_m")), number(report.get("gps_median_m"))
    gcp = number(report.get("gcp_rms_m"))
    gps_text = ""
    if gps is not None:
        gps_text = f"{length(gps)} RMS" + (f" (median {length(median)})" if median is not None else "")
    if gcp is not None:
        value = f"{length(gcp)} RMS at the ground control points"
        sentence = (f"the map is fixed on the ground by ground control points, which it matches to {length(gcp)} "
                    "RMS")
        if gps_text:
            value += f"; camera GPS vs photos {gps_text}"
            sentence += f" (the camera GPS alone disagrees with the photos by {gps_text})"
        return "gcps", value, sentence
    if gps is None:
        return ("gps", "not recorded",
                "the report does not say how well the camera GPS agrees with the photos, so the map's position on "
                "the ground is unknown")
    value = f"camera GPS vs photos {gps_text}"
    sentence = f"camera GPS disagrees with the photos by {gps_text}"
    lag, corrected = number(report.get("gps_lag_s")), number(report.get("gps_rms_lag_corrected_m"))
    if lag and corrected is not None:  # 0: no lag helped; None: no time stamps
        value += f"; {length(corrected)} RMS once a {seconds(lag)} GPS timing offset is allowed for"
        sentence += (f", or {length(corrected)} RMS once a {seconds(lag)} timing offset between camera and GPS "
                     "is allowed for")
    return "gps", value, sentence + ", so the map's position on the ground is only as good as that"


def _warnings(raw: Any) -> list[str]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        return []
    return [str(w).strip() for w in raw if str(w).strip()]


def _delivered(facts: dict) -> OrthoQuality:
    shown = [Fact("source", "Source", "The contractor's own orthomosaic, delivered as a GeoTIFF")]
    crs = facts.get("crs") if isinstance(facts.get("crs"), str) else ""
    if crs:
        shown.append(Fact("crs", "Coordinate system", crs_label(crs)))
    metres_per_unit = _crs_info(crs)[1] if crs else None
    resolution = facts.get("resolution")
    res = [number(v) for v in resolution] if isinstance(resolution, list) and len(resolution) == 2 else []
    if res and None not in res:
        rx, ry = abs(res[0]), abs(res[1])
        if metres_per_unit is not None:
            x, y = length(rx * metres_per_unit), length(ry * metres_per_unit)
            shown.append(Fact("gsd", "Map pixel size on the ground", x if x == y else f"{x} × {y}"))
        else:
            shown.append(Fact("gsd", "Pixel size", f"{rx:.3g} × {ry:.3g} (units of the coordinate system)"))
    width, height = number(facts.get("width")), number(facts.get("height"))
    if width is not None and height is not None:
        shown.append(Fact("size", "Size", f"{width:,.0f} × {height:,.0f} pixels"))
        if res and None not in res and metres_per_unit is not None:
            w_m = width * abs(res[0]) * metres_per_unit
            h_m = height * abs(res[1]) * metres_per_unit
            shown.append(Fact("extent", "Extent on the ground",
                              f"{length(w_m)} × {length(h_m)} ({area(w_m * h_m)}, including any empty margin)"))
    count = number(facts.get("count"))
    if count is not None:
        bands = f"{count:.0f}"
        if isinstance(facts.get("colorinterp"), list) and facts["colorinterp"]:
            bands += f" ({', '.join(str(c) for c in facts['colorinterp'])})"
        shown.append(Fact("bands", "Bands", bands))
    return OrthoQuality(
        DELIVERED,
        "This is the contractor's own orthomosaic, shown as delivered after a check that it is a readable, "
        "georeferenced GeoTIFF.",
        facts=shown,
        not_available="Photo alignment and camera GPS figures are not available for it: the contractor built it "
                      "with their own software. Ask them for their processing report if you need to know how "
                      "accurate it is.",
    )
