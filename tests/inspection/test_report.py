"""The inspection report of a survey of real photos (../shared/data/drone) with marks on the photos and on the
map: the document (pure core), the PDF rendered by WeasyPrint and read back with pdftotext/pdftoppm, the job that
makes versions, and the command. The photos are placed side by side at Oban (British National Grid) and an
orthophoto COG is made from them, so positions have grid references and the overview map has a mosaic."""

from __future__ import annotations

import io
import json
import subprocess
from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from pyproj import Transformer

from inspection.core.errors import InspectionError
from inspection.core.report import (
    Defect,
    EarlierDefect,
    PreviousSurvey,
    SurveyFacts,
    build_report,
    changes_since,
)
from inspection.report_render import render_report
from inspection.selectors import annotation_records, schema_for_survey
from inspection.services import annotation_create
from surveys.models import Survey
from surveys.services import asset_ingest_file
from tests.factories import make_cast
from tests.surveys.helpers import make_delivery

pytestmark = pytest.mark.django_db

PHOTOS = ["IMG_9354.jpg", "IMG_9355.jpg", "IMG_9356.jpg"]
ORIGIN = (185900.0, 729650.0)  # top-left of the first photo's footprint, Oban (EPSG:27700)
FOOT_W, FOOT_H, RES = 80.0, 60.0, 0.25
TO_LONLAT = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def _footprint(i: int) -> list[list[float]]:
    x0, y1 = ORIGIN[0] + i * FOOT_W, ORIGIN[1]
    return [[x0, y1], [x0 + FOOT_W, y1], [x0 + FOOT_W, y1 - FOOT_H], [x0, y1 - FOOT_H]]


def _orthophoto(paths: list[Path]) -> bytes:
    """A GeoTIFF (EPSG:27700, tiled, with overviews) of the photos warped onto their footprints."""
    import rasterio
    from rasterio.transform import from_origin

    cols, rows = int(len(paths) * FOOT_W / RES), int(FOOT_H / RES)
    canvas = np.zeros((rows, cols, 3), np.uint8)
    for i, path in enumerate(paths):
        photo = cv2.imread(str(path))
        h, w = photo.shape[:2]
        dst = np.float32([[(x - ORIGIN[0]) / RES, (ORIGIN[1] - y) / RES] for x, y in _footprint(i)])
        src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        warped = cv2.warpPerspective(photo, cv2.getPerspectiveTransform(src, dst), (cols, rows))
        canvas = np.where(warped.any(axis=2, keepdims=True), warped, canvas)
    buf = io.BytesIO()
    with rasterio.MemoryFile() as mem:
        with mem.open(driver="GTiff", width=cols, height=rows, count=3, dtype="uint8", crs="EPSG:27700",
                      transform=from_origin(ORIGIN[0], ORIGIN[1], RES, RES), tiled=True, blockxsize=256,
                      blockysize=256) as ds:
            ds.write(np.transpose(canvas[:, :, ::-1], (2, 0, 1)))
            ds.build_overviews([2, 4])
        buf.write(mem.read())
    return buf.getvalue()


def oban_survey(cast, shared_data, *, mosaic: bool = True) -> tuple[Survey, dict]:
    survey = make_delivery(cast)
    paths = [shared_data / "drone" / "caliterra-half" / name for name in PHOTOS]
    assets = {p.name: asset_ingest_file(survey=survey, path=p, original_name=p.name).asset for p in paths}
    placed = []
    for i, name in enumerate(PHOTOS):
        fp = _footprint(i)
        placed.append({"name": name, "footprint": fp,
                       "footprint_lonlat": [list(TO_LONLAT.transform(x, y)) for x, y in fp]})
    survey.ortho_report = {"crs": "EPSG:27700", "photos_used": placed, "photos_dropped": []}
    if mosaic:
        survey.orthophoto.save(f"test-{survey.pk}.tif", ContentFile(_orthophoto(paths)), save=False)
    survey.conformance_passed = True
    survey.save()
    return survey, assets


def _levels(survey) -> tuple[dict, list[dict]]:
    doc = schema_for_survey(survey=survey).document
    return doc, sorted(doc["severity"]["levels"], key=lambda lv: lv["rank"])


def _mark(survey, by, doc, level, category, **where):
    extra = {}
    if doc.get("extent"):
        extra["extent"] = (level.get("extents") or [doc["extent"]["levels"][0]["code"]])[-1]
    return annotation_create(survey=survey, by=by, now=timezone.now(), category=category, severity=level["code"],
                             note=f"{category} seen on the inspection", **extra, **where)


