"""Browser: the site page's photos and video (static/js/site_media.js). Real photos of ../shared/data are camera
markers in flight order that open in the deep-zoom viewer (the photo's Deep Zoom tiles, never the original), with
next/previous; a video made here from those photos, delivered with a DJI SRT log, plays in the page with its
poster frame, its track drawn on the map and a marker that follows the playback time. Through a share link the
photo is the blurred copy (no pyramid, no original) and the video only its blurred poster frame."""

from __future__ import annotations

from datetime import timedelta

import cv2
import numpy as np
import pytest
from django.utils import timezone

from surveys.services import asset_ingest_file
from tests.factories import PASSWORD, make_cast
from tests.surveys.helpers import CALITERRA_AREA, make_delivery
from tests.web.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db(transaction=True)]

PHOTOS = ("IMG_9354.jpg", "IMG_9355.jpg", "IMG_9356.jpg")
FPS = 10
SECONDS = 4


def _video(tmp_path, shared_data):
    """A 4 s VP8 Matroska video made of three real photos, and a DJI-style SRT with one fix per frame along a
    straight line north-east over the Caliterra site."""
    frames = [cv2.resize(cv2.imread(str(shared_data / "drone" / "caliterra-half" / n)), (640, 480)) for n in PHOTOS]
    video = tmp_path / "DJI_0001.mkv"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"VP80"), FPS, (640, 480))
    for i in range(FPS * SECONDS):
        writer.write(frames[i * len(frames) // (FPS * SECONDS)])
    writer.release()
    cues = []
    for i in range(FPS * SECONDS):
        t0, t1 = i / FPS, (i + 1) / FPS
        stamp = lambda t: f"00:00:{int(t):02d},{round((t % 1) * 1000):03d}"  # noqa: E731
        lat, lon = 29.5085 + i * 0.00002, -98.3378 + i * 0.00002
        cues.append(f"{i + 1}\n{stamp(t0)} --> {stamp(t1)}\n<font size=\"28\">FrameCnt: {i + 1}\n"
                    f"2026-11-20 10:00:{int(t0):02d}.{round((t0 % 1) * 1000):03d}\n"
                    f"[latitude: {lat:.6f}] [longitude: {lon:.6f}] [rel_alt: 60.0 abs_alt: 320.0]</font>\n")
    srt = tmp_path / "DJI_0001.SRT"
    srt.write_text("\n".join(cues))
    return video, srt


@pytest.fixture
def world(shared_data, tmp_path):
    cast = make_cast()
    survey = make_delivery(cast, area=CALITERRA_AREA)
    for name in PHOTOS:
        asset_ingest_file(survey=survey, path=shared_data / "drone" / "caliterra-half" / name, original_name=name)
    for a in survey.assets.filter(kind="photo"):  # footprints as a stated flying height would give them
        d = 0.0003
        a.footprint = {"type": "Polygon", "coordinates": [[[a.lon - d, a.lat - d], [a.lon + d, a.lat - d],
                                                           [a.lon + d, a.lat + d], [a.lon - d, a.lat + d],
                                                           [a.lon - d, a.lat - d]]]}
        a.save(update_fields=["footprint"])
    video, srt = _video(tmp_path, shared_data)
    asset_ingest_file(survey=survey, path=video, original_name=video.name)
    asset_ingest_file(survey=survey, path=srt, original_name=srt.name)
    assert survey.assets.filter(kind="video").exists() and survey.assets.filter(kind="flight_log").exists()
    return cast, survey


def _open(page, live_server, user, url):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    login(page, live_server.url, user.username, PASSWORD)
    page.goto(live_server.url + url)
    page.wait_for_function("document.getElementById('site-map').dataset.photos === '3'")
    return requested


def test_photos_open_in_deep_zoom_and_the_video_follows_its_track(page, live_server, world):
    cast, survey = world
    requested = _open(page, live_server, cast.policy_officer, f"/sites/{survey.site_id}/")
    assert page.locator("#site-map path.camera-marker").count() == 3
    assert page.locator("#site-map path.photo-footprint").count() == 0  # off until asked for
    page.locator("#show-footprints").check()
    assert page.locator("#site-map path.photo-footprint").count() == 3  # the ground each photo covers
    assert page.locator("#photo-list li").count() == 3

    page.locator("#photo-list-box summary").click()
    page.locator("#photo-list button").first.click()
    page.wait_for_function("document.getElementById('photo-viewer').dataset.ready === '1'", timeout=30000)
    first = page.locator("#photo-viewer").get_attribute("data-asset")
    assert "IMG_9354.jpg (1 of 3)" in page.locator("#photo-title").inner_text()
    assert any("/deepzoom_files/" in u for u in requested)
    assert not any("/download/" in u and f"/files/{first}/" in u for u in requested)  # never the whole original
    page.keyboard.press("n")
    page.wait_for_function(f"document.getElementById('photo-viewer').dataset.asset !== '{first}'")
    assert "(2 of 3)" in page.locator("#photo-title").inner_text()
    page.locator("#photo-prev").click()
    page.wait_for_function(f"document.getElementById('photo-viewer').dataset.asset === '{first}'")
    page.keyboard.press("Escape")
    assert not page.locator("#photo-dialog").is_visible()

    # the video: poster frame, played in the page, the marker moves along the SRT track
    assert page.locator("#video-section").is_visible()
    assert page.locator("#site-map path.video-track").count() == 1
    video = page.locator("#video-list video")
    assert video.get_attribute("poster").endswith(".jpg")
    page.wait_for_function("(() => { const v = document.querySelector('#video-list video');"
                           " return v && v.readyState >= 1; })()", timeout=30000)
    duration = page.evaluate("document.querySelector('#video-list video').duration")
    assert abs(duration - SECONDS) < 0.5
    start = page.evaluate("window.siteViewer.map.getContainer().querySelector('path.video-position') !== null")
    assert start
    page.evaluate("(() => { const v = document.querySelector('#video-list video'); v.muted = true;"
                  " v.currentTime = 3.05; })()")
    page.wait_for_function("document.querySelector('.video-item').dataset.fix === '30'", timeout=15000)
    assert page.js_errors == []


def test_through_a_share_link_photos_are_blurred_copies_and_the_video_only_its_poster(page, live_server, world):
    from viewer.services import share_link_create

    cast, survey = world
    link = share_link_create(by=cast.planner, now=timezone.now(), expires_in=timedelta(days=3),
                             purpose="Committee site visit", survey=survey)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{live_server.url}/s/{link.token}/")
    page.wait_for_function("document.getElementById('site-map').dataset.photos === '3'")
    page.locator("#site-map path.camera-marker").first.click(force=True)
    page.wait_for_function("document.getElementById('photo-viewer').dataset.ready === '1'", timeout=60000)
    photo_urls = [u for u in requested if "/photos/" in u]
    assert photo_urls and all(f"/s/{link.token}/photos/" in u and u.endswith(".jpg") for u in photo_urls)
    assert not any("deepzoom" in u or "/download/" in u or "/still.jpg" in u for u in requested)
    page.keyboard.press("Escape")
    assert page.locator("#video-list video").count() == 0  # not the original; the blurred one is not made yet
    assert "being prepared" in page.locator("#video-list figcaption").inner_text()
    poster = page.locator("#video-list img")
    assert poster.count() == 1 and f"/s/{link.token}/photos/" in poster.get_attribute("src")
    page.wait_for_function("document.querySelector('#video-list img').naturalWidth > 0", timeout=60000)
    assert page.js_errors == []


def test_the_still_of_a_video_is_its_poster_frame(client, world):
    cast, survey = world
    video = survey.assets.get(kind="video")
    client.force_login(cast.contractor)
    response = client.get(f"/files/{video.pk}/still.jpg")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    still = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert still.shape[:2] == (480, 640)
    client.force_login(cast.other_contractor)
    assert client.get(f"/files/{video.pk}/still.jpg").status_code == 404


def test_changes_since_the_previous_survey_are_on_the_site_map(page, live_server, world):
    from detection.models import Candidate

    cast, survey = world
    photo = survey.assets.filter(kind="photo").first()
    lon, lat, d = photo.lon, photo.lat, 0.0002
    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]
    for area, status in ((812.4, "proposed"), (95.0, "rejected")):
        Candidate.objects.create(survey=survey, kind="change", detector="change-structure", detector_version="1",
                                 geometry={"type": "Polygon", "coordinates": [ring]}, score=area,
                                 facts={"area_m2": area}, status=status, created_at=timezone.now())
    _open(page, live_server, cast.policy_officer, f"/sites/{survey.site_id}/")
    page.wait_for_function("document.getElementById('site-map').dataset.changes === '1'")  # not the rejected one
    assert page.locator("#changes-section").is_visible()
    assert page.locator("#site-map path.change-area").count() == 1
    assert "812 m²" in page.locator("#change-list").inner_text()
    page.locator("#change-list button").first.click()
    assert "812 m²" in page.locator(".leaflet-popup-content").inner_text()
    assert page.js_errors == []


def test_axe_finds_nothing_serious_on_the_survey_page_the_annotation_tool_and_the_photo_dialog(page, live_server,
                                                                                               world):
    from tests.web.test_site_viewer import _axe

    cast, survey = world
    login(page, live_server.url, cast.policy_officer.username, PASSWORD)
    page.goto(f"{live_server.url}/surveys/{survey.pk}/")
    assert _axe(page, live_server) == []
    page.goto(f"{live_server.url}/surveys/{survey.pk}/annotate/")
    page.wait_for_function("document.getElementById('photo-viewer').dataset.ready === '1'", timeout=30000)
    assert _axe(page, live_server) == []
    page.goto(f"{live_server.url}/sites/{survey.site_id}/")
    page.wait_for_function("document.getElementById('site-map').dataset.photos === '3'")
    page.locator("#photo-list-box summary").click()
    page.locator("#photo-list button").first.click()
    page.wait_for_function("document.getElementById('photo-viewer').dataset.ready === '1'", timeout=30000)
    assert _axe(page, live_server) == []
    assert page.js_errors == []
