"""Upload safety: stale or concurrent requests, size limits, auth on every tus verb, names that try to escape."""

from __future__ import annotations

import fcntl
import io
from pathlib import Path

import pytest

from surveys.models import Asset, Upload, UploadState
from surveys.services import blob_name
from surveys.uploads import OffsetConflict, upload_append

from .helpers import b64, sha256_hex, tus_create, tus_patch

pytestmark = pytest.mark.django_db

PHOTO = "drone/caliterra-half/IMG_9354.jpg"


def _upload_of(url: str) -> Upload:
    return Upload.objects.get(pk=url.rstrip("/").rsplit("/", 1)[1])


def test_a_stale_request_cannot_overwrite_counted_bytes(client, cast, survey, shared_data):
    """Two PATCHes raced for offset 0: the loser (holding a stale row) must not truncate what the winner wrote."""
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    url = tus_create(client, survey.pk, "IMG_9354.jpg", data)["Location"]
    stale = _upload_of(url)  # read before the other request appends
    assert tus_patch(client, url, 0, data[:100_000]).status_code == 204

    with pytest.raises(OffsetConflict):
        upload_append(upload=stale, offset=0, stream=io.BytesIO(b"x" * 10), length=10)
    part = Path(stale.temp_path)
    assert part.stat().st_size == 100_000 and part.read_bytes() == data[:100_000]
    assert _upload_of(url).offset == 100_000

    offset = 100_000
    while offset < len(data):
        response = tus_patch(client, url, offset, data[offset:offset + 400_000])
        assert response.status_code == 204, response.content
        offset = int(response["Upload-Offset"])
    asset = Asset.objects.get(pk=int(response["Upload-Asset-Id"]))
    with asset.file.open("rb") as fh:
        assert fh.read() == data


def test_a_chunk_is_refused_while_another_request_writes(client, cast, survey, shared_data):
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    url = tus_create(client, survey.pk, "IMG_9354.jpg", data)["Location"]
    part = Path(_upload_of(url).temp_path)
    with open(part, "r+b") as busy:  # what a request in the middle of writing a chunk holds
        fcntl.flock(busy.fileno(), fcntl.LOCK_EX)
        assert tus_patch(client, url, 0, data[:1000]).status_code == 409
        # Cancelling does not pull the file from under the writer either.
        assert client.delete(url).status_code == 409
        assert part.exists() and _upload_of(url).state == UploadState.RECEIVING
    assert tus_patch(client, url, 0, data[:1000]).status_code == 204
    assert client.delete(url).status_code == 204
    assert not part.exists() and _upload_of(url).state == UploadState.CANCELLED


def test_size_limit_at_creation(client, cast, survey, settings):
    settings.UPLOAD_MAX_FILE_BYTES = 1536
    client.force_login(cast.contractor)
    over = tus_create(client, survey.pk, "big.jpg", b"\xff" * 1537)
    assert over.status_code == 413 and "size" in over.json()
    assert "Files over 1.5 KB are not accepted" in str(over.json()["size"])  # a size in words, not bytes
    as_json = client.post(f"/api/v1/surveys/{survey.pk}/uploads/",
                          {"filename": "big.jpg", "size": 1537, "sha256": "0" * 64}, content_type="application/json")
    assert as_json.status_code == 400 and "size" in as_json.json()
    assert client.options(f"/api/v1/surveys/{survey.pk}/uploads/")["Tus-Max-Size"] == "1536"
    assert not Upload.objects.exists() and tus_create(client, survey.pk, "ok.jpg", b"\xff" * 1000).status_code == 201


def test_a_chunk_cannot_go_past_the_declared_size(client, cast, survey, shared_data, settings):
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    url = tus_create(client, survey.pk, "IMG_9354.jpg", data)["Location"]
    response = tus_patch(client, url, 0, data + b"0123456789")
    assert response.status_code == 413 and "Content-Length" in response.json()
    upload = _upload_of(url)
    assert upload.offset == 0 and Path(upload.temp_path).stat().st_size == 0
    # A streamed chunk without a length is cut at the declared size: what follows is never written.
    upload_append(upload=upload, offset=0, stream=io.BytesIO(data + b"A" * 10_000), length=None)
    upload.refresh_from_db()
    assert upload.offset == len(data) and upload.state == UploadState.STORED
    with upload.asset.file.open("rb") as fh:
        assert fh.read() == data


def test_anonymous_gets_nothing_from_any_upload_verb(client, cast, survey):
    client.force_login(cast.contractor)
    url = tus_create(client, survey.pk, "a.jpg", b"0123456789")["Location"]
    client.logout()
    assert tus_create(client, survey.pk, "b.jpg", b"0123456789").status_code in (401, 403)
    assert client.head(url).status_code in (401, 403)
    assert client.get(url).status_code in (401, 403)
    assert tus_patch(client, url, 0, b"0123").status_code in (401, 403)
    assert client.delete(url).status_code in (401, 403)
    upload = _upload_of(url)
    assert upload.offset == 0 and upload.state == UploadState.RECEIVING


def test_an_owner_who_left_the_supplier_loses_the_upload(client, cast, survey):
    client.force_login(cast.contractor)
    url = tus_create(client, survey.pk, "a.jpg", b"0123456789")["Location"]
    profile = cast.contractor.profile
    profile.supplier = cast.other_supplier
    profile.save(update_fields=["supplier"])
    for response in (client.head(url), client.get(url), tus_patch(client, url, 0, b"0123"), client.delete(url)):
        assert response.status_code == 404
    assert _upload_of(url).offset == 0


@pytest.mark.parametrize("name", ["../../etc/passwd", "..\\..\\boot.ini", "a/b.jpg", "..", "x\x00.jpg", "bad\n.jpg"])
def test_names_with_paths_are_refused_in_both_creation_forms(client, cast, survey, name):
    client.force_login(cast.contractor)
    sha = sha256_hex(b"0123456789")
    as_tus = client.post(f"/api/v1/surveys/{survey.pk}/uploads/", HTTP_UPLOAD_LENGTH="10",
                         HTTP_UPLOAD_METADATA=f"filename {b64(name)},sha256 {b64(sha)}")
    assert as_tus.status_code == 400 and "filename" in as_tus.json()
    as_json = client.post(f"/api/v1/surveys/{survey.pk}/uploads/", {"filename": name, "size": 10, "sha256": sha},
                          content_type="application/json")
    assert as_json.status_code == 400 and "filename" in as_json.json()
    assert not Upload.objects.exists()


def test_storage_names_come_from_the_hash_and_the_detected_format_only():
    """The second argument is the format the upload check detected, never the sender's name."""
    sha = "ab" * 32
    assert blob_name(sha, "jpeg") == f"blobs/ab/{sha}.jpg"
    assert blob_name(sha, "IMG_1.JPG") == f"blobs/ab/{sha}"
    assert blob_name(sha, "weird.j\u202epg") == f"blobs/ab/{sha}"
    assert blob_name(sha, "archive.tar;rm -rf") == f"blobs/ab/{sha}"
