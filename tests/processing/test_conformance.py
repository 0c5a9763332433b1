"""Conformance of real deliveries (DJI H20T thermal, Seneca) against approved flights."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from processing.core.conformance import ApprovedFlight, ConformanceOptions, check_conformance
from processing.core.metadata import ImageryInfo, read_imagery_info


@pytest.fixture(scope="module")
def h20t(shared_data: Path) -> list[ImageryInfo]:
    return [read_imagery_info(p) for p in sorted((shared_data / "thermal/h20t").glob("*.JPG"))]


def _box(infos: list[ImageryInfo], pad_deg: float = 0.0001, shift_deg: float = 0.0) -> dict:
    lats = [i.lat for i in infos]
    lons = [i.lon for i in infos]
    w, e = min(lons) - pad_deg + shift_deg, max(lons) + pad_deg + shift_deg
    s, n = min(lats) - pad_deg, max(lats) + pad_deg
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def _approved(infos: list[ImageryInfo], **kw) -> ApprovedFlight:
    args: dict = {
        "area": _box(infos),
        "window_start": datetime(2022, 6, 2, 12, 0, tzinfo=UTC),  # 14:00-15:00 CEST
        "window_end": datetime(2022, 6, 2, 13, 0, tzinfo=UTC),
        "max_height_m": 100.0,
        "deliverables": ["thermal"],
        "timezone": "Europe/Berlin",
    }
    args.update(kw)
    return ApprovedFlight(**args)


def test_delivery_inside_its_area_on_the_day_passes(h20t: list[ImageryInfo]) -> None:
    report = check_conformance(h20t, _approved(h20t))
    assert report.passed and not report.needs_review, report.summary
    assert [c.status for c in report.checks] == ["pass"] * 5
    assert report.check("location").numbers["inside"] == 16
    time = report.check("time")
    assert time.numbers["time_sources"] == {"xmp_offset": 16} and time.numbers["naive_count"] == 0
    height = report.check("height")
    assert 95.0 <= height.numbers["max_m"] < 95.5
    assert report.check("coverage").numbers["coverage"] > 0.95
    assert report.to_json()["checks"][0]["name"] == "location"


def test_stored_json_works_the_same(h20t: list[ImageryInfo]) -> None:
    report = check_conformance([i.to_json() for i in h20t], _approved(h20t))
    assert report.passed


def test_delivery_from_another_place_fails(h20t: list[ImageryInfo]) -> None:
    elsewhere = _box(h20t, shift_deg=0.05)  # about 3.5 km east
    report = check_conformance(h20t, _approved(h20t, area=elsewhere))
    assert not report.passed and report.needs_review
    location = report.check("location")
    assert location.status == "fail" and location.numbers["outside"] == 16
    assert 3000 < location.numbers["max_distance_m"] < 4000
    assert report.check("coverage").status == "fail"
    assert "location" in report.summary


def test_delivery_from_another_day_fails(h20t: list[ImageryInfo]) -> None:
    day = timedelta(days=1)
    report = check_conformance(h20t, _approved(h20t, window_start=datetime(2022, 6, 3, 12, tzinfo=UTC),
                                               window_end=datetime(2022, 6, 3, 13, tzinfo=UTC)))
    assert not report.passed
    assert report.check("time").status == "fail" and report.check("time").numbers["outside"] == 16
    # the window in local time: 14:00-15:00 CEST is 12:00-13:00 UTC; 13:00-14:00 UTC misses 12:35 UTC
    late = _approved(h20t, window_start=datetime(2022, 6, 2, 13, tzinfo=UTC) - day + day,
                     window_end=datetime(2022, 6, 2, 14, tzinfo=UTC))
    assert check_conformance(h20t, late).check("time").status == "fail"


def test_height_and_deliverables_fail(h20t: list[ImageryInfo]) -> None:
    report = check_conformance(h20t, _approved(h20t, max_height_m=60, deliverables=["thermal", "photos", "report"]))
    height = report.check("height")
    assert height.status == "fail" and height.numbers["over_limit"] == 16
    deliverables = report.check("deliverables")
    assert deliverables.status == "fail" and deliverables.numbers["missing"] == ["photos", "report"]
    tolerant = check_conformance(h20t, _approved(h20t, max_height_m=92),
                                 ConformanceOptions(height_tolerance_m=5))
    assert tolerant.check("height").status == "pass"


def test_naive_camera_times_are_read_in_the_given_zone(shared_data: Path) -> None:
    infos = [read_imagery_info(p, above_ground_m=50) for p in sorted((shared_data / "drone/seneca-half").glob("*.jpg"))[:6]]
    assert all(i.time_source == "exif_local" for i in infos)
    # camera clock 2013-06-04 13:37 local Ohio time (EDT, UTC-4) = 17:37 UTC
    approved = ApprovedFlight(
        area=_box(infos, pad_deg=0.002), window_start=datetime(2013, 6, 4, 17, 0, tzinfo=UTC),
        window_end=datetime(2013, 6, 4, 18, 0, tzinfo=UTC), max_height_m=120, deliverables=["photos"],
        timezone="America/New_York",
    )
    report = check_conformance(infos, approved, ConformanceOptions(min_coverage=0.05))
    assert 0.05 < report.check("coverage").numbers["coverage"] < 1
    time = report.check("time")
    assert time.status == "pass" and time.numbers["naive_interpreted_in"] == "America/New_York"
    assert "read as America/New_York" in time.message
    # read in London time the same clock is 12:37 UTC: outside the window
    wrong_zone = check_conformance(infos, ApprovedFlight(**{**approved.__dict__, "timezone": "Europe/London"}))
    assert wrong_zone.check("time").status == "fail"
    # no relative altitude and no ground elevation: height is unknown, so the delivery needs review
    assert report.check("height").status == "unknown"
    assert report.passed and report.needs_review


def test_bad_approvals_name_the_field(h20t: list[ImageryInfo]) -> None:
    with pytest.raises(ValueError, match="^area:"):
        check_conformance(h20t, _approved(h20t, area={"type": "Point", "coordinates": [0, 0]}))
    with pytest.raises(ValueError, match="^window_start:"):
        check_conformance(h20t, _approved(h20t, window_start=datetime(2022, 6, 2, 12)))
    with pytest.raises(ValueError, match="^timezone:"):
        check_conformance(h20t, _approved(h20t, timezone="Mars/Olympus"))
    with pytest.raises(ValueError, match="^deliverables:"):
        check_conformance(h20t, _approved(h20t, deliverables=["hologram"]))


def test_no_captures_is_unknown_not_pass(h20t: list[ImageryInfo]) -> None:
    report = check_conformance([], _approved(h20t, deliverables=[]))
    assert report.passed and report.needs_review
    assert {c.name: c.status for c in report.checks}["location"] == "unknown"


def _caliterra(shared_data: Path, n: int = 6, **kw) -> list[ImageryInfo]:
    return [read_imagery_info(p, **kw) for p in sorted((shared_data / "drone/caliterra-half").glob("*.jpg"))[:n]]


def _caliterra_approved(infos: list[ImageryInfo], max_height_m: float = 120.0) -> ApprovedFlight:
    # The Caliterra photos: 2014-10-19 18:20:51-18:23:33 UTC (EXIF GPS time).
    return ApprovedFlight(area=_box(infos), window_start=datetime(2014, 10, 19, 18, 0, tzinfo=UTC),
                          window_end=datetime(2014, 10, 19, 19, 0, tzinfo=UTC), max_height_m=max_height_m,
                          deliverables=["photos"], timezone="America/Chicago")


def test_stated_height_is_reported_never_trusted_as_a_pass(shared_data: Path) -> None:
    """Caliterra records no relative altitude: a stated flying height within the limit stays unknown (needs
    review), one over the limit fails, and measured heights (H20T) are never overridden by a statement."""
    infos = _caliterra(shared_data, above_ground_m=80.0)
    assert all(i.footprint_info["height_source"] == "given_above_ground" for i in infos)
    approved = _caliterra_approved(infos)
    plain = check_conformance(infos, approved)
    assert plain.check("height").status == "unknown" and "stated_height_m" not in plain.check("height").numbers
    within = check_conformance(infos, approved, stated_height_m=80.0)
    height = within.check("height")
    assert height.status == "unknown" and height.numbers["stated_height_m"] == 80.0
    assert "states 80 m" in height.message and within.needs_review and within.passed
    assert within.check("coverage").status in ("pass", "fail")  # footprints exist: coverage is measured
    over = check_conformance(infos, _caliterra_approved(infos, max_height_m=60.0), stated_height_m=80.0)
    assert over.check("height").status == "fail" and not over.passed and "over the 60 m limit" in over.check(
        "height").message
    with pytest.raises(ValueError, match="stated_height_m"):
        check_conformance(infos, approved, stated_height_m=-3)


def test_measured_heights_win_over_a_statement(h20t: list[ImageryInfo]) -> None:
    report = check_conformance(h20t, _approved(h20t, max_height_m=60), stated_height_m=30.0)
    height = report.check("height")
    assert height.status == "fail" and height.numbers["height_sources"] == {"relative_altitude": 16}


@pytest.mark.parametrize(("metres", "text"), [(0.4, "0 m"), (340.2, "340 m"), (12_400, "12.4 km"),
                                              (9_376_729.1, "9,377 km")])
def test_distances_read_as_people_write_them(metres, text):
    from processing.core.conformance import _distance_text

    assert _distance_text(metres) == text
