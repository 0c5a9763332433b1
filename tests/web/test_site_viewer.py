"""Browser: the site viewer (templates/viewer/site.html, static/js/site_viewer.js) on a site with two processed
surveys whose maps are a real COG (the Pix4D Bali sample, as in tests/viewer): the timeline moves the map, the
before/after swipe clips the "after" tiles, side by side shows two maps moving together, the cursor shows a
British National Grid reference (checked against PROJ through pyproj), lengths and areas measure as pyproj's
geodesics do, the defects filter by category and severity, the height profile and volume of an elevation model
(an analytic cone), the page at 390 px and by keyboard, and axe-core finds nothing serious."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from django.utils import timezone
from pyproj import Geod, Transformer

from surveys.models import Survey
from tests.factories import PASSWORD, make_cast
from tests.surveys.helpers import make_delivery
from tests.viewer.conftest import bali_cog, with_map  # noqa: F401  (bali_cog: the session fixture, used here)
from tests.web.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db(transaction=True)]

WGS84 = Geod(ellps="WGS84")
TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)
TO_WGS = Transformer.from_crs(27700, 4326, always_xy=True)


def _map_bounds(survey: Survey) -> tuple[float, float, float, float]:
    from processing.selectors import orthophoto_source

    return orthophoto_source(survey.orthophoto.name).bounds_wgs84


@pytest.fixture
def world(bali_cog):  # noqa: F811
    """A site with two processed surveys (400 and 20 days ago) and three defects on the newer one (the cast's
    service is Estates: the buildings schema, condition grades A-D)."""
    from inspection.services import annotation_create, ensure_default_schemas

    ensure_default_schemas()  # seeded by a migration, but a live-server test flushes the tables after each test
    cast = make_cast()
    now = timezone.now()
    first = with_map(make_delivery(cast, start=now - timedelta(days=400)), bali_cog)
    second = make_delivery(cast, start=now - timedelta(days=20))
    Survey.objects.filter(pk=second.pk).update(site=first.site)
    second.refresh_from_db()
    with_map(second, bali_cog)
    w, s, e, n = _map_bounds(second)
    cx, cy = (w + e) / 2, (s + n) / 2
    dx, dy = (e - w) / 8, (n - s) / 8
    for category, severity, (x, y) in (("moisture", "D", (cx, cy)), ("gutters", "B", (cx + dx, cy)),
                                       ("moisture", "A", (cx, cy + dy))):
        annotation_create(survey=second, by=cast.policy_officer, now=now, category=category, severity=severity,
                          geometry={"type": "Point", "coordinates": [x, y]})
    return SimpleNamespace(cast=cast, site=first.site, first=first, second=second)


def open_site(page, live_server, world, width: int | None = None) -> None:
    if width:
        page.set_viewport_size({"width": width, "height": 844})
    login(page, live_server.url, world.cast.planner.username, PASSWORD)
    response = page.goto(f"{live_server.url}/sites/{world.site.pk}/")
    assert response is not None and response.status == 200
    page.wait_for_function("window.siteViewer && document.getElementById('site-map').dataset.survey")


def tiles_loaded(page, survey_id: int, selector: str = "#site-map") -> None:
    page.wait_for_function(
        """([sel, id]) => [...document.querySelectorAll(sel + ' img.leaflet-tile-loaded')]
             .some(img => img.src.includes('/surveys/' + id + '/'))""", arg=[selector, survey_id])


def tile_surveys(page, selector: str = "#site-map", pane: str | None = None) -> set[str]:
    return set(page.evaluate(
        """([sel, pane]) => [...document.querySelectorAll(sel + (pane ? ' .leaflet-' + pane + '-pane' : '') +
                                                         ' img.leaflet-tile')]
             .map(img => (img.src.match(/\\/surveys\\/(\\d+)\\//) || [])[1]).filter(Boolean)""", [selector, pane]))


def click_at(page, lat: float, lon: float, selector: str = "#site-map") -> None:
    """A real mouse click where (lat, lon) is on the map (scrolled into view first)."""
    page.evaluate("sel => document.querySelector(sel).scrollIntoView({block: 'nearest'})", selector)
    x, y = page.evaluate(
        """([sel, lat, lon]) => {
             const map = sel === '#site-map' ? siteViewer.map : siteViewer.map2;
             const p = map.latLngToContainerPoint([lat, lon]);
             const r = document.querySelector(sel).getBoundingClientRect();
             return [r.left + p.x, r.top + p.y]; }""", [selector, lat, lon])
    page.mouse.click(x, y)


def test_the_timeline_moves_the_map_between_the_surveys(page, live_server, world):
    open_site(page, live_server, world)
    newer = page.locator(f".timeline-item[data-survey='{world.second.pk}']")
    older = page.locator(f".timeline-item[data-survey='{world.first.pk}']")
    assert newer.get_attribute("aria-pressed") == "true" and older.get_attribute("aria-pressed") == "false"
    tiles_loaded(page, world.second.pk)
    assert tile_surveys(page) == {str(world.second.pk)}

    older.click()
    tiles_loaded(page, world.first.pk)
    page.wait_for_function(f"!document.querySelector('#site-map img.leaflet-tile[src*=\"/surveys/{world.second.pk}/\"]')")
    assert tile_surveys(page) == {str(world.first.pk)}
    assert older.get_attribute("aria-pressed") == "true" and newer.get_attribute("aria-pressed") == "false"
    assert f"survey #{world.first.pk}" in page.locator("#map-caption").inner_text()
    # the map frames that survey's map
    w, s, e, n = _map_bounds(world.first)
    centre = page.evaluate("(() => { const c = siteViewer.map.getCenter(); return [c.lng, c.lat]; })()")
    assert w < centre[0] < e and s < centre[1] < n
    assert page.js_errors == []


def _clip_edge(page) -> float:
    """Where the swipe cuts, in page pixels from the map's left edge (from the clip-path the "after" pane has)."""
    return page.evaluate(
        """() => {
             const pane = siteViewer.map.getPane('after');
             const m = /^polygon\\(\\s*(-?[\\d.]+)px/.exec(pane.style.clipPath);
             if (!m) return null;
             return pane.getBoundingClientRect().left + Number(m[1])
               - document.getElementById('site-map').getBoundingClientRect().left; }""")


def test_the_swipe_clips_the_after_survey(page, live_server, world):
    open_site(page, live_server, world)
    assert page.locator("#swipe-control").is_hidden()
    assert _clip_edge(page) is None
    page.get_by_label("Before/after swipe").check()
    assert page.locator("#swipe-control").is_visible()
    tiles_loaded(page, world.first.pk)
    assert tile_surveys(page, pane="before") == {str(world.first.pk)}
    assert tile_surveys(page, pane="after") == {str(world.second.pk)}
    width = page.locator("#site-map").bounding_box()["width"]
    assert _clip_edge(page) == pytest.approx(width * 0.5, abs=1.5)
    assert page.locator("#swipe-line").is_visible()

    page.locator("#swipe").fill("25")
    assert _clip_edge(page) == pytest.approx(width * 0.25, abs=1.5)
    line = page.locator("#swipe-line").bounding_box()
    assert line["x"] - page.locator("#site-map").bounding_box()["x"] == pytest.approx(width * 0.25, abs=3)
    # by keyboard: the slider moves with the arrow keys; the cut follows, also after the map is panned
    page.locator("#swipe").focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    assert _clip_edge(page) == pytest.approx(width * 0.30, abs=1.5)
    page.evaluate("siteViewer.map.panBy([120, 40], {animate: false})")
    assert _clip_edge(page) == pytest.approx(width * 0.30, abs=1.5)

    page.get_by_label("One survey").check()
    assert _clip_edge(page) is None and page.locator("#swipe-line").is_hidden()
    assert page.js_errors == []


def test_side_by_side_shows_two_maps_that_move_together(page, live_server, world):
    open_site(page, live_server, world)
    assert page.locator("#site-map-2").is_hidden()
    page.get_by_label("Side by side").check()
    second = page.locator("#site-map-2")
    second.wait_for(state="visible")
    box1, box2 = page.locator("#site-map").bounding_box(), second.bounding_box()
    assert box2["width"] > 200 and box2["height"] > 200 and box2["x"] >= box1["x"] + box1["width"] - 1
    tiles_loaded(page, world.first.pk, "#site-map")
    tiles_loaded(page, world.second.pk, "#site-map-2")
    assert tile_surveys(page, "#site-map") == {str(world.first.pk)}
    assert tile_surveys(page, "#site-map-2") == {str(world.second.pk)}

    def centres():
        return page.evaluate("""(() => [siteViewer.map, siteViewer.map2].map(m => {
            const c = m.getCenter(); return [c.lat, c.lng, m.getZoom()]; }))()""")

    before = centres()[0]
    page.locator("#site-map").focus()  # by keyboard: arrows pan the map
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("lng => Math.abs(siteViewer.map.getCenter().lng - lng) > 1e-6", arg=before[1])
    page.wait_for_timeout(400)
    one, two = centres()
    assert one[1] != pytest.approx(before[1], abs=1e-7)
    assert two == pytest.approx(one, abs=1e-9)
    # and the other way round, zooming the right-hand map
    second.focus()
    page.keyboard.press("Minus")
    page.wait_for_function("z => siteViewer.map.getZoom() === siteViewer.map2.getZoom() && siteViewer.map2.getZoom() < z",
                           arg=one[2])
    assert page.js_errors == []


def _grid_ref(e: float, n: float) -> str:
    """The OS grid reference, from the Ordnance Survey's layout of the 100 km squares (rows from the south)."""
    rows = ["SV SW SX SY SZ TV TW", "SQ SR SS ST SU TQ TR", "SL SM SN SO SP TL TM", "SF SG SH SJ SK TF TG",
            "SA SB SC SD SE TA TB", "NV NW NX NY NZ OV OW", "NQ NR NS NT NU OQ OR", "NL NM NN NO NP OL OM",
            "NF NG NH NJ NK OF OG", "NA NB NC ND NE OA OB", "HV HW HX HY HZ JV JW", "HQ HR HS HT HU JQ JR",
            "HL HM HN HO HP JL JM"]
    square = rows[int(n // 100_000)].split()[int(e // 100_000)]
    return f"{square} {int(e) % 100_000:05d} {int(n) % 100_000:05d}"


def test_the_cursor_shows_latitude_longitude_and_a_grid_reference(page, live_server, world):
    assert _grid_ref(185940, 729612) == "NM 85940 29612"  # the reference's own check: Oban
    open_site(page, live_server, world)
    assert page.locator(".leaflet-control-scale-line").count() == 1
    scale = page.locator(".leaflet-control-scale-line").inner_text()
    assert scale.endswith((" m", " km")), scale
    # the map over Oban (the Bali sample is outside the grid: checked below)
    page.evaluate("siteViewer.map.setView([56.4158, -5.4730], 17, {animate: false})")
    box = page.locator("#site-map").bounding_box()
    for fx, fy in ((0.5, 0.5), (0.2, 0.7), (0.8, 0.3)):
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        coords = page.locator("#cursor-coords")
        lat, lon = float(coords.get_attribute("data-lat")), float(coords.get_attribute("data-lon"))
        assert abs(lat - 56.4158) < 0.01 and abs(lon + 5.4730) < 0.01
        e, n = TO_BNG.transform(lon, lat)
        assert float(coords.get_attribute("data-easting")) == pytest.approx(e, abs=0.05)
        assert float(coords.get_attribute("data-northing")) == pytest.approx(n, abs=0.05)
        grid = coords.get_attribute("data-grid")
        assert grid == _grid_ref(e, n) and grid.startswith("NM ")
        text = coords.inner_text()
        assert grid in text and f"{lat:.6f}° N" in text and f"{abs(lon):.6f}° W" in text
    # over Bali: latitude/longitude, and no grid reference
    page.evaluate("siteViewer.map.setView([-8.5, 115.2], 16, {animate: false})")
    page.mouse.move(box["x"] + box["width"] / 2 + 3, box["y"] + box["height"] / 2)
    text = page.locator("#cursor-coords").inner_text()
    assert "° S" in text and "outside the British National Grid" in text
    assert page.locator("#cursor-coords").get_attribute("data-grid") is None
    assert page.js_errors == []


def _targets(page, fractions):
    box = page.evaluate("(() => { const b = siteViewer.map.getBounds(); return [b.getWest(), b.getSouth(), "
                        "b.getEast(), b.getNorth()]; })()")
    w, s, e, n = box
    return [(s + (n - s) * fy, w + (e - w) * fx) for fx, fy in fractions]


def _drawn(page):
    return page.evaluate("""(() => { let pts = null; siteViewer.map.eachLayer(l => {
        if (l.options && l.options.className && l.options.className.includes('measure-shape done'))
          pts = (l.getLatLngs()[0].lat === undefined ? l.getLatLngs()[0] : l.getLatLngs()).map(p => [p.lat, p.lng]); });
        return pts; })()""")


def test_measuring_a_length_and_an_area_agrees_with_the_geodesic(page, live_server, world):
    open_site(page, live_server, world)
    page.evaluate("siteViewer.map.setView([56.4158, -5.4730], 15, {animate: false})")
    page.locator("#measure-length").click()
    targets = _targets(page, [(0.15, 0.2), (0.8, 0.3), (0.6, 0.85)])
    for lat, lon in targets:
        click_at(page, lat, lon)
    assert "Length" in page.locator("#measure-result").inner_text()
    page.keyboard.press("Enter")  # the map has focus after the clicks: Enter ends the line
    result = page.locator("#measure-result")
    page.wait_for_function("document.getElementById('measure-result').dataset.metres")
    points = _drawn(page)
    assert len(points) == 3
    for (lat, lon), (plat, plon) in zip(targets, points, strict=True):
        assert WGS84.inv(lon, lat, plon, plat)[2] < 10  # where the mouse clicked (a pixel is 2.6 m here)
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    expected = WGS84.line_length(lons, lats)
    assert expected > 500
    shown = float(result.get_attribute("data-metres"))
    assert shown == pytest.approx(expected, rel=0.01)
    assert shown == pytest.approx(expected, rel=1e-6)  # Vincenty and Karney agree far closer than that
    text = result.inner_text()
    value, unit = text.removeprefix("Length ").split()[:2]
    metres = float(value.replace(",", "")) * (1000 if unit.startswith("km") else 1)
    assert metres == pytest.approx(expected, rel=0.01)

    page.locator("#measure-area").click()
    corners = _targets(page, [(0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8)])
    for lat, lon in corners:
        click_at(page, lat, lon)
    page.locator("#measure-finish").click()
    page.wait_for_function("document.getElementById('measure-result').dataset.squareMetres")
    ring = _drawn(page)
    area, _ = WGS84.polygon_area_perimeter([p[1] for p in ring], [p[0] for p in ring])
    shown = float(result.get_attribute("data-square-metres"))
    assert shown == pytest.approx(abs(area), rel=0.001)
    assert " ha)" in result.inner_text() and "m²" in result.inner_text()
    assert page.js_errors == []


def test_the_defects_filter_by_category_and_severity(page, live_server, world):
    open_site(page, live_server, world)
    markers = page.locator("#site-map path.defect-marker")
    page.wait_for_function("document.querySelectorAll('#site-map path.defect-marker').length === 3")
    assert "Showing 3 of 3 defects" in page.locator("#defect-count").inner_text()
    # coloured by severity: the four condition grades A-D spread over the five colours (A, B, D here)
    fills = {page.locator("#site-map path.defect-marker.sev-r" + r).get_attribute("fill") for r in ("1", "2", "5")}
    assert len(fills) == 3
    page.locator("#defect-categories").get_by_label("Moisture").uncheck()
    assert markers.count() == 1 and page.locator("#site-map path.defect-marker.cat-gutters").count() == 1
    assert "Showing 1 of 3" in page.locator("#defect-count").inner_text()
    assert page.locator("#defect-list li").count() == 1
    page.locator("#defect-categories").get_by_label("Moisture").check()
    assert markers.count() == 3
    page.locator("#defect-severities").get_by_label("Bad").uncheck()
    assert markers.count() == 2 and page.locator("#site-map path.defect-marker.sev-r5").count() == 0
    # a defect from the list (keyboard): the map goes to it and its popup says what it is
    page.locator("#defect-list button", has_text="Gutters").focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Gutters" in popup.inner_text() and "Satisfactory" in popup.inner_text()
    # the older survey has none
    page.locator(f".timeline-item[data-survey='{world.first.pk}']").click()
    page.wait_for_function("document.getElementById('defect-filters').textContent.includes('No defects recorded')")
    assert markers.count() == 0 and page.locator("#defect-list li").count() == 0
    assert page.js_errors == []


def test_the_page_fits_a_phone_and_works_by_keyboard(page, live_server, world):
    open_site(page, live_server, world, width=390)
    for mode in ("One survey", "Before/after swipe", "Side by side"):
        page.get_by_label(mode).check()
        page.wait_for_timeout(200)
        width = page.evaluate("document.documentElement.scrollWidth")
        widest = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > innerWidth + 1).slice(0, 3).map(e => e.tagName + '#' + e.id)""")
        assert width <= 390, (mode, width, widest)
    page.get_by_label("One survey").check()
    # the timeline by keyboard
    page.locator(f".timeline-item[data-survey='{world.first.pk}']").focus()
    page.keyboard.press("Enter")
    tiles_loaded(page, world.first.pk)
    assert page.locator("#site-map").get_attribute("data-survey") == str(world.first.pk)
    # a measurement by keyboard only: points at the map centre, the map moved with the arrow keys
    page.locator("#measure-length").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # past "Measure an area"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "measure-point"
    page.keyboard.press("Enter")
    page.locator("#site-map").focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    page.wait_for_timeout(400)
    page.locator("#measure-point").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "measure-finish"
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('measure-result').dataset.metres")
    assert float(page.locator("#measure-result").get_attribute("data-metres")) > 1
    assert page.js_errors == []


def _axe(page, live_server) -> list[str]:
    page.add_script_tag(url=f"{live_server.url}/static/vendor/axe-core/axe.min.js")
    found = page.evaluate("async () => (await axe.run(document)).violations"
                          ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target)}))")
    return [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in found if v["impact"] in {"serious", "critical"}]


def test_axe_finds_no_serious_violations_on_the_site_page_and_a_share_link(page, live_server, world):
    from viewer import services

    open_site(page, live_server, world)
    tiles_loaded(page, world.second.pk)
    page.wait_for_function("document.querySelectorAll('#site-map path.defect-marker').length === 3")
    assert _axe(page, live_server) == []
    page.get_by_label("Side by side").check()
    page.locator("#site-map-2").wait_for(state="visible")
    page.locator("#measure-area").click()
    assert _axe(page, live_server) == []

    link = services.share_link_create(by=world.cast.planner, now=timezone.now(), expires_in=timedelta(days=3),
                                      purpose="Planning committee, 12 May", site=world.site)
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/s/{link.token}/")
    page.wait_for_function("window.siteViewer && document.getElementById('site-map').dataset.survey")
    tiles_loaded(page, world.second.pk)
    assert page.locator("#elevation").is_hidden()
    assert _axe(page, live_server) == []
    assert page.js_errors == []


# ---------------------------------------------------------------- heights and volumes on an elevation model

@pytest.fixture
def cone_survey(tmp_path):
    """A survey (no orthomosaic) with a delivered DSM: a 6 m cone of 20 m radius on a plane at 10 m, 1 m cells in
    British National Grid, centred on the site (the Oban seafront)."""
    import rasterio
    from rasterio.transform import from_origin

    from surveys import services as surveys

    cast = make_cast()
    survey = make_delivery(cast)
    ring = survey.site.geometry["coordinates"][0]
    lon = sum(p[0] for p in ring[:-1]) / 4
    lat = sum(p[1] for p in ring[:-1]) / 4
    ce, cn = (round(v) for v in TO_BNG.transform(lon, lat))
    size = 120
    e0, n0 = ce - size // 2, cn - size // 2
    cols, rows = np.meshgrid(np.arange(size) + 0.5, np.arange(size) + 0.5)
    r = np.hypot(e0 + cols - ce, n0 + size - rows - cn)
    heights = 10.0 + np.clip(6.0 * (1 - r / 20.0), 0, None)
    path = Path(tmp_path) / "dsm.tif"
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1, dtype="float32",
                       crs="EPSG:27700", transform=from_origin(e0, n0 + size, 1.0, 1.0), nodata=-9999.0) as ds:
        ds.write(heights.astype("float32"), 1)
    asset = surveys.asset_ingest_file(survey=survey, path=path, original_name="dsm.tif").asset
    assert asset.kind == "elevation"
    return SimpleNamespace(cast=cast, survey=survey, site=survey.site, centre=(ce, cn))


def _lat_lon(e: float, n: float) -> tuple[float, float]:
    lon, lat = TO_WGS.transform(e, n)
    return lat, lon


def test_a_height_profile_and_a_volume_on_the_elevation_model(page, live_server, cone_survey):
    open_site(page, live_server, cone_survey)
    section = page.locator("#elevation")
    assert section.is_visible()
    ce, cn = cone_survey.centre
    page.evaluate("([lat, lon]) => siteViewer.map.setView([lat, lon], 19, {animate: false})", list(_lat_lon(ce, cn)))

    page.locator("#elevation-profile").click()
    for e, n in ((ce - 35, cn), (ce + 35, cn)):
        click_at(page, *_lat_lon(e, n))
    page.locator("#measure-finish").click()
    result = page.locator("#elevation-result")
    page.wait_for_function("document.getElementById('elevation-result').dataset.max")
    assert 15.0 < float(result.get_attribute("data-max")) <= 16.01  # the peak (the line passes within a pixel)
    assert float(result.get_attribute("data-min")) == pytest.approx(10.0, abs=0.01)
    assert "Profile" in result.inner_text() and "highest" in result.inner_text()
    assert page.locator("#profile-figure").is_visible()
    svg_points = page.locator("#profile-chart svg polyline.profile-line").get_attribute("points").split()
    assert len(svg_points) >= 50
    assert page.locator("#profile-chart svg[role=img]").count() == 1

    page.locator("#elevation-volume").click()
    for e, n in ((ce - 30, cn - 30), (ce + 30, cn - 30), (ce + 30, cn + 30), (ce - 30, cn + 30)):
        click_at(page, *_lat_lon(e, n))
    page.locator("#measure-finish").click()
    page.wait_for_function("document.getElementById('elevation-result').dataset.above")
    assert float(result.get_attribute("data-above")) == pytest.approx(math.pi * 20**2 * 6 / 3, rel=0.03)
    assert float(result.get_attribute("data-below")) == pytest.approx(0, abs=1)
    assert "m³" in result.inner_text()
    # a base of my own: above 12 m, a cone of radius 20·4/6 and height 4
    page.locator("#volume-base").select_option("fixed")
    page.locator("#volume-height").fill("12")
    page.locator("#elevation-volume").click()
    for e, n in ((ce - 30, cn - 30), (ce + 30, cn - 30), (ce + 30, cn + 30), (ce - 30, cn + 30)):
        click_at(page, *_lat_lon(e, n))
    page.locator("#measure-finish").click()
    page.wait_for_function("document.getElementById('elevation-result').textContent.includes('(12.00 m)')")
    assert float(result.get_attribute("data-above")) == pytest.approx(math.pi * (20 * 4 / 6) ** 2 * 4 / 3, rel=0.04)
    assert page.js_errors == []


def test_no_elevation_tools_without_an_elevation_model(page, live_server, world):
    open_site(page, live_server, world)
    assert page.locator("#elevation").is_hidden()
    data = page.evaluate("JSON.parse(document.getElementById('viewer-data').textContent)")
    assert [s["elevation"] for s in data["surveys"]] == [None, None]
    assert data["surveys"][1]["scales"]["severity"][0] == {"code": "A", "label": "Good", "rank": 1}
