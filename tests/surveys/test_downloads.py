"""Permission-checked downloads: delivered files, the orthophoto and the reports are served only to those who may
see the survey (everyone else gets exactly what a missing id gets: 404), typed by the detected format, as
attachments with a safe name and `nosniff`, recorded in the request's audit trail, and handed to nginx / the web
server / S3 per FILE_SERVING. Stored names take their suffix from the detected format, never the sender's name."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from rest_framework.authtoken.models import Token

from booking.models import AuditEvent
from surveys import services
from surveys.files import blob_name, safe_filename
from surveys.models import Asset, Survey

from .helpers import tus_upload

PHOTO = Path("drone") / "caliterra-half" / "IMG_9354.jpg"
ROOT = Path(__file__).resolve().parents[2]
VIEWERS = ("contractor", "requester", "policy_officer", "procurement", "planner", "admin")
OUTSIDERS = ("other_contractor", "outsider")
MAP_REPORT = {"photos_used": [], "warnings": ["position only from camera GPS"], "position_basis": "gps"}


@pytest.fixture
def delivered(cast, survey, shared_data, settings) -> Survey:
    """The cast's survey with a real photo delivered (conformance report computed), an orthophoto and a map report."""
    services.asset_ingest_file(survey=survey, path=shared_data / PHOTO, original_name="IMG_9354.JPG")
    survey = services.survey_deliver(survey=survey, by=cast.contractor, now=timezone.now())
    survey.orthophoto.save(f"survey-{survey.pk}.tif", ContentFile((shared_data / "orthophotos" / "pix4d-bali.tif")
                                                                   .read_bytes()))
    Survey.objects.filter(pk=survey.pk).update(ortho_report=MAP_REPORT)
    survey.refresh_from_db()
    assert survey.conformance and survey.orthophoto
    return survey


def urls_of(survey: Survey) -> dict[str, str]:
    asset = survey.assets.get()
    return {
        "asset (web)": reverse("surveys:asset_download", kwargs={"pk": asset.pk}),
        "asset (API)": reverse("asset-download", kwargs={"pk": asset.pk}),
        "orthophoto (web)": reverse("surveys:orthophoto_download", kwargs={"pk": survey.pk}),
        "orthophoto (API)": reverse("survey-orthophoto", kwargs={"pk": survey.pk}),
        "map report": reverse("surveys:map_report_download", kwargs={"pk": survey.pk}),
        "conformance report": reverse("surveys:conformance_report_download", kwargs={"pk": survey.pk}),
    }


def missing_urls() -> dict[str, str]:
    return {
        "asset (web)": reverse("surveys:asset_download", kwargs={"pk": 987654}),
        "asset (API)": reverse("asset-download", kwargs={"pk": 987654}),
        "orthophoto (web)": reverse("surveys:orthophoto_download", kwargs={"pk": 987654}),
        "orthophoto (API)": reverse("survey-orthophoto", kwargs={"pk": 987654}),
        "map report": reverse("surveys:map_report_download", kwargs={"pk": 987654}),
        "conformance report": reverse("surveys:conformance_report_download", kwargs={"pk": 987654}),
    }


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def file_downloads() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="file_downloaded").order_by("id"))


