"""Browser: a contractor uploads a folder of real photos through the survey page and sees their footprints."""

from __future__ import annotations

import fcntl
import io
import json
import os
import shutil

import pytest
from django.core.management import call_command

from surveys.models import Asset, Upload
from surveys.uploads import UploadError, upload_append, upload_create
from tests.factories import PASSWORD, make_cast
from tests.surveys.helpers import make_delivery, sha256_hex
from tests.web.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.mark.django_db(transaction=True)
def test_upload_folder_shows_footprints(page, live_server, shared_data, tmp_path):
    cast = make_cast()
    # DJI H20T frames: relative altitude and gimbal angles give every photo a ground footprint.
    folder = tmp_path / "flight-1"
    folder.mkdir()
    photos = sorted((shared_data / "thermal" / "h20t").glob("*.JPG"))[:3]
    for photo in photos:
        shutil.copy(photo, folder / photo.name)
    survey = make_delivery(cast, deliverables=["thermal"])

    login(page, live_server.url, cast.contractor.username, PASSWORD)
    page.goto(f"{live_server.url}/surveys/{survey.pk}/")
    page.wait_for_selector("#survey-map .leaflet-overlay-pane path.approved-area", state="attached")
    assert page.locator("path.footprint").count() == 0

    page.set_input_files("#pick-folder", str(folder))
    page.wait_for_function("document.getElementById('dropzone').dataset.done === '3'", timeout=60_000)
    page.wait_for_function("document.querySelectorAll('#survey-map path.footprint').length === 3")
    assert page.locator("#survey-map path.position").count() == 3
    assert page.locator("#upload-list li .ok").count() == 3
    assert page.locator("#total-progress").evaluate("el => el.value") == 1
    assert Asset.objects.filter(survey=survey).count() == 3
    assert sorted(a.original_name for a in Asset.objects.filter(survey=survey)) == [p.name for p in photos]

    # Dropping the same folder again is recognised as already delivered, nothing stored twice.
    page.reload()
    page.set_input_files("#pick-files", [str(p) for p in sorted(folder.iterdir())])
    page.wait_for_function("document.getElementById('dropzone').dataset.done === '3'", timeout=60_000)
    assert page.locator("#upload-list li", has_text="already delivered").count() == 3
    assert Asset.objects.filter(survey=survey).count() == 3
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_folder_of_many_photos_is_sent_three_at_a_time(page, live_server, shared_data, tmp_path):
    cast = make_cast()
    folder = tmp_path / "caliterra"
    folder.mkdir()
    photos = sorted((shared_data / "drone" / "caliterra-half").glob("*.jpg"))[:7]
    for photo in photos:
        shutil.copy(photo, folder / photo.name)
    survey = make_delivery(cast)

    login(page, live_server.url, cast.contractor.username, PASSWORD)
    page.goto(f"{live_server.url}/surveys/{survey.pk}/")
    page.set_input_files("#pick-folder", str(folder))
    page.wait_for_function("document.getElementById('dropzone').dataset.done === '7'", timeout=90_000)
    assert page.locator("#dropzone").evaluate("el => el.dataset.peak") == "3"
    assert page.locator("#total-progress").evaluate("el => el.value") == 1
    assert page.locator("#total-text").inner_text().startswith("7 of 7 files")
    assert Asset.objects.filter(survey=survey).count() == 7
    assert page.js_errors == []


NOT_A_PHOTO = b"Flight notes: battery swap at 14:10, wind 12 kt from the south-west.\n" * 40
MTIME = 1_700_000_000  # a fixed modification time, so the page's localStorage key can be written beforehand


def _remember(page, live_server, survey, path, upload) -> None:
    """Put an upload URL where the page keeps it, as a tab closed mid-upload would have left it."""
    key = f"tus:{survey.pk}:{path.name}:{path.stat().st_size}:{int(path.stat().st_mtime * 1000)}"
    value = json.dumps({"url": f"{live_server.url}/api/v1/uploads/{upload.pk}/", "sha256": upload.sha256,
                        "name": path.name})
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, value])