def annotate(survey, assets, by) -> list:
    doc, levels = _levels(survey)
    cats = [c["code"] for c in doc["categories"]]
    a0, a1 = assets[PHOTOS[0]], assets[PHOTOS[1]]
    box = {"type": "Polygon", "coordinates": [[[800, 500], [1200, 500], [1200, 800], [800, 800], [800, 500]]]}
    lon, lat = TO_LONLAT.transform(ORIGIN[0] + 200, ORIGIN[1] - 30)
    return [
        _mark(survey, by, doc, levels[-1], cats[0], asset=a0.pk, pixel_geometry=box),
        _mark(survey, by, doc, levels[1], cats[1], asset=a1.pk,
              pixel_geometry={"type": "Point", "coordinates": [300, 1200]}),
        _mark(survey, by, doc, levels[2], cats[2], asset=a1.pk,
              pixel_geometry={"type": "LineString", "coordinates": [[1500, 200], [1700, 600], [1900, 700]]}),
        _mark(survey, by, doc, levels[-2], cats[0], geometry={"type": "Point", "coordinates": [lon, lat]}),
    ]


def _pdf_text(pdf: bytes, tmp_path: Path) -> tuple[str, list[Path]]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / "page")], check=True)
    return text, sorted(tmp_path.glob("page*.png"))


@pytest.fixture
def cast(db):
    return make_cast()


def test_report_of_real_photos_with_marks_on_photos_and_map(cast, shared_data, tmp_path) -> None:
    survey, assets = oban_survey(cast, shared_data)
    annotate(survey, assets, cast.contractor)
    rendered = render_report(survey, version=1, generated_at="2026-12-04T10:00:00+00:00", inspector="inspector")
    doc = rendered.document
    records = {r["id"]: r for r in annotation_records(survey=survey)}
    assert [d["number"] for d in doc["defects"]] == [1, 2, 3, 4]
    ranks = [d["severity_rank"] for d in doc["defects"]]
    assert ranks == sorted(ranks, reverse=True)  # worst first
    for d in doc["defects"]:
        assert d["location"]["bng"] == records[d["annotation_id"]]["bng"] and d["location"]["bng"].startswith("NM ")
    assert sum(doc["summary"]["by_severity"].values()) == 4 == doc["summary"]["total"]
    assert doc["cover"]["contractor"] == cast.supplier.name and doc["cover"]["conformance"] == "passed"
    assert doc["cover"]["request_reference"] == survey.flight_request.reference
    assert doc["changes"] is None  # no earlier survey of the site
    text, pages = _pdf_text(rendered.pdf, tmp_path)
    flat = " ".join(text.split())
    for d in doc["defects"]:
        assert d["category_label"] in flat and f"severity {d['severity']} {d['severity_label']}" in flat
        assert d["location"]["bng"] in flat
    assert "Summary by severity and category" in flat and cast.supplier.name in flat
    assert len(pages) >= 3 and all(p.stat().st_size > 1000 for p in pages)
    assert rendered.html.count('src="data:image/jpeg;base64,') == 1 + 3 + 4  # overview, 3 crops, 4 insets
    assert "<script" not in rendered.html
    assert json.loads(rendered.json_text)["defects"][0]["number"] == 1


def test_crop_draws_the_mark_on_the_original(shared_data) -> None:
    from inspection.core.report_figures import annotated_crop, decode_photo

    photo = decode_photo((shared_data / "drone" / "caliterra-half" / PHOTOS[0]).read_bytes())
    box = {"type": "Polygon", "coordinates": [[[800, 500], [1200, 500], [1200, 800], [800, 800], [800, 500]]]}
    crop = cv2.imdecode(np.frombuffer(annotated_crop(photo, box, colour=(0, 0, 255)), np.uint8), cv2.IMREAD_COLOR)
    assert max(crop.shape[:2]) <= 640
    red = (crop[:, :, 2] > 200) & (crop[:, :, 1] < 80) & (crop[:, :, 0] < 80)
    ys, xs = np.nonzero(red)
    # the box (400 x 300 px of the original, in a crop of 800 x 800 scaled to 640) drawn where it is
    assert abs((xs.max() - xs.min()) - 400 * 0.8) < 12 and abs((ys.max() - ys.min()) - 300 * 0.8) < 12
    with pytest.raises(InspectionError, match="not an image"):
        decode_photo(b"not a photo")


def test_report_without_a_mosaic_still_places_and_crops(cast, shared_data, tmp_path) -> None:
    survey, assets = oban_survey(cast, shared_data, mosaic=False)
    marks = annotate(survey, assets, cast.contractor)
    type(marks[1]).objects.filter(pk=marks[1].pk).update(source="crack-ridge v1")  # as a detector's proposal
    rendered = render_report(survey)
    assert "has no orthomosaic" in rendered.html
    assert rendered.html.count('src="data:image/jpeg;base64,') == 3  # the crops only
    text, _ = _pdf_text(rendered.pdf, tmp_path)
    assert all(d["location"]["bng"] in text for d in rendered.document["defects"])
    assert "proposed by crack-ridge v1, accepted by contractor" in " ".join(text.split())


def test_no_annotations_is_refused(cast, shared_data) -> None:
    survey, _ = oban_survey(cast, shared_data, mosaic=False)
    with pytest.raises(InspectionError, match="no annotations"):
        render_report(survey)