@pytest.mark.parametrize("role", VIEWERS)
def test_those_who_may_see_the_survey_download_everything(delivered, cast, shared_data, role):
    user = getattr(cast, role)
    client = Client()
    client.force_login(user)
    asset = delivered.assets.get()
    expected = {
        "asset (web)": ((shared_data / PHOTO).read_bytes(), "image/jpeg", "IMG_9354.jpg"),
        "asset (API)": ((shared_data / PHOTO).read_bytes(), "image/jpeg", "IMG_9354.jpg"),
        "orthophoto (web)": (None, "image/tiff", f"survey-{delivered.pk}-orthophoto.tif"),
        "orthophoto (API)": (None, "image/tiff", f"survey-{delivered.pk}-orthophoto.tif"),
        "map report": (None, "application/json", f"survey-{delivered.pk}-map-report.json"),
        "conformance report": (None, "application/json", f"survey-{delivered.pk}-conformance-report.json"),
    }
    ortho = (shared_data / "orthophotos" / "pix4d-bali.tif").read_bytes()
    for what, url in urls_of(delivered).items():
        got = client.get(url)
        assert got.status_code == 200, (what, got.status_code)
        data, content_type, filename = expected[what]
        assert got["Content-Type"] == content_type, what
        assert got["Content-Disposition"] == f'attachment; filename="{filename}"', what
        assert got["X-Content-Type-Options"] == "nosniff", what
        content = body(got)
        if data is not None:
            assert content == data, what
        elif "orthophoto" in what:
            assert content == ortho, what
    assert client.get(urls_of(delivered)["map report"]).json() == MAP_REPORT
    assert client.get(urls_of(delivered)["conformance report"]).json() == delivered.conformance
    events = file_downloads()
    assert len(events) == 8  # the six above and the two JSON reads
    assert {e.data["file"] for e in events} == {"asset", "orthophoto", "map_report", "conformance_report"}
    assert all(e.actor == user and e.flight_request_id == delivered.flight_request_id for e in events)
    assert all(e.supplier_id == delivered.supplier_id for e in events)  # other suppliers never read them
    first = events[0]
    assert first.data["asset"] == asset.pk and first.data["name"] == "IMG_9354.JPG"
    assert first.data["user"] == user.username and first.data["survey"] == delivered.pk


@pytest.mark.parametrize("role", OUTSIDERS)
def test_everyone_else_gets_what_a_missing_id_gets(delivered, cast, role):
    client = Client()
    client.force_login(getattr(cast, role))
    missing = missing_urls()
    for what, url in urls_of(delivered).items():
        got = client.get(url)
        control = client.get(missing[what])
        assert got.status_code == control.status_code == 404, (what, got.status_code, control.status_code)
        assert b"IMG_9354" not in got.content and "Content-Disposition" not in got, what
        assert client.head(url).status_code == 404, what
    assert file_downloads() == []


def test_anonymous_callers_are_sent_to_log_in_or_refused(delivered, settings):
    client = Client()
    for what, url in urls_of(delivered).items():
        got = client.get(url)
        if url.startswith("/api/"):
            assert got.status_code in {401, 403}, (what, got.status_code)
        else:
            assert got.status_code == 302 and got["Location"].startswith(str(settings.LOGIN_URL)), what
    assert file_downloads() == []


def test_a_head_request_sends_and_records_nothing(delivered, cast):
    client = Client()
    client.force_login(cast.requester)
    for what, url in urls_of(delivered).items():
        got = client.head(url)
        assert got.status_code == 200 and body(got) == b"", what
    assert file_downloads() == []


