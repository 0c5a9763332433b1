"""The tus resumable upload protocol against real files, through the real API and storage."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

from surveys.models import Asset, Blob, Upload, UploadState
from surveys.uploads import upload_append

from .helpers import (
    corrupt_geotiff,
    make_delivery,
    photo_without_gps,
    png_bomb,
    sha256_hex,
    truncated_jpeg,
    tus_create,
    tus_patch,
    tus_upload,
)

pytestmark = pytest.mark.django_db

PHOTO = "drone/caliterra-half/IMG_9354.jpg"


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    incoming = Path(settings.UPLOAD_TEMP_DIR)
    return [p for p in root.rglob("*") if p.is_file() and incoming not in p.parents]


def temp_files(settings) -> list[Path]:
    folder = Path(settings.UPLOAD_TEMP_DIR)
    return [p for p in folder.iterdir() if p.is_file()] if folder.exists() else []


def test_options_advertises_tus(client, cast, survey):
    client.force_login(cast.contractor)
    response = client.options(f"/api/v1/surveys/{survey.pk}/uploads/")
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) == {"creation", "checksum", "termination", "expiration"}
    assert response["Tus-Checksum-Algorithm"] == "sha256"


def test_interrupted_upload_resumes_to_a_byte_identical_asset(client, cast, survey, shared_data, settings):
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    created = tus_create(client, survey.pk, "IMG_9354.jpg", data)
    assert created.status_code == 201, created.content
    url = created["Location"]
    assert created["Upload-Offset"] == "0" and created["Upload-Expires"]
    half = len(data) // 2
    first = tus_patch(client, url, 0, data[:100_000])
    assert first.status_code == 204 and first["Upload-Offset"] == "100000"

    # The connection drops in the middle of the next chunk: what arrived is kept (no chunk checksum sent).
    class DroppingStream(io.BytesIO):
        def read(self, n=-1):
            if self.tell() >= half - 100_000:
                raise ConnectionResetError("client went away")
            return super().read(min(n, half - 100_000 - self.tell()))

    upload = Upload.objects.get(pk=url.rstrip("/").rsplit("/", 1)[1])
    upload_append(upload=upload, offset=100_000, stream=DroppingStream(data[100_000:]), length=len(data) - 100_000)
    assert not Asset.objects.exists()

    # Tab closed; later another session asks where to continue, then sends the rest.
    client.logout()
    client.force_login(cast.contractor)
    head = client.head(url, HTTP_TUS_RESUMABLE="1.0.0")
    assert head.status_code == 200
    offset = int(head["Upload-Offset"])
    assert offset == half and head["Upload-Length"] == str(len(data))
    assert head["Cache-Control"] == "no-store"
    while offset < len(data):
        response = tus_patch(client, url, offset, data[offset:offset + 150_000])
        assert response.status_code == 204, response.content
        offset = int(response["Upload-Offset"])
    assert response["Upload-State"] == "stored"
    asset = Asset.objects.get(pk=int(response["Upload-Asset-Id"]))
    assert asset.sha256 == sha256_hex(data) and asset.size == len(data)
    with asset.file.open("rb") as fh:
        assert fh.read() == data
    assert asset.kind == "photo" and asset.has_location
    assert asset.lat == pytest.approx(30.17122, abs=1e-4) and asset.lon == pytest.approx(-98.08999, abs=1e-4)
    assert asset.metadata["width"] == 2000 and asset.metadata["height"] == 1500
    assert asset.captured_at.isoformat().startswith("2014-10-19T18:20:51")
    assert temp_files(settings) == []
    status = client.get(url).json()
    assert status["state"] == "stored" and status["asset"]["id"] == asset.pk


def test_wrong_offset_is_a_conflict(client, cast, survey, shared_data):
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    url = tus_create(client, survey.pk, "a.jpg", data)["Location"]
    assert tus_patch(client, url, 0, data[:1000]).status_code == 204
    response = tus_patch(client, url, 5000, data[5000:6000])
    assert response.status_code == 409
    assert "Upload-Offset" in response.json()
    assert client.head(url)["Upload-Offset"] == "1000"


def test_chunk_checksum_mismatch_keeps_the_offset(client, cast, survey, shared_data):
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    url = tus_create(client, survey.pk, "a.jpg", data)["Location"]
    bad = client.generic("PATCH", url, data[:1000], content_type="application/offset+octet-stream",
                         HTTP_UPLOAD_OFFSET="0", HTTP_UPLOAD_CHECKSUM="sha256 " + "A" * 43 + "=")
    assert bad.status_code == 460
    assert client.head(url)["Upload-Offset"] == "0"


def test_wrong_content_type_is_refused(client, cast, survey, shared_data):
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    url = tus_create(client, survey.pk, "a.jpg", data)["Location"]
    response = client.generic("PATCH", url, data[:10], content_type="application/json", HTTP_UPLOAD_OFFSET="0")
    assert response.status_code == 415


def test_whole_file_checksum_mismatch_stores_nothing(client, cast, survey, shared_data, settings):
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    response = tus_upload(client, survey.pk, "IMG_9354.jpg", data, sha="0" * 64)
    assert response.status_code == 400
    body = response.json()
    assert "sha256" in body and "not the declared" in body["detail"]
    assert not Asset.objects.exists() and not Blob.objects.exists()
    assert stored_files(settings) == [] and temp_files(settings) == []
    upload = Upload.objects.get()
    assert upload.state == UploadState.REFUSED and "SHA-256" in upload.error


@pytest.mark.parametrize("name,maker,message", [
    ("cut.jpg", lambda d, t: truncated_jpeg(d), "truncated"),
    ("notes.jpg", lambda d, t: b"hello, this is not a photo\n", "text"),
    ("bomb.png", lambda d, t: png_bomb(), "decompression bomb"),
    ("ortho.tif", lambda d, t: corrupt_geotiff(d), "corrupt"),
])
def test_hostile_or_broken_files_are_refused(client, cast, survey, shared_data, settings, tmp_path,
                                             name, maker, message):
    data = maker(shared_data, tmp_path)
    client.force_login(cast.contractor)
    response = tus_upload(client, survey.pk, name, data)
    assert response.status_code == 400, response.content
    body = response.json()
    assert "file" in body and name in body["detail"] and message in body["detail"]
    assert body["detail"].count(f"{name}:") == 1  # the file is named once, not once per layer
    assert not Asset.objects.exists() and not Blob.objects.exists()
    assert stored_files(settings) == [] and temp_files(settings) == []


def test_duplicate_is_recognised_and_content_stored_once(client, cast, survey, shared_data, settings):
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    assert tus_upload(client, survey.pk, "IMG_9354.jpg", data)["Upload-State"] == "stored"
    again = tus_create(client, survey.pk, "copy-of-IMG_9354.jpg", data)
    assert again.status_code == 201
    assert again["Upload-State"] == "duplicate" and again["Upload-Offset"] == str(len(data))
    assert "Already delivered as IMG_9354.jpg" in again.json()["error"]
    assert survey.assets.count() == 1

    # Another survey of the same supplier gets its own asset, but the bytes are stored once.
    other = make_delivery(cast)
    assert tus_upload(client, other.pk, "IMG_9354.jpg", data)["Upload-State"] == "stored"
    assert Asset.objects.count() == 2 and Blob.objects.count() == 1
    assert len(stored_files(settings)) == 1
    assert temp_files(settings) == []


def test_photo_without_gps_is_accepted_with_no_location(client, cast, survey, shared_data, tmp_path):
    data = photo_without_gps(shared_data, tmp_path)
    client.force_login(cast.contractor)
    response = tus_upload(client, survey.pk, "nogps.jpg", data)
    assert response.status_code == 204 and response["Upload-State"] == "stored"
    asset = survey.assets.get()
    assert asset.kind == "photo" and not asset.has_location and asset.lat is None and asset.footprint is None
    assert asset.metadata["no_location"] is True
    page = client.get(f"/surveys/{survey.pk}/")
    assert b"no location" in page.content


def test_abandoned_upload_is_cleaned_up(client, cast, survey, shared_data, settings):
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    url = tus_create(client, survey.pk, "a.jpg", data)["Location"]
    assert tus_patch(client, url, 0, data[:50_000]).status_code == 204
    assert len(temp_files(settings)) == 1
    fresh = tus_create(client, survey.pk, "b.jpg", data[:1000] + b"x")  # recent: must survive
    Upload.objects.filter(filename="a.jpg").update(
        updated_at=timezone.now() - timedelta(hours=settings.UPLOAD_ABANDON_HOURS + 1))
    out = io.StringIO()
    call_command("cleanup_uploads", stdout=out)
    assert "1 abandoned upload" in out.getvalue()
    assert Upload.objects.get(filename="a.jpg").state == UploadState.EXPIRED
    assert Upload.objects.get(filename="b.jpg").state == UploadState.RECEIVING
    assert [p.name for p in temp_files(settings)] == [f"{fresh.json()['id']}.part"]
    assert client.head(url).status_code == 410
    assert tus_patch(client, url, 50_000, data[50_000:60_000]).status_code == 410
    assert not Asset.objects.exists()


def test_termination_deletes_the_partial_file(client, cast, survey, shared_data, settings):
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    url = tus_create(client, survey.pk, "a.jpg", data)["Location"]
    tus_patch(client, url, 0, data[:1000])
    assert client.delete(url).status_code == 204
    assert temp_files(settings) == []
    assert client.head(url).status_code == 410


@pytest.mark.parametrize("headers,field", [
    ({"HTTP_UPLOAD_LENGTH": "12", "HTTP_UPLOAD_METADATA": "filename YS5qcGc="}, "sha256"),
    ({"HTTP_UPLOAD_LENGTH": "-5", "HTTP_UPLOAD_METADATA": "filename YS5qcGc=,sha256 " + "MDAw" * 21 + "MA=="},
     "size"),
    ({"HTTP_UPLOAD_LENGTH": "ten", "HTTP_UPLOAD_METADATA": "filename YS5qcGc="}, "Upload-Length"),
    ({"HTTP_UPLOAD_LENGTH": "12", "HTTP_UPLOAD_METADATA": "filename Li4vLi4vZXRjL3Bhc3N3ZA==,sha256 "
      + "MDAw" * 21 + "MA=="}, "filename"),
])
def test_bad_creation_names_the_field(client, cast, survey, headers, field):
    client.force_login(cast.contractor)
    response = client.post(f"/api/v1/surveys/{survey.pk}/uploads/", **headers)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Upload.objects.exists()


def test_json_creation_and_token_auth_for_scripts(client, cast, survey, shared_data):
    token = Token.objects.create(user=cast.contractor)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    data = (shared_data / PHOTO).read_bytes()
    created = client.post(f"/api/v1/surveys/{survey.pk}/uploads/",
                          {"filename": "IMG_9354.jpg", "size": len(data), "sha256": sha256_hex(data)},
                          content_type="application/json", **auth)
    assert created.status_code == 201, created.content
    done = tus_patch(client, created["Location"], 0, data, **auth)
    assert done.status_code == 204 and done["Upload-State"] == "stored"
    bad = client.post(f"/api/v1/surveys/{survey.pk}/uploads/", {"filename": "x.jpg", "size": 0, "sha256": "zz"},
                      content_type="application/json", **auth)
    assert bad.status_code == 400 and {"size", "sha256"} <= set(bad.json())