def test_changes_since_the_previous_survey_of_the_site(cast, shared_data) -> None:
    survey, assets = oban_survey(cast, shared_data, mosaic=False)
    marks = annotate(survey, assets, cast.contractor)
    doc, levels = _levels(survey)
    earlier = Survey.objects.create(site=survey.site, supplier=cast.supplier)
    Survey.objects.filter(pk=earlier.pk).update(created_at=survey.created_at - timedelta(days=365))
    lon, lat = marks[3].geometry["coordinates"]
    _mark(earlier, cast.contractor, doc, levels[0], marks[3].category,
          geometry={"type": "Point", "coordinates": [lon + 0.00002, lat]})  # ~1.4 m away, now worse
    _mark(earlier, cast.contractor, doc, levels[0], doc["categories"][3]["code"],
          geometry={"type": "Point", "coordinates": [lon + 0.001, lat]})  # no longer found
    got = render_report(survey).document["changes"]
    assert got["previous_survey"] == earlier.pk
    assert [c["category"] for c in got["worse"]] == [marks[3].category] and got["worse"][0]["moved_m"] < 2
    assert [c["category"] for c in got["gone"]] == [doc["categories"][3]["code"]]
    assert len(got["new"]) == 3
    # the earlier survey belongs to no request: its report has a cover all the same
    cover = render_report(earlier).document["cover"]
    assert cover["request_reference"] is None and cover["pilot"] is None and cover["site"] == survey.site.name


def _facts(**kw) -> SurveyFacts:
    return SurveyFacts(survey_id=1, site="Pier", survey_date="2026-01-01", requesting_service="Harbours",
                       request_reference="R-1", purpose=None, contractor="Sky Ltd", pilot="A Pilot",
                       policy_reference="R-1 check 3: pass", policy_version=2, conformance="passed",
                       severity_levels=(("1", "good", "fine", 1), ("2", "fair", "meh", 2), ("3", "poor", "bad", 3)),
                       **kw)


def _defect(i: int, category: str, rank: int, lat: float | None, lon: float | None, source: str = "") -> Defect:
    return Defect(annotation_id=i, kind="map", category=category, category_label=category.title(),
                  severity=str(rank), severity_label="x", severity_meaning="y", severity_rank=rank, lat=lat,
                  lon=lon, source=source, author="eng")


def test_core_summary_changes_and_provenance() -> None:
    defects = [_defect(1, "crack", 1, 56.4, -5.47), _defect(2, "crack", 3, 56.4001, -5.47, source="crack-ridge v1"),
               _defect(3, "scour", 2, None, None)]
    doc = build_report(_facts(), defects)
    assert [d["annotation_id"] for d in doc["defects"]] == [2, 3, 1]
    assert doc["summary"]["by_severity"] == {"3": 1, "2": 1, "1": 1}
    assert doc["summary"]["rows"][0]["counts"] == {"crack": 1, "scour": 0}
    assert doc["defects"][0]["provenance"] == "proposed by crack-ridge v1, accepted by eng"
    assert doc["unplaced"] == [2]
    numbered = [(n, d) for n, d in enumerate(defects, 1)]
    prev = PreviousSurvey(9, None, (EarlierDefect(7, "crack", "1", 1, 56.40005, -5.47),
                                    EarlierDefect(8, "crack", "2", 2, 56.40011, -5.47)))
    ch = changes_since(numbered, prev, 5.0)  # nearest pairs first: 2<->8 (1.1 m) worse, 1<->7 (5.6 m) too far
    assert [c["number"] for c in ch["worse"]] == [2] and [c["number"] for c in ch["new"]] == [1, 3]
    assert [g["earlier_annotation"] for g in ch["gone"]] == [7]
    with pytest.raises(InspectionError, match="no annotations"):
        build_report(_facts(), [])
    with pytest.raises(InspectionError, match="tolerance"):
        build_report(_facts(), defects, tolerance_m=-1)


def test_command_writes_the_three_files(cast, shared_data, tmp_path) -> None:
    survey, assets = oban_survey(cast, shared_data, mosaic=False)
    annotate(survey, assets, cast.contractor)
    call_command("inspection_report", str(survey.pk), "--out", str(tmp_path / "out"), stdout=io.StringIO())
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert {"number", "category", "severity", "location"} <= set(data["defects"][0])
    assert {"lat", "lon", "bng"} <= set(data["defects"][0]["location"]) and data["summary"]["by_severity"]
    assert (tmp_path / "out" / "report.pdf").read_bytes().startswith(b"%PDF")
    assert "<html" in (tmp_path / "out" / "report.html").read_text()
    with pytest.raises(CommandError, match="no survey 999999"):
        call_command("inspection_report", "999999", "--out", str(tmp_path / "x"))
    empty = make_delivery(cast)
    with pytest.raises(CommandError, match="no annotations"):
        call_command("inspection_report", str(empty.pk), "--out", str(tmp_path / "y"))
    assert not (tmp_path / "y").exists()
