"""Browser: the annotation tool on real photos (../shared/data/drone). A contractor opens the survey's photos on
their Deep Zoom pyramid (tiles, never the whole original), draws a box by keyboard and one with the mouse, picks
category and severity by keys, saves with Enter; the defect appears in the photo's list and on the map where the
photo's placed footprint puts it, coloured by severity; next/previous photo by key; the report made from the
page names the defect. A planner may look but not save."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from inspection.models import Annotation, InspectionReport
from inspection.selectors import schema_for_survey
from inspection.services import ensure_default_schemas
from processing.models import Job
from surveys.services import asset_ingest_file
from tests.factories import PASSWORD, make_cast
from tests.inspection.test_annotations import OBAN, PHOTO, _placed_report
from tests.surveys.helpers import CALITERRA_AREA, make_delivery
from tests.web.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SECOND = "IMG_9355.jpg"


def _survey(shared_data):
    ensure_default_schemas()  # seeded by a migration, which a transactional test's flush removes
    cast = make_cast()
    survey = make_delivery(cast, area=CALITERRA_AREA)
    for name in (PHOTO, SECOND):
        asset_ingest_file(survey=survey, path=shared_data / "drone" / "caliterra-half" / name, original_name=name)
    survey.ortho_report = _placed_report(OBAN, "EPSG:27700")
    survey.save(update_fields=["ortho_report"])
    return cast, survey


def _open(page, live_server, user, survey) -> list[str]:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    login(page, live_server.url, user.username, PASSWORD)
    page.goto(f"{live_server.url}/surveys/{survey.pk}/annotate/")
    page.wait_for_function("document.getElementById('photo-viewer').dataset.ready === '1'", timeout=30000)
    return requested


@pytest.mark.django_db(transaction=True)
def test_mark_a_defect_by_keyboard_and_see_it_on_the_map_and_in_the_report(page, live_server, shared_data):
    cast, survey = _survey(shared_data)
    document = schema_for_survey(survey=survey).document
    levels = sorted(document["severity"]["levels"], key=lambda lv: lv["rank"])
    requested = _open(page, live_server, cast.contractor, survey)

    assert page.locator("#photo-name").inner_text() == PHOTO
    assert "photo 1 of 2" in page.locator("#photo-position").inner_text()
    tiles = [u for u in requested if "/deepzoom_files/" in u]
    assert tiles, "the photo is shown from its pyramid's tiles"
    assert not any("/download/" in u for u in requested), "the original is never loaded whole"

    page.keyboard.press("b")
    assert "Polygon drawn" in page.locator("#shape-state").inner_text()
    assert page.locator("#photo-viewer polygon.mark-draft").count() == 1  # the draft, dashed, on the photo
    page.keyboard.press("2")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.locator("#ann-category").input_value() == document["categories"][1]["code"]
    assert page.locator("#ann-severity").input_value() == levels[2]["code"]
    assert levels[2]["meaning"][:20] in page.locator("#severity-meaning").inner_text()
    assert page.locator("#extent-row").is_visible() == bool(document.get("extent"))
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('save-status').textContent.startsWith('Saved')")
    assert "NM " in page.locator("#save-status").inner_text()  # a British National Grid reference at Oban

    mark = Annotation.objects.get(survey=survey)
    assert mark.author == cast.contractor and mark.asset.original_name == PHOTO
    assert mark.category == document["categories"][1]["code"] and mark.severity == levels[2]["code"]
    ring = mark.pixel_geometry["coordinates"][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    assert 0 <= min(xs) < max(xs) <= 2000 and 0 <= min(ys) < max(ys) <= 1500
    # centred in the view: the box surrounds the photo's centre (the whole photo is in view on opening)
    assert min(xs) < 1000 < max(xs) and min(ys) < 750 < max(ys)

    page.wait_for_function("document.getElementById('defect-map').dataset.count === '1'")
    assert page.locator(f"#defect-map path.defect-marker.severity-rank-{levels[2]['rank']}").count() == 1
    assert page.locator("#photo-annotations li").count() == 1
    # on the photo: the saved mark in its severity's colour, where it is (inside the viewer), the draft gone
    saved = page.locator("#photo-viewer polygon.mark-saved")
    page.wait_for_function("document.querySelectorAll('#photo-viewer polygon.mark-saved').length === 1")
    assert page.locator("#photo-viewer polygon.mark-draft").count() == 0
    assert saved.get_attribute("stroke") == page.locator(
        f"#defect-map path.defect-marker.severity-rank-{levels[2]['rank']}").get_attribute("fill")
    shown, frame = saved.bounding_box(), page.locator("#photo-viewer").bounding_box()
    assert frame["x"] < shown["x"] < shown["x"] + shown["width"] < frame["x"] + frame["width"]
    # the gallery of marked photos shows this one, drawn by the server; the download link is offered
    page.wait_for_function("(() => { const i = document.querySelector('#marked-gallery img');"
                           " return i && i.complete && i.naturalWidth === 480; })()")
    assert page.locator("#marked-gallery li").count() == 1
    assert page.locator("#marked-download").is_visible()

    # a second box drawn with the mouse (Annotorious), saved with the worst severity
    box = page.locator("#photo-viewer").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.3, steps=8)
    page.mouse.up()
    page.wait_for_function("document.getElementById('shape-state').textContent.includes('drawn (drawn)')")
    for _ in levels:
        page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('defect-map').dataset.count === '2'")
    worst = Annotation.objects.filter(survey=survey).latest("id")
    assert worst.severity == levels[-1]["code"]
    wx = [p[0] for p in worst.pixel_geometry["coordinates"][0]]
    assert max(wx) < 1000  # in the left part of the photo, where it was drawn

    # next and previous photo
    page.keyboard.press("n")
    page.wait_for_function(f"document.getElementById('photo-name').textContent === '{SECOND}'")
    page.wait_for_function("document.querySelectorAll('#photo-annotations li').length === 0")
    page.keyboard.press("p")
    page.wait_for_function(f"document.getElementById('photo-name').textContent === '{PHOTO}'")
    page.wait_for_function("document.querySelectorAll('#photo-annotations li').length === 2")

    # the report, made from the page and run by the job engine, names both defects
    page.locator("#make-report").click()
    page.wait_for_function("document.getElementById('report-status').dataset.job")
    job = Job.objects.get(pk=int(page.locator("#report-status").get_attribute("data-job")))
    call_command("run_jobs", "--burst", "--quiet")
    job.refresh_from_db()
    assert job.state == "succeeded", job.error
    report = InspectionReport.objects.get(survey=survey)
    assert report.defect_count == 2
    with report.json_file.open("rb") as fh:
        defects = __import__("json").load(fh)["defects"]
    assert {(d["category"], d["severity"]) for d in defects} == {
        (mark.category, mark.severity), (worst.category, worst.severity)}
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_a_planner_looks_but_cannot_save(page, live_server, shared_data):
    cast, survey = _survey(shared_data)
    _open(page, live_server, cast.planner, survey)
    assert page.locator("#ann-save").is_disabled()
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    assert "may read" in page.locator("#save-status").inner_text()
    assert Annotation.objects.count() == 0
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_accept_and_reject_detector_candidates_by_key(page, live_server, shared_data):
    import io
    import json

    from detection.models import Candidate, CandidateStatus
    from processing import services as processing

    cast, survey = _survey(shared_data)
    processing.enqueue_job(kind="detect_cracks", survey=survey)
    call_command("run_jobs", "--burst", "--quiet", stdout=io.StringIO())
    photo = survey.assets.get(original_name=PHOTO)
    proposed = Candidate.objects.filter(survey=survey, asset=photo).count()
    assert proposed >= 2, "the crack detector should propose candidates on this photo"
    best, runner_up = Candidate.objects.filter(survey=survey, asset=photo).order_by("-score")[:2]

    _open(page, live_server, cast.contractor, survey)
    page.wait_for_function(f"document.querySelectorAll('#candidate-panel li[data-candidate]').length === {proposed}")
    assert page.locator("#candidate-panel li[aria-selected=true]").get_attribute("data-candidate") == str(best.pk)
    page.keyboard.press("a")
    page.wait_for_function("document.querySelector('[data-candidate-status]').textContent.startsWith('Accepted')")
    page.wait_for_function("document.getElementById('defect-map').dataset.count === '1'")
    accepted = Annotation.objects.get(survey=survey)
    assert accepted.source == "crack-blackhat v1" and accepted.pixel_geometry == best.pixel_geometry
    page.wait_for_function(
        f"document.querySelectorAll('#candidate-panel li[data-candidate]').length === {proposed - 1}")
    page.keyboard.press("r")
    page.wait_for_function("document.querySelector('[data-candidate-status]').textContent.startsWith('Rejected')")
    runner_up.refresh_from_db()
    assert runner_up.status == CandidateStatus.REJECTED and runner_up.reviewed_by == cast.contractor
    assert Annotation.objects.filter(survey=survey).count() == 1  # a rejection makes no annotation

    # the accepted candidate is in the report, with the detector named
    page.locator("#make-report").click()
    page.wait_for_function("document.getElementById('report-status').dataset.job")
    call_command("run_jobs", "--burst", "--quiet", stdout=io.StringIO())
    report = InspectionReport.objects.get(survey=survey)
    with report.json_file.open("rb") as fh:
        content = json.load(fh)
    assert "proposed by crack-blackhat v1" in json.dumps(content)
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_mark_defects_on_the_map_by_keyboard_and_with_the_drawing_tools(page, live_server, shared_data):
    cast, survey = _survey(shared_data)
    _open(page, live_server, cast.contractor, survey)
    page.wait_for_function("document.getElementById('defect-count').textContent !== ''")

    page.locator("#defect-map").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # Leaflet pans the map; the severity stays as it is
    severity = page.locator("#ann-severity").input_value()
    page.keyboard.press("k")
    assert "placed at the map's centre" in page.locator("#shape-state").inner_text()
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('defect-map').dataset.count === '1'")
    mark = Annotation.objects.get(survey=survey)
    assert mark.kind == "map" and mark.asset_id is None and mark.geometry["type"] == "Point"
    assert mark.severity == severity
    lon, lat = mark.geometry["coordinates"]
    assert -7 < lon < -4 and 55 < lat < 58  # near Oban, where the map opened (no defect was placed before)

    # the polygon tool of the drawing toolbar, by mouse
    page.locator("#defect-map .leaflet-draw-draw-polygon").click()
    box = page.locator("#defect-map").bounding_box()
    points = [(0.3, 0.3), (0.6, 0.3), (0.5, 0.7)]
    for fx, fy in [*points, points[0]]:  # back on the first corner closes the polygon
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy, steps=5)
        page.mouse.down()
        page.mouse.up()
        page.wait_for_timeout(150)
    page.wait_for_function("document.getElementById('defect-map').dataset.shape === 'Polygon'")
    page.locator("#ann-save").click()
    page.wait_for_function("document.getElementById('defect-map').dataset.count === '2'")
    polygon = Annotation.objects.filter(survey=survey).latest("id")
    assert polygon.kind == "map" and polygon.geometry["type"] == "Polygon"
    assert len(polygon.geometry["coordinates"][0]) == 4  # three corners, closed
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_a_roads_defect_is_categorised_by_impact_and_probability(page, live_server, shared_data):
    from booking.models import FlightRequest, Organisation

    cast, survey = _survey(shared_data)
    roads, _ = Organisation.objects.get_or_create(name="Roads", defaults={"kind": "service"})
    FlightRequest.objects.filter(pk=survey.flight_request_id).update(organisation=roads)
    _open(page, live_server, cast.policy_officer, survey)
    assert page.locator("#risk-row").is_visible()
    page.keyboard.press("b")
    page.select_option("#ann-impact", "4")
    page.select_option("#ann-probability", "3")
    assert page.locator("#ann-severity").is_disabled()
    assert page.locator("#ann-severity").input_value() == "cat1"  # 4 x 3 = 12: Category 1
    assert "= 12" in page.locator("#risk-result").inner_text()
    page.locator("#ann-save").click()
    page.wait_for_function("document.getElementById('save-status').textContent.startsWith('Saved')")
    mark = Annotation.objects.get(survey=survey)
    assert (mark.risk_impact, mark.risk_probability, mark.severity) == (4, 3, "cat1")
    assert not page.locator("#ann-severity").is_disabled()  # the form is ready for the next defect
    assert page.js_errors == []
