"""The content of an inspection report, from plain facts: pure, no Django, no files.

`build_report(facts, defects, previous=...)` returns the report document (a JSON-ready dict) that the HTML, PDF
and JSON forms all show: the cover (site, date, requesting service, contractor, pilot, policy decision and
conformance), the defects numbered in order of severity (worst first), a summary table by severity and category,
and the changes since the previous survey of the same site (defects new, gone or worse, matched by category and
position within `tolerance_m`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import InspectionError

#: the format of the report document; a change of its shape changes this
REPORT_FORMAT = "inspection-report/1"
DEFAULT_TOLERANCE_M = 5.0
_EARTH_RADIUS_M = 6371008.8


@dataclass(frozen=True)
class SurveyFacts:
    survey_id: int
    site: str
    survey_date: str | None  # ISO date of the flight (or delivery)
    requesting_service: str | None
    request_reference: str | None
    purpose: str | None
    contractor: str | None
    pilot: str | None
    policy_reference: str | None  # the decision: e.g. "check 12 (submission): pass"
    policy_version: int | None
    conformance: str | None  # "passed", "failed" or None (not checked)
    conformance_findings: tuple[str, ...] = ()
    schema_family: str = ""
    schema_title: str = ""
    schema_version: int = 0
    schema_source: str = ""
    severity_scale: str = ""
    severity_levels: tuple[tuple[str, str, str, int], ...] = ()  # (code, label, meaning, rank)


@dataclass(frozen=True)
class Defect:
    annotation_id: int
    kind: str  # "photo" / "map"
    category: str
    category_label: str
    severity: str
    severity_label: str
    severity_meaning: str
    severity_rank: int
    extent: str = ""
    extent_meaning: str = ""
    note: str = ""
    photo: str | None = None
    pixel_geometry: dict[str, Any] | None = None
    lat: float | None = None
    lon: float | None = None
    easting: float | None = None
    northing: float | None = None
    bng: str | None = None
    basis: str | None = None  # how the position was found: map / mosaic / pose
    author: str | None = None
    source: str = ""  # the detector that proposed it; blank when drawn by a person
    recorded_at: str | None = None


@dataclass(frozen=True)
class EarlierDefect:
    """A defect of the previous survey of the site, for the changes section."""

    annotation_id: int
    category: str
    severity: str
    severity_rank: int
    lat: float | None
    lon: float | None
    bng: str | None = None


@dataclass(frozen=True)
class PreviousSurvey:
    survey_id: int
    survey_date: str | None
    defects: tuple[EarlierDefect, ...] = field(default_factory=tuple)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _ordered(defects: Sequence[Defect]) -> list[Defect]:
    return sorted(defects, key=lambda d: (-d.severity_rank, d.category, d.annotation_id))


def _summary(facts: SurveyFacts, defects: Sequence[Defect]) -> dict[str, Any]:
    levels = sorted(facts.severity_levels, key=lambda lv: -lv[3])
    known = {lv[0] for lv in levels}
    extra = sorted({d.severity for d in defects} - known)  # from an older schema version
    rows_order = [(lv[0], lv[1]) for lv in levels] + [(code, code) for code in extra]
    categories = sorted({d.category for d in defects})
    labels = {d.category: d.category_label for d in defects}
    by_severity = {code: sum(1 for d in defects if d.severity == code) for code, _ in rows_order}
    rows = []
    for code, label in rows_order:
        counts = {c: sum(1 for d in defects if d.severity == code and d.category == c) for c in categories}
        rows.append({"severity": code, "label": label, "counts": counts, "total": by_severity[code]})
    return {"by_severity": by_severity,
            "by_category": {c: sum(1 for d in defects if d.category == c) for c in categories},
            "categories": [{"code": c, "label": labels[c]} for c in categories],
            "rows": rows, "total": len(defects)}


def changes_since(defects: Sequence[tuple[int, Defect]], previous: PreviousSurvey,
                  tolerance_m: float) -> dict[str, Any]:
    """Match this survey's numbered defects to the previous survey's by category and position (nearest pair
    first, within `tolerance_m`); unmatched now = new, unmatched then = gone, matched with a higher severity
    rank = worse. A defect without a position matches nothing."""
    pairs: list[tuple[float, int, int]] = []
    for i, (_, d) in enumerate(defects):
        for j, e in enumerate(previous.defects):
            if d.category != e.category or d.lat is None or d.lon is None or e.lat is None or e.lon is None:
                continue
            dist = distance_m(d.lat, d.lon, e.lat, e.lon)
            if dist <= tolerance_m:
                pairs.append((dist, i, j))
    pairs.sort()
    now_used: dict[int, tuple[int, float]] = {}
    then_used: set[int] = set()
    for dist, i, j in pairs:
        if i in now_used or j in then_used:
            continue
        now_used[i] = (j, dist)
        then_used.add(j)
    new: list[dict[str, Any]] = []
    worse: list[dict[str, Any]] = []
    better: list[dict[str, Any]] = []
    same: list[dict[str, Any]] = []
    for i, (number, d) in enumerate(defects):
        if i not in now_used:
            new.append({"number": number, "category": d.category, "severity": d.severity, "bng": d.bng})
            continue
        j, dist = now_used[i]
        e = previous.defects[j]
        entry = {"number": number, "category": d.category, "severity": d.severity, "was": e.severity,
                 "moved_m": round(dist, 2), "earlier_annotation": e.annotation_id, "bng": d.bng}
        (worse if d.severity_rank > e.severity_rank else better if d.severity_rank < e.severity_rank
         else same).append(entry)
    gone = [{"category": e.category, "severity": e.severity, "bng": e.bng, "earlier_annotation": e.annotation_id}
            for j, e in enumerate(previous.defects) if j not in then_used]
    return {"previous_survey": previous.survey_id, "previous_date": previous.survey_date,
            "tolerance_m": tolerance_m, "new": new, "gone": gone, "worse": worse, "better": better,
            "unchanged": same}


def build_report(facts: SurveyFacts, defects: Sequence[Defect], *, previous: PreviousSurvey | None = None,
                 tolerance_m: float = DEFAULT_TOLERANCE_M, generated_at: str | None = None,
                 version: int | None = None) -> dict[str, Any]:
    """The report document. Refuses a survey without defects (nothing to report)."""
    if not defects:
        raise InspectionError("annotations", f"survey {facts.survey_id} has no annotations to report")
    if not (tolerance_m > 0 and math.isfinite(tolerance_m)):
        raise InspectionError("tolerance_m", "must be a positive number of metres")
    numbered = list(enumerate(_ordered(defects), start=1))
    items = []
    for number, d in numbered:
        item = asdict(d)
        item["number"] = number
        item["location"] = ({"lat": d.lat, "lon": d.lon, "easting": d.easting, "northing": d.northing,
                             "bng": d.bng, "basis": d.basis} if d.lat is not None and d.lon is not None else None)
        for key in ("lat", "lon", "easting", "northing", "bng", "basis"):
            item.pop(key)
        item["provenance"] = (f"proposed by {d.source}, accepted by {d.author or 'unknown'}" if d.source
                              else f"recorded by {d.author or 'unknown'}")
        items.append(item)
    cover = asdict(facts)
    cover["severity_levels"] = [{"code": c, "label": lab, "meaning": m, "rank": r}
                                for c, lab, m, r in facts.severity_levels]
    cover["conformance_findings"] = list(facts.conformance_findings)
    return {"format": REPORT_FORMAT, "version": version, "generated_at": generated_at, "cover": cover,
            "defects": items, "summary": _summary(facts, defects),
            "changes": changes_since(numbered, previous, tolerance_m) if previous is not None else None,
            "unplaced": [n for n, d in numbered if d.lat is None]}
