"""Finishing an upload is recoverable: a server that died (or a request that was cut) after the last byte was
counted but before the asset was committed leaves the upload `receiving` with offset == size. The crash is
simulated by putting the state such a crash leaves on disk and in the database (real files, real storage,
real rows); HEAD, GET, an empty PATCH and `cleanup_uploads` then finish it exactly once."""

from __future__ import annotations

import fcntl
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from processing.models import Job
from surveys.models import Asset, Blob, Upload, UploadState
from surveys.services import asset_ingest_file, blob_name
from surveys.uploads import upload_recover

from .helpers import sha256_hex, truncated_jpeg, tus_create, tus_patch

pytestmark = pytest.mark.django_db

PHOTO = "drone/caliterra-half/IMG_9354.jpg"


def stored_files(settings) -> list[Path]:
    incoming = Path(settings.UPLOAD_TEMP_DIR)
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file() and incoming not in p.parents]


def temp_files(settings) -> list[Path]:
    folder = Path(settings.UPLOAD_TEMP_DIR)
    return [p for p in folder.iterdir() if p.is_file()] if folder.exists() else []


def empty_patch(client, url: str, offset: int):
    """PATCH with no body (the test client leaves out Content-Type for an empty body; tus clients send it)."""
    return tus_patch(client, url, offset, b"", checksum=False, CONTENT_TYPE="application/offset+octet-stream")


def crashed_upload(client, survey, name: str, data: bytes, *, sha: str | None = None,
                   on_disk: bytes | None = None, age_hours: float = 0) -> tuple[str, Upload]:
    """What a crash between the last chunk's offset update and the asset's commit leaves behind: every
    byte fsynced in the temp file, the row's offset at the size, the state still `receiving`."""
    created = tus_create(client, survey.pk, name, data, sha=sha)
    assert created.status_code == 201, created.content
    url = created["Location"]
    upload = Upload.objects.get(pk=url.rstrip("/").rsplit("/", 1)[1])
    Path(upload.temp_path).write_bytes(data if on_disk is None else on_disk)
    Upload.objects.filter(pk=upload.pk).update(
        offset=len(data), updated_at=timezone.now() - timedelta(hours=age_hours))
    upload.refresh_from_db()
    assert upload.state == UploadState.RECEIVING and upload.offset == upload.size
    return url, upload


def head_after_the_runner(client, url: str, upload: Upload):
    """A HEAD never verifies a file inside the request: it queues the `upload_finish` job (once) and says
    to ask again; the job runner verifies and stores it; the next HEAD tells the outcome."""
    first = client.head(url, HTTP_TUS_RESUMABLE="1.0.0")
    assert first.status_code == 200 and first["Upload-State"] == "receiving" and first["Retry-After"]
    assert Upload.objects.get(pk=upload.pk).state == UploadState.RECEIVING  # nothing verified yet
    assert client.get(url).json()["state"] == "receiving"  # asking again queues nothing more
    assert Job.objects.filter(kind="upload_finish", params__upload_id=str(upload.pk), state="pending").count() == 1
    call_command("run_jobs", "--burst", "--quiet")
    return client.head(url, HTTP_TUS_RESUMABLE="1.0.0")


def test_head_finishes_a_complete_upload_once(client, cast, survey, shared_data, settings):
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    # Past its expiry too: a complete upload is finished, never expired.
    url, upload = crashed_upload(client, survey, "IMG_9354.jpg", data,
                                 age_hours=settings.UPLOAD_ABANDON_HOURS + 1)
    assert not Asset.objects.exists()

    head = head_after_the_runner(client, url, upload)
    assert head.status_code == 200
    assert head["Upload-State"] == "stored" and head["Upload-Offset"] == str(len(data))
    asset = Asset.objects.get(pk=int(head["Upload-Asset-Id"]))
    with asset.file.open("rb") as fh:
        assert fh.read() == data
    assert asset.sha256 == sha256_hex(data) and asset.has_location and asset.uploaded_by == cast.contractor
    assert temp_files(settings) == []

    # Asking again (HEAD, GET, an empty PATCH, the clean-up) changes nothing: one asset, one stored file.
    assert client.head(url)["Upload-Asset-Id"] == str(asset.pk)
    assert client.get(url).json()["state"] == "stored"
    again = empty_patch(client, url, len(data))
    assert again.status_code == 409 and "finished" in again.json()["detail"]
    call_command("cleanup_uploads", stdout=io.StringIO())
    assert Asset.objects.count() == 1 and Blob.objects.count() == 1 and len(stored_files(settings)) == 1
    assert Upload.objects.get(pk=upload.pk).state == UploadState.STORED


