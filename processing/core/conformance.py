"""Does a delivery match its approved flight? Place, time, height, coverage and deliverables, each with a status.

Pure: the caller passes the captures (ImageryInfo or their stored `to_json()` dicts), the approved flight and the
time zone in which to read camera clocks that carry none. A failing check makes `passed` false: the delivery must
be flagged for review. An `unknown` check does not fail, but `needs_review` is true so it is never silently accepted.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import shapely
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from .footprint import local_transformers
from .metadata import ImageryInfo

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"

# What satisfies each requested deliverable code (booking.FlightRequest.deliverables) among asset kinds.
DELIVERABLE_KINDS: dict[str, set[str]] = {
    "photos": {"photo"},
    "video": {"video"},
    "orthomosaic": {"orthophoto"},
    "thermal": {"thermal_photo"},
    "elevation": {"elevation"},
    "point_cloud": {"point_cloud"},
    "flight_log": {"flight_log"},
    "report": set(),  # a document: kind "other" in a document format, see _REPORT_FORMATS
}
_REPORT_FORMATS = {"pdf"}


@dataclass(frozen=True)
class ApprovedFlight:
    area: Mapping[str, Any]  # GeoJSON Polygon or MultiPolygon, WGS84
    window_start: datetime  # aware
    window_end: datetime  # aware
    max_height_m: float | None = None
    deliverables: Sequence[str] = ()
    timezone: str = "Europe/London"  # for camera clocks without a zone
    ground_elevation_m: float | None = None  # for photos with only an absolute altitude


@dataclass(frozen=True)
class ConformanceOptions:
    buffer_m: float = 50.0
    height_tolerance_m: float = 5.0
    time_tolerance_s: float = 0.0
    min_coverage: float = 0.9
    max_outside_share: float = 0.0  # share of located captures allowed outside the buffered area


@dataclass
class CheckResult:
    name: str
    status: str  # pass / fail / unknown
    message: str
    numbers: dict[str, Any] = field(default_factory=dict)


@dataclass
class ConformanceReport:
    checks: list[CheckResult]
    passed: bool
    needs_review: bool
    capture_count: int
    summary: str

    def check(self, name: str) -> CheckResult:
        return next(c for c in self.checks if c.name == name)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _project(geom: Any, transformer: Any) -> Any:
    return shapely.transform(geom, lambda x, y: transformer.transform(x, y), interleaved=False)


def _as_info(capture: ImageryInfo | Mapping[str, Any]) -> ImageryInfo:
    return capture if isinstance(capture, ImageryInfo) else ImageryInfo.from_json(capture)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"timezone: unknown time zone {name!r}") from exc


def _check_location(infos: list[ImageryInfo], area_utm: Any, to_utm: Any, opts: ConformanceOptions) -> CheckResult:
    located = [i for i in infos if i.has_location and i.kind not in ("orthophoto", "elevation")]
    missing = sum(1 for i in infos if not i.has_location and i.kind in ("photo", "thermal_photo", "video"))
    if not located:
        return CheckResult("location", UNKNOWN, "no capture has a position", {"no_location": missing})
    buffered = area_utm.buffer(opts.buffer_m)
    outside: list[tuple[str, float]] = []
    for info in located:
        point = Point(*to_utm.transform(info.lon, info.lat))
        if not buffered.covers(point):
            outside.append((info.file, area_utm.distance(point)))
    share = len(outside) / len(located)
    max_distance_m = round(max((d for _, d in outside), default=0.0), 1)
    numbers = {
        "located": len(located),
        "inside": len(located) - len(outside),
        "outside": len(outside),
        "no_location": missing,
        "buffer_m": opts.buffer_m,
        "max_distance_m": max_distance_m,
        "outside_files": [f for f, _ in outside[:20]],
    }
    if share > opts.max_outside_share:
        return CheckResult(
            "location",
            FAIL,
            f"{len(outside)} of {len(located)} captures are outside the approved area plus {opts.buffer_m:g} m "
            f"(furthest {_distance_text(max_distance_m)} away)",
            numbers,
        )
    note = f"; {missing} without a position" if missing else ""
    return CheckResult("location", PASS, f"all {len(located)} located captures are inside the approved area "
                                         f"plus {opts.buffer_m:g} m{note}", numbers)


def _check_time(infos: list[ImageryInfo], approved: ApprovedFlight, opts: ConformanceOptions) -> CheckResult:
    zone = _zone(approved.timezone)
    slack = timedelta(seconds=opts.time_tolerance_s)
    start, end = approved.window_start - slack, approved.window_end + slack
    sources: dict[str, int] = {}
    outside: list[str] = []
    naive = 0
    times: list[datetime] = []
    for info in infos:
        if info.captured_at is None:
            continue
        when = info.captured_at
        if when.tzinfo is None:
            naive += 1
            when = when.replace(tzinfo=zone)
        sources[info.time_source or "unknown"] = sources.get(info.time_source or "unknown", 0) + 1
        times.append(when)
        if not start <= when <= end:
            outside.append(info.file)
    if not times:
        return CheckResult("time", UNKNOWN, "no capture has a capture time", {"timed": 0})
    numbers = {
        "timed": len(times),
        "outside": len(outside),
        "earliest": min(times).isoformat(),
        "latest": max(times).isoformat(),
        "window_start": approved.window_start.isoformat(),
        "window_end": approved.window_end.isoformat(),
        "time_sources": sources,
        "naive_interpreted_in": approved.timezone if naive else None,
        "naive_count": naive,
        "outside_files": outside[:20],
    }
    how = ", ".join(f"{n} by {s}" for s, n in sorted(sources.items()))
    if naive:
        how += f"; {naive} camera clock time(s) without a zone were read as {approved.timezone}"
    if outside:
        return CheckResult("time", FAIL, f"{len(outside)} of {len(times)} captures fall outside the scheduled window "
                                         f"({how})", numbers)
    return CheckResult("time", PASS, f"all {len(times)} timed captures are inside the scheduled window ({how})",
                       numbers)


def _check_stated_height(stated_m: float, approved: ApprovedFlight, opts: ConformanceOptions,
                         unmeasured: int) -> CheckResult:
    """No capture records its height: the contractor's stated flying height is all there is. Over the limit it
    fails (their own word); within it the check stays unknown, because a statement is not a measurement."""
    limit = approved.max_height_m + opts.height_tolerance_m  # type: ignore[operator]
    numbers = {
        "measured": 0,
        "stated_height_m": stated_m,
        "limit_m": approved.max_height_m,
        "tolerance_m": opts.height_tolerance_m,
        "unmeasured": unmeasured,
        "height_sources": {"stated": unmeasured},
    }
    if stated_m > limit:
        return CheckResult("height", FAIL, f"the contractor states a flying height of {stated_m:g} m above ground, over "
                                           f"the {approved.max_height_m:g} m limit", numbers)
    return CheckResult("height", UNKNOWN, f"no capture records its height above ground; the contractor states "
                                          f"{stated_m:g} m, within the {approved.max_height_m:g} m limit (not "
                                          "verified from the files: check the flight log)", numbers)


def _check_height(infos: list[ImageryInfo], approved: ApprovedFlight, opts: ConformanceOptions,
                  stated_height_m: float | None = None) -> CheckResult:
    if approved.max_height_m is None:
        return CheckResult("height", UNKNOWN, "the approval sets no height limit", {})
    heights: list[float] = []
    sources: dict[str, int] = {}
    for info in infos:
        if info.relative_alt_m is not None:
            heights.append(info.relative_alt_m)
            sources["relative_altitude"] = sources.get("relative_altitude", 0) + 1
        elif info.alt_m is not None and approved.ground_elevation_m is not None and info.kind != "orthophoto":
            heights.append(info.alt_m - approved.ground_elevation_m)
            sources["altitude_minus_ground"] = sources.get("altitude_minus_ground", 0) + 1
    aerial = sum(1 for i in infos if i.kind in ("photo", "thermal_photo", "video"))
    if not heights:
        if stated_height_m is not None and aerial:
            return _check_stated_height(float(stated_height_m), approved, opts, aerial)
        return CheckResult("height", UNKNOWN, "no capture records a height above ground (no relative altitude, "
                                              "and no ground elevation to subtract)", {"limit_m": approved.max_height_m})
    limit = approved.max_height_m + opts.height_tolerance_m
    over = [h for h in heights if h > limit]
    numbers = {
        "measured": len(heights),
        "max_m": round(max(heights), 1),
        "median_m": round(statistics.median(heights), 1),
        "limit_m": approved.max_height_m,
        "tolerance_m": opts.height_tolerance_m,
        "over_limit": len(over),
        "height_sources": sources,
        "stated_height_m": stated_height_m,
    }
    if over:
        return CheckResult("height", FAIL, f"{len(over)} captures were taken above {approved.max_height_m:g} m "
                                           f"(+{opts.height_tolerance_m:g} m tolerance); highest "
                                           f"{numbers['max_m']} m", numbers)
    return CheckResult("height", PASS, f"highest capture {numbers['max_m']} m, within the {approved.max_height_m:g} m "
                                       "limit", numbers)


def _check_coverage(infos: list[ImageryInfo], area_utm: Any, to_utm: Any, opts: ConformanceOptions) -> CheckResult:
    polys = []
    for info in infos:
        if info.footprint:
            try:
                geom = shape(info.footprint)
            except (ValueError, TypeError, KeyError, AttributeError):
                continue
            if not geom.is_empty:
                polys.append(_project(geom, to_utm).buffer(0))
    if not polys:
        return CheckResult("coverage", UNKNOWN, "no capture has a ground footprint", {"footprints": 0})
    covered = unary_union(polys).intersection(area_utm)
    share = covered.area / area_utm.area if area_utm.area > 0 else 0.0
    numbers = {
        "footprints": len(polys),
        "area_m2": round(area_utm.area, 1),
        "covered_m2": round(covered.area, 1),
        "coverage": round(share, 4),
        "min_coverage": opts.min_coverage,
    }
    if share < opts.min_coverage:
        return CheckResult("coverage", FAIL, f"footprints cover {share:.0%} of the requested area, below "
                                             f"{opts.min_coverage:.0%}", numbers)
    return CheckResult("coverage", PASS, f"footprints cover {share:.0%} of the requested area", numbers)


def _check_deliverables(infos: list[ImageryInfo], requested: Iterable[str]) -> CheckResult:
    requested = list(dict.fromkeys(requested))
    if not requested:
        return CheckResult("deliverables", PASS, "no deliverables were requested", {"requested": [], "missing": []})
    kinds: dict[str, int] = {}
    for info in infos:
        kinds[info.kind] = kinds.get(info.kind, 0) + 1
    reports = sum(1 for i in infos if i.kind == "other" and i.format in _REPORT_FORMATS)
    missing: list[str] = []
    present: dict[str, int] = {}
    for code in requested:
        if code not in DELIVERABLE_KINDS:
            raise ValueError(f"deliverables: unknown deliverable code {code!r}")
        count = reports if code == "report" else sum(kinds.get(k, 0) for k in DELIVERABLE_KINDS[code])
        if code == "flight_log":
            count += sum(1 for i in infos if i.kind == "video" and i.track)  # SRT telemetry is a flight log
        present[code] = count
        if count == 0:
            missing.append(code)
    numbers = {"requested": requested, "present": present, "missing": missing, "kinds": kinds}
    if missing:
        return CheckResult("deliverables", FAIL, "missing requested deliverables: " + ", ".join(missing), numbers)
    return CheckResult("deliverables", PASS, "every requested deliverable is present", numbers)


def check_conformance(
    captures: Sequence[ImageryInfo | Mapping[str, Any]],
    approved: ApprovedFlight,
    options: ConformanceOptions | None = None,
    *,
    stated_height_m: float | None = None,
) -> ConformanceReport:
    """Check a delivery against its approval. Raises ValueError naming the field for a bad approval.

    `stated_height_m` is the flying height above ground the contractor declared; it is used only when no
    capture records a height itself, and then a height within the limit stays "unknown" (never a pass)."""
    opts = options or ConformanceOptions()
    if stated_height_m is not None and not stated_height_m > 0:
        raise ValueError("stated_height_m: a stated flying height must be a positive number of metres")
    if approved.window_start.tzinfo is None or approved.window_end.tzinfo is None:
        raise ValueError("window_start: the scheduled window must be timezone-aware")
    if approved.window_end < approved.window_start:
        raise ValueError("window_end: the window ends before it starts")
    try:
        area = shape(approved.area)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"area: not a GeoJSON geometry ({exc})") from exc
    if area.is_empty or area.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError("area: the approved area must be a non-empty Polygon or MultiPolygon")
    centre = area.centroid
    to_utm, _ = local_transformers(centre.x, centre.y)
    area_utm = _project(area, to_utm).buffer(0)
    infos = [_as_info(c) for c in captures]
    checks = [
        _check_location(infos, area_utm, to_utm, opts),
        _check_time(infos, approved, opts),
        _check_height(infos, approved, opts, stated_height_m),
        _check_coverage(infos, area_utm, to_utm, opts),
        _check_deliverables(infos, approved.deliverables),
    ]
    failed = [c.name for c in checks if c.status == FAIL]
    unknown = [c.name for c in checks if c.status == UNKNOWN]
    if failed:
        summary = "flag for review: failed " + ", ".join(failed)
    elif unknown:
        summary = "passed, but could not check " + ", ".join(unknown)
    else:
        summary = "conforms to the approved flight"
    return ConformanceReport(checks, not failed, bool(failed or unknown), len(infos), summary)


def _distance_text(metres: float) -> str:
    """Metres as people read them: "340 m", "12.4 km", "9,377 km"."""
    if metres < 1000:
        return f"{metres:.0f} m"
    km = metres / 1000
    return f"{km:.1f} km" if km < 100 else f"{km:,.0f} km"