@pytest.mark.django_db(transaction=True)
def test_text_file_named_jpg_among_photos_is_shown_refused_with_the_reason(page, live_server, shared_data, tmp_path):
    cast = make_cast()
    folder = tmp_path / "flight-1"
    folder.mkdir()
    photos = sorted((shared_data / "thermal" / "h20t").glob("*.JPG"))[:2]
    for photo in photos:
        shutil.copy(photo, folder / photo.name)
    (folder / "notes.jpg").write_bytes(NOT_A_PHOTO)
    survey = make_delivery(cast, deliverables=["thermal"])

    login(page, live_server.url, cast.contractor.username, PASSWORD)
    page.goto(f"{live_server.url}/surveys/{survey.pk}/")
    page.set_input_files("#pick-folder", str(folder))
    page.wait_for_function("document.getElementById('dropzone').dataset.done === '2' && "
                           "document.getElementById('dropzone').dataset.failed === '1'", timeout=60_000)
    refused = Upload.objects.get(survey=survey, filename="notes.jpg")
    assert refused.state == "refused" and refused.error
    row = page.locator("#upload-list li", has_text="notes.jpg")
    assert row.locator(".err").inner_text() == refused.error
    assert "stored" not in row.inner_text()
    assert page.locator("#upload-list li .ok").count() == 2
    assert "1 refused" in page.locator("#total-text").inner_text()
    assert sorted(a.original_name for a in Asset.objects.filter(survey=survey)) == [p.name for p in photos]
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_resuming_an_upload_the_server_refused_shows_the_refusal_not_stored(page, live_server, tmp_path):
    """HEAD answers offset == size with Upload-State: refused: that is a failure, never "stored"."""
    cast = make_cast()
    survey = make_delivery(cast)
    path = tmp_path / "notes.jpg"
    path.write_bytes(NOT_A_PHOTO)
    os.utime(path, (MTIME, MTIME))
    upload = upload_create(survey=survey, owner=cast.contractor, filename=path.name, size=len(NOT_A_PHOTO),
                           sha256=sha256_hex(NOT_A_PHOTO))
    with pytest.raises(UploadError):  # the last chunk is refused by validation (the tab closed before it saw why)
        upload_append(upload=upload, offset=0, stream=io.BytesIO(NOT_A_PHOTO), length=len(NOT_A_PHOTO))
    upload.refresh_from_db()
    assert upload.state == "refused" and upload.offset == upload.size

    login(page, live_server.url, cast.contractor.username, PASSWORD)
    page.goto(f"{live_server.url}/surveys/{survey.pk}/")
    _remember(page, live_server, survey, path, upload)
    page.reload()
    page.set_input_files("#pick-files", str(path))
    page.wait_for_function("document.getElementById('dropzone').dataset.failed === '1'")
    row = page.locator("#upload-list li", has_text="notes.jpg")
    assert row.locator(".err").inner_text() == upload.error
    assert "stored" not in row.inner_text()
    assert page.locator("#dropzone").evaluate("el => el.dataset.done") == "0"
    assert not Asset.objects.filter(survey=survey).exists()
    assert Upload.objects.filter(survey=survey).count() == 1  # not sent again
    assert page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('tus:')).length") == 0
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_resume_waits_while_another_request_verifies_then_shows_stored(page, live_server, shared_data, tmp_path):
    """Every byte arrived but the completion answer was lost: while the file is locked by its verifier the page
    shows "verifying…" (HEAD: receiving + Retry-After), and only once the server says stored does it count."""
    cast = make_cast()
    survey = make_delivery(cast, deliverables=["thermal"])
    photo = sorted((shared_data / "thermal" / "h20t").glob("*.JPG"))[0]
    path = tmp_path / photo.name
    shutil.copy(photo, path)
    os.utime(path, (MTIME, MTIME))
    data = path.read_bytes()
    upload = upload_create(survey=survey, owner=cast.contractor, filename=path.name, size=len(data),
                           sha256=sha256_hex(data))
    # As left by a request that wrote and counted the last byte and then died before verifying.
    with open(upload.temp_path, "wb") as fh:
        fh.write(data)
    Upload.objects.filter(pk=upload.pk).update(offset=len(data))

    login(page, live_server.url, cast.contractor.username, PASSWORD)
    page.goto(f"{live_server.url}/surveys/{survey.pk}/")
    _remember(page, live_server, survey, path, upload)
    page.reload()
    with open(upload.temp_path, "r+b") as held:  # "another request" verifying it: holds the upload's lock
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        page.set_input_files("#pick-files", str(path))
        page.locator("#upload-list li", has_text="verifying…").wait_for()
        assert page.locator("#dropzone").evaluate("el => el.dataset.done") == "0"
        assert page.locator("#upload-list li .ok").count() == 0
        call_command("run_jobs", "--burst", "--quiet")  # the queued verification finds it busy: still not stored
        assert page.locator("#upload-list li .ok").count() == 0
    # The holder died without finishing: the page's next HEAD queues the verification again; the runner does it.
    for _ in range(40):  # the job runner, as `make demo` runs it beside the web app
        call_command("run_jobs", "--burst", "--quiet")
        if Upload.objects.get(pk=upload.pk).state == "stored":
            break
        page.wait_for_timeout(250)
    page.wait_for_function("document.getElementById('dropzone').dataset.done === '1'", timeout=30_000)
    assert page.locator("#upload-list li .ok").inner_text() == "stored"
    upload.refresh_from_db()
    assert upload.state == "stored"
    assert Asset.objects.filter(survey=survey).count() == 1
    assert page.js_errors == []