def test_an_empty_patch_at_the_end_finishes_it(client, cast, survey, shared_data, settings):
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    url, _ = crashed_upload(client, survey, "IMG_9354.jpg", data)
    done = empty_patch(client, url, len(data))
    assert done.status_code == 204, done.content
    assert done["Upload-State"] == "stored"
    assert survey.assets.get().pk == int(done["Upload-Asset-Id"])
    assert temp_files(settings) == []


def test_a_damaged_file_found_at_recovery_is_refused_clearly(client, cast, survey, shared_data, settings):
    data = (shared_data / PHOTO).read_bytes()
    damaged = bytearray(data)
    damaged[len(data) // 2] ^= 0xFF
    client.force_login(cast.contractor)
    url, upload = crashed_upload(client, survey, "IMG_9354.jpg", data, on_disk=bytes(damaged))

    head = head_after_the_runner(client, url, upload)
    assert head.status_code == 400 and head["Upload-State"] == "refused"
    status = client.get(url).json()
    assert status["state"] == "refused" and "not the declared" in status["error"]
    assert not Asset.objects.exists() and not Blob.objects.exists()
    assert temp_files(settings) == [] and stored_files(settings) == []
    # The same verdict through an empty PATCH on a fresh crash, with the field named.
    url2, _ = crashed_upload(client, survey, "b.jpg", data, on_disk=bytes(damaged))
    refused = empty_patch(client, url2, len(data))
    assert refused.status_code == 400 and "sha256" in refused.json()
    assert temp_files(settings) == []


def test_a_broken_file_found_at_recovery_is_refused_clearly(client, cast, survey, shared_data, settings):
    data = truncated_jpeg(shared_data)  # the declared checksum matches: validation refuses it
    client.force_login(cast.contractor)
    url, _ = crashed_upload(client, survey, "cut.jpg", data)
    refused = empty_patch(client, url, len(data))
    assert refused.status_code == 400
    body = refused.json()
    assert "file" in body and "cut.jpg" in body["detail"] and "truncated" in body["detail"]
    assert not Asset.objects.exists() and temp_files(settings) == [] and stored_files(settings) == []


def test_cleanup_finishes_complete_uploads_and_expires_the_rest(client, cast, survey, shared_data, settings):
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    old = settings.UPLOAD_ABANDON_HOURS + 1
    _, complete = crashed_upload(client, survey, "IMG_9354.jpg", data, age_hours=old)
    _, bad = crashed_upload(client, survey, "bad.jpg", data[:5000], sha="0" * 64)
    half = tus_create(client, survey.pk, "half.jpg", data)["Location"]
    assert tus_patch(client, half, 0, data[:50_000]).status_code == 204
    Upload.objects.filter(filename="half.jpg").update(updated_at=timezone.now() - timedelta(hours=old))

    out = io.StringIO()
    call_command("cleanup_uploads", stdout=out)
    assert "1 complete upload(s) finished, 1 refused" in out.getvalue()
    assert "1 abandoned upload(s) expired" in out.getvalue()
    complete.refresh_from_db()
    bad.refresh_from_db()
    assert complete.state == UploadState.STORED and complete.asset.sha256 == sha256_hex(data)
    assert bad.state == UploadState.REFUSED and "SHA-256" in bad.error
    assert Upload.objects.get(filename="half.jpg").state == UploadState.EXPIRED
    assert survey.assets.count() == 1 and temp_files(settings) == []

    again = io.StringIO()
    call_command("cleanup_uploads", stdout=again)
    assert "0 complete upload(s) finished" in again.getvalue() and survey.assets.count() == 1


def test_no_second_verification_while_a_request_is_finishing(client, cast, survey, shared_data, settings):
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    url, upload = crashed_upload(client, survey, "IMG_9354.jpg", data)
    with open(upload.temp_path, "r+b") as busy:  # what the request verifying the last chunk holds
        fcntl.flock(busy.fileno(), fcntl.LOCK_EX)
        head = client.head(url)
        assert head.status_code == 200 and head["Upload-State"] == "receiving"
        assert head["Upload-Offset"] == str(len(data)) and head["Retry-After"]
        assert empty_patch(client, url, len(data)).status_code == 409
        out = io.StringIO()
        call_command("cleanup_uploads", stdout=out)
        assert "1 being finished by a request" in out.getvalue()
        assert not Asset.objects.exists() and Path(upload.temp_path).read_bytes() == data
        call_command("run_jobs", "--burst", "--quiet")  # the queued job finds it busy and leaves it
        assert not Asset.objects.exists()
    # The holder died without finishing (its lock went with it): the next HEAD queues it again, and it is stored.
    assert head_after_the_runner(client, url, upload)["Upload-State"] == "stored" and survey.assets.count() == 1


def test_crash_after_the_asset_was_committed(client, cast, survey, shared_data, settings):
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    url, upload = crashed_upload(client, survey, "IMG_9354.jpg", data)
    # The real ingestion ran and committed (moving the temp file into storage); the upload's state did not.
    result = asset_ingest_file(survey=survey, path=Path(upload.temp_path), original_name=upload.filename,
                               sha256=upload.sha256, uploaded_by=cast.contractor, move=True)
    assert not Path(upload.temp_path).exists()

    head = head_after_the_runner(client, url, upload)
    assert head.status_code == 200 and head["Upload-State"] == "stored"
    assert head["Upload-Asset-Id"] == str(result.asset.pk)
    assert Asset.objects.count() == 1 and len(stored_files(settings)) == 1


def test_crash_after_storage_took_the_file_before_the_commit(client, cast, survey, shared_data, settings):
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    url, upload = crashed_upload(client, survey, "IMG_9354.jpg", data)
    # Local storage had renamed the temp file into place; the transaction creating blob and asset never committed.
    orphan = default_storage.save(blob_name(upload.sha256, "jpeg"), ContentFile(data))
    Path(upload.temp_path).unlink()
    assert not Blob.objects.exists()

    head = head_after_the_runner(client, url, upload)
    assert head.status_code == 200 and head["Upload-State"] == "stored", head.headers
    asset = survey.assets.get()
    with asset.file.open("rb") as fh:
        assert fh.read() == data
    # Exactly one stored copy: the orphan went once the content had its own committed blob.
    assert Blob.objects.count() == 1 and not default_storage.exists(orphan)
    assert len(stored_files(settings)) == 1 and temp_files(settings) == []


def test_a_file_lost_before_verification_is_answered_gone(client, cast, survey, shared_data, settings):
    data = (shared_data / PHOTO).read_bytes()
    client.force_login(cast.contractor)
    url, upload = crashed_upload(client, survey, "IMG_9354.jpg", data)
    Path(upload.temp_path).unlink()  # e.g. the temp folder was wiped with the server
    assert head_after_the_runner(client, url, upload).status_code == 400
    upload.refresh_from_db()
    assert upload.state == UploadState.REFUSED and "lost" in upload.error
    assert not Asset.objects.exists()
    # Calling again is harmless.
    assert upload_recover(upload=upload).state == UploadState.REFUSED