def test_a_survey_without_a_request_downloads_without_an_audit_event(cast, shared_data):
    survey = Survey.objects.create(site=services.site_get_or_create(name="Loose site", geometry={
        "type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, organisation=cast.organisation),
        supplier=cast.supplier)
    asset = services.asset_ingest_file(survey=survey, path=shared_data / PHOTO, original_name="IMG_9354.jpg").asset
    client = Client()
    client.force_login(cast.requester)  # the site's organisation
    got = client.get(reverse("surveys:asset_download", kwargs={"pk": asset.pk}))
    assert got.status_code == 200 and body(got) == (shared_data / PHOTO).read_bytes()
    assert file_downloads() == []
    client.force_login(cast.outsider)
    assert client.get(reverse("surveys:asset_download", kwargs={"pk": asset.pk})).status_code == 404


def test_missing_reports_and_maps_are_a_clear_404(cast, survey):
    client = Client()
    client.force_login(cast.requester)
    for name in ("surveys:orthophoto_download", "surveys:map_report_download", "surveys:conformance_report_download"):
        assert client.get(reverse(name, kwargs={"pk": survey.pk})).status_code == 404, name
    api = client.get(reverse("survey-orthophoto", kwargs={"pk": survey.pk}))
    assert api.status_code == 404 and api.json()["detail"] == "This survey has no map yet."
    assert file_downloads() == []


# ---------------------------------------------------------------- stored names and the polyglot


def polyglot_jpeg(shared_data: Path) -> bytes:
    """A real, valid JPEG carrying HTML in a comment segment and after its end-of-image marker."""
    out = io.BytesIO()
    with Image.open(shared_data / PHOTO) as im:
        im.resize((320, 240)).save(out, "JPEG", quality=80,
                                   comment=b"<html><script>alert(document.cookie)</script></html>")
    data = out.getvalue() + b"<html><body><script>alert('after EOI')</script></body></html>"
    with Image.open(io.BytesIO(data)) as check:  # still decodes as a JPEG
        check.load()
        assert check.format == "JPEG" and check.size == (320, 240)
    return data


def test_a_jpeg_named_html_is_stored_as_jpg_and_served_as_an_attachment(cast, survey, shared_data, settings):
    data = polyglot_jpeg(shared_data)
    assert b"<script>" in data
    client = Client()
    client.force_login(cast.contractor)
    done = tus_upload(client, survey.pk, "report.html", data)
    assert done.status_code == 204, done.content
    asset = survey.assets.get()
    assert asset.original_name == "report.html" and asset.metadata["format"] == "jpeg"
    assert asset.file.name == blob_name(asset.sha256, "jpeg") and asset.file.name.endswith(".jpg")
    assert asset.blob.file.name.endswith(".jpg")
    stored = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file() and "_incoming" not in p.parts]
    assert [p.suffix for p in stored] == [".jpg"] and stored[0].read_bytes() == data
    for url in (reverse("surveys:asset_download", kwargs={"pk": asset.pk}),
                reverse("asset-download", kwargs={"pk": asset.pk})):
        got = client.get(url, HTTP_ACCEPT="text/html")
        assert got.status_code == 200
        assert got["Content-Type"] == "image/jpeg"
        assert got["Content-Disposition"] == 'attachment; filename="report.jpg"'
        assert got["X-Content-Type-Options"] == "nosniff"
        assert body(got) == data


def test_files_stored_under_the_senders_extension_are_renamed(cast, survey, shared_data, settings,
                                                               django_capture_on_commit_callbacks):
    """Blobs stored before names came from the detected format (here: a JPEG kept as `….html`) get their
    content name from `manage.py rename_stored_files`; a second run has nothing to do."""
    from django.core.files.storage import default_storage
    from django.core.management import call_command

    data = polyglot_jpeg(shared_data)
    path = Path(settings.MEDIA_ROOT) / "report.html"
    path.write_bytes(data)
    asset = services.asset_ingest_file(survey=survey, path=path, original_name="report.html").asset
    legacy = default_storage.save(f"blobs/{asset.sha256[:2]}/{asset.sha256}.html", ContentFile(data))
    default_storage.delete(asset.file.name)
    type(asset.blob).objects.filter(pk=asset.blob_id).update(file=legacy)
    Asset.objects.filter(pk=asset.pk).update(file=legacy)

    out = io.StringIO()
    call_command("rename_stored_files", "--dry-run", stdout=out)
    assert "1 stored file(s) would be renamed" in out.getvalue() and default_storage.exists(legacy)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # the old name goes after the commit
        call_command("rename_stored_files", stdout=out)
    assert len(callbacks) == 1
    asset.refresh_from_db()
    assert asset.file.name == asset.blob.file.name == blob_name(asset.sha256, "jpeg")
    assert not default_storage.exists(legacy) and default_storage.open(asset.file.name).read() == data
    again = io.StringIO()
    call_command("rename_stored_files", stdout=again)
    assert "0 stored file(s) renamed" in again.getvalue()
    client = Client()
    client.force_login(cast.requester)
    got = client.get(reverse("surveys:asset_download", kwargs={"pk": asset.pk}))
    assert got.status_code == 200 and body(got) == data and got["Content-Type"] == "image/jpeg"


def test_stored_names_come_from_the_hash_and_the_detected_format():
    sha = "ab" * 32
    assert blob_name(sha, "jpeg") == f"blobs/ab/{sha}.jpg"
    assert blob_name(sha, "tiff") == f"blobs/ab/{sha}.tif"
    assert blob_name(sha, "html") == f"blobs/ab/{sha}"  # not an accepted format: no suffix at all
    assert blob_name(sha, None) == f"blobs/ab/{sha}"


@pytest.mark.parametrize(("name", "suffix", "expected"), [
    ("report.html", ".jpg", "report.jpg"),
    ("../../etc/passwd", ".txt", "passwd.txt"),
    ("C:\\Users\\pilot\\IMG_1.JPG", ".jpg", "IMG_1.jpg"),
    ('a"b;c\r\nSet-Cookie: x=1.jpg', ".jpg", "a_b_cSet-Cookie_ x_1.jpg"),
    ("\u202egpj.exe", ".jpg", "gpj.jpg"),
    ("...", ".png", "download.png"),
    ("航拍 01.jpg", ".jpg", "航拍 01.jpg"),
])
def test_download_names_are_safe(name, suffix, expected):
    assert safe_filename(name, suffix) == expected


def test_a_non_ascii_name_is_sent_as_rfc_5987(cast, survey, shared_data):
    asset = services.asset_ingest_file(survey=survey, path=shared_data / PHOTO, original_name="航拍.JPG").asset
    client = Client()
    client.force_login(cast.requester)
    got = client.get(reverse("surveys:asset_download", kwargs={"pk": asset.pk}))
    assert got["Content-Disposition"] == "attachment; filename*=utf-8''%E8%88%AA%E6%8B%8D.jpg"


# ---------------------------------------------------------------- FILE_SERVING modes


def test_x_accel_redirect_hands_the_file_to_nginx(delivered, cast, settings):
    settings.FILE_SERVING = "x-accel-redirect"
    settings.FILE_SERVING_INTERNAL_PREFIX = "/protected-media/"
    asset = delivered.assets.get()
    client = Client()
    client.force_login(cast.requester)
    got = client.get(reverse("surveys:asset_download", kwargs={"pk": asset.pk}))
    assert got.status_code == 200 and got.content == b""
    assert got["X-Accel-Redirect"] == f"/protected-media/{asset.file.name}"
    assert got["Content-Type"] == "image/jpeg" and got["Content-Disposition"].startswith("attachment;")
    assert got["X-Content-Type-Options"] == "nosniff"
    ortho = client.get(reverse("surveys:orthophoto_download", kwargs={"pk": delivered.pk}))
    assert ortho.content == b"" and ortho["X-Accel-Redirect"] == f"/protected-media/{delivered.orthophoto.name}"
    assert len(file_downloads()) == 2


def test_x_sendfile_names_the_file_on_disk(delivered, cast, settings):
    settings.FILE_SERVING = "x-sendfile"
    asset = delivered.assets.get()
    client = Client()
    client.force_login(cast.contractor)
    got = client.get(reverse("asset-download", kwargs={"pk": asset.pk}))
    assert got.status_code == 200 and got.content == b""
    path = Path(got["X-Sendfile"])
    assert path.is_absolute() and path.read_bytes() == asset.file.open("rb").read()
    assert got["Content-Type"] == "image/jpeg"


def test_s3_presigned_redirects_to_a_url_signed_by_the_storage_backend(delivered, cast, settings):
    """boto3 signs locally (no network): the redirect is the storage backend's presigned URL for the stored
    name, carrying the detected type and the attachment disposition for S3 to send back."""
    pytest.importorskip("storages.backends.s3")
    asset = delivered.assets.get()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": "council-drones", "endpoint_url": "https://objects.example.test",
            "region_name": "eu-west-2", "access_key": "AKIDEXAMPLE", "secret_key": "wJalrXUtnFEMI/K7MDENG",
            "file_overwrite": False}},
    }
    settings.FILE_SERVING = "s3-presigned"
    settings.FILE_SERVING_URL_SECONDS = 120
    client = Client()
    client.force_login(cast.requester)
    got = client.get(reverse("surveys:asset_download", kwargs={"pk": asset.pk}))
    assert got.status_code == 302
    url = urlsplit(got["Location"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.scheme == "https" and url.hostname.endswith("objects.example.test")
    assert url.path.endswith("/" + asset.file.name) and "council-drones" in url.hostname + url.path
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Credential"].startswith("AKIDEXAMPLE/") and "/eu-west-2/s3/" in query["X-Amz-Credential"]
    assert query["X-Amz-Expires"] == "120" and len(query["X-Amz-Signature"]) == 64
    assert query["response-content-type"] == "image/jpeg"
    assert query["response-content-disposition"] == 'attachment; filename="IMG_9354.jpg"'
    assert got["X-Content-Type-Options"] == "nosniff" and got["Cache-Control"] == "private, no-store"
    assert len(file_downloads()) == 1


@pytest.mark.parametrize(("env", "message"), [
    ({"FILE_SERVING": "nginx"}, "FILE_SERVING='nginx' is not one of"),
    ({"FILE_SERVING": "s3-presigned", "S3_BUCKET": ""}, "needs S3_BUCKET"),
    ({"FILE_SERVING": "x-accel-redirect", "FILE_SERVING_INTERNAL_PREFIX": "protected"}, "must start and end with /"),
])
def test_a_bad_file_serving_setting_stops_start_up(env, message):
    run = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, capture_output=True,
                         text=True, env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}, timeout=60)
    assert run.returncode != 0 and message in run.stderr, run.stderr[-2000:]


# ---------------------------------------------------------------- API fields and page links


def test_the_api_gives_checked_download_urls_that_work_with_a_token(delivered, cast, shared_data):
    token = Token.objects.create(user=cast.contractor)
    client = Client()
    listed = client.get(f"/api/v1/surveys/{delivered.pk}/assets/", HTTP_AUTHORIZATION=f"Token {token.key}")
    row = listed.json()["results"][0]
    asset = delivered.assets.get()
    assert row["download_url"] == f"http://testserver/api/v1/assets/{asset.pk}/download/"
    assert "file_url" not in row
    got = client.get(row["download_url"], HTTP_AUTHORIZATION=f"Token {token.key}")
    assert got.status_code == 200 and body(got) == (shared_data / PHOTO).read_bytes()
    detail = client.get(f"/api/v1/surveys/{delivered.pk}/", HTTP_AUTHORIZATION=f"Token {token.key}").json()
    assert detail["orthophoto"] == f"http://testserver/api/v1/surveys/{delivered.pk}/orthophoto/"
    other = Token.objects.create(user=cast.other_contractor)
    assert client.get(row["download_url"], HTTP_AUTHORIZATION=f"Token {other.key}").status_code == 404
    assert [e.actor for e in file_downloads()] == [cast.contractor]


def test_api_downloads_answer_whatever_the_client_accepts(delivered, cast):
    """A file is not rendered by the API's renderers: Accept: image/tiff must not be a 406."""
    client = Client()
    client.force_login(cast.planner)
    asset = delivered.assets.get()
    for url, accept in ((reverse("survey-orthophoto", kwargs={"pk": delivered.pk}), "image/tiff"),
                        (reverse("asset-download", kwargs={"pk": asset.pk}), "image/jpeg")):
        got = client.get(url, HTTP_ACCEPT=accept)
        assert got.status_code == 200 and got["Content-Type"] == accept, (url, got.status_code)
    missing = client.get(reverse("asset-download", kwargs={"pk": 987654}), HTTP_ACCEPT="image/jpeg")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"


def test_the_survey_page_links_only_to_checked_downloads(delivered, cast):
    client = Client()
    client.force_login(cast.requester)
    page = client.get(f"/surveys/{delivered.pk}/").content.decode()
    asset = delivered.assets.get()
    for url in (reverse("surveys:asset_download", kwargs={"pk": asset.pk}),
                reverse("surveys:orthophoto_download", kwargs={"pk": delivered.pk}),
                reverse("surveys:map_report_download", kwargs={"pk": delivered.pk}),
                reverse("surveys:conformance_report_download", kwargs={"pk": delivered.pk})):
        assert f'href="{url}"' in page, url
    assert "/media/" not in page and asset.file.name not in page
    assert Asset.objects.count() == 1
