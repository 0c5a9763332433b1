"""Resumable uploads (tus 1.0 core + creation, checksum, termination, expiration; see docs/upload.md).

Bytes are appended to a temp file under settings.UPLOAD_TEMP_DIR, a block at a time (never a whole file in
memory). The row's `offset` is the truth: a chunk is only counted once it is on disk, through a conditional
update, and a file lock keeps two requests from writing the same upload at once. When the last byte arrives
the whole file's SHA-256 is checked against the one declared at creation, the file is validated, and it
becomes an Asset (or is recognised as a duplicate); on any refusal the temp file is deleted.

Finishing is recoverable: if the server dies (or the request is cut) after the last byte is counted but
before the asset is committed, the upload stays `receiving` with offset == size and its bytes on disk.
`upload_recover` (called by HEAD, GET, an empty PATCH at the end, and `cleanup_uploads`) runs the same
verify-and-store step again under the same file lock; the (survey, sha256) and blob constraints keep the
asset single however many times it runs.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone

from processing.models import Job, JobState
from processing.services import enqueue_job

from .imagery import sha256_of
from .models import Blob, Survey, Upload, UploadState
from .services import asset_ingest_file, blob_name, stored_blob_name
from .sizes import human_size

log = logging.getLogger(__name__)

BLOCK = 1024 * 1024
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_BAD_NAME = re.compile(r"[\x00-\x1f/\\]")


class UploadError(Exception):
    """A refused upload request. `status` is the HTTP status the API answers with, `field` the input."""

    status = 400

    def __init__(self, field: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        if status is not None:
            self.status = status


class OffsetConflict(UploadError):
    status = 409


class UploadGone(UploadError):
    status = 410


class ChecksumMismatch(UploadError):
    status = 460  # tus checksum extension


def temp_dir() -> Path:
    path = Path(settings.UPLOAD_TEMP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def expires_at(upload: Upload) -> datetime:
    return upload.updated_at + timedelta(hours=settings.UPLOAD_ABANDON_HOURS)


def clean_filename(name: str) -> str:
    """The base name of the file as the contractor named it; paths and control characters are refused."""
    name = (name or "").strip()
    if not name:
        raise UploadError("filename", "A file name is required.")
    if _BAD_NAME.search(name) or name in {".", ".."} or len(name) > 255:
        raise UploadError("filename", "The file name must be a plain name (no folders, '..' or control characters).")
    return name


def parse_checksum_header(value: str) -> bytes:
    """`Upload-Checksum: sha256 <base64 digest>` (tus checksum extension)."""
    algo, _, b64 = (value or "").strip().partition(" ")
    if algo.lower() != "sha256":
        raise UploadError("Upload-Checksum", "Only sha256 checksums are supported.", status=400)
    try:
        digest = base64.b64decode(b64.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise UploadError("Upload-Checksum", "The checksum is not valid base64.") from None
    if len(digest) != 32:
        raise UploadError("Upload-Checksum", "A sha256 checksum is 32 bytes.")
    return digest


def _audit(survey: Survey, action: str, *, actor: Any, data: dict[str, Any]) -> None:
    """Record an upload step in the audit trail of the survey's request (when it has one), tagged with the
    survey's supplier: the names of the files a supplier delivers are that supplier's."""
    if survey.flight_request_id is None:
        return
    from booking.audit import audit_record

    audit_record(flight_request=survey.flight_request_id, action=action, actor=actor, now=timezone.now(),
                 data={"survey": survey.pk, **data}, supplier=survey.supplier_id)


def upload_refusal_record(*, survey: Survey, owner: Any, filename: Any, size: Any, field: str, message: str) -> None:
    """An upload refused before it started (bad name, size or checksum, or unreadable tus headers)."""
    _audit(survey, "upload_refused", actor=owner, data={
        "filename": str(filename or "")[:255], "size": size if isinstance(size, int) else str(size)[:40],
        "field": field, "error": message})


def _audit_upload(upload: Upload, action: str, **data: Any) -> None:
    _audit(upload.survey, action, actor=upload.owner,
           data={"upload": str(upload.pk), "filename": upload.filename, "size": upload.size, **data})


def upload_create(*, survey: Survey, owner: Any, filename: str, size: int, sha256: str) -> Upload:
    """Start an upload. When the survey already holds content with this checksum the upload is answered at
    once as a duplicate (offset = size), so nothing is sent or stored twice. Every start, and every refusal
    to start, is recorded in the request's audit trail."""
    try:
        upload = _upload_create(survey=survey, owner=owner, filename=filename, size=size, sha256=sha256)
    except UploadError as exc:
        upload_refusal_record(survey=survey, owner=owner, filename=filename, size=size, field=exc.field,
                              message=exc.message)
        raise
    _audit_upload(upload, "upload_started", sha256=upload.sha256)
    if upload.state == UploadState.DUPLICATE:
        _audit_upload(upload, "upload_finished", state=str(upload.state), asset=upload.asset_id,
                      note=upload.error)
    return upload


#: request states in which nothing more is delivered
_CLOSED_REQUEST = ("completed", "cancelled")


def _check_survey_open(survey: Survey) -> None:
    """Files go to a survey still being delivered: not to an accepted one, nor to one whose request is
    completed or cancelled."""
    if survey.status == "accepted":
        raise UploadError("survey", "This delivery has been accepted; nothing more can be added to it.", status=409)
    fr = survey.flight_request
    if fr is not None and fr.status in _CLOSED_REQUEST:
        raise UploadError("survey", f"The request {fr.reference} is {fr.get_status_display().lower()}; nothing more "
                          "can be delivered to it.", status=409)


def _check_quota(survey: Survey, size: int) -> None:
    """The survey's quota (UPLOAD_MAX_SURVEY_BYTES, UPLOAD_MAX_SURVEY_FILES) counts what is stored and what is
    being uploaded now, so parallel uploads cannot together pass it."""
    from django.db.models import Sum

    stored = survey.assets.aggregate(n=Sum("size"))["n"] or 0
    receiving = survey.uploads.filter(state=UploadState.RECEIVING)
    pending = receiving.aggregate(n=Sum("size"))["n"] or 0
    limit = settings.UPLOAD_MAX_SURVEY_BYTES
    if stored + pending + size > limit:
        raise UploadError("size", f"This survey may hold at most {human_size(limit)}; it holds "
                          f"{human_size(stored)} and {human_size(pending)} is being uploaded, so "
                          f"{human_size(max(0, limit - stored - pending))} is left.", status=413)
    files = survey.assets.count() + receiving.count()
    if files >= settings.UPLOAD_MAX_SURVEY_FILES:
        raise UploadError("size", f"This survey may hold at most {settings.UPLOAD_MAX_SURVEY_FILES:,} files.",
                          status=413)


def _upload_create(*, survey: Survey, owner: Any, filename: str, size: int, sha256: str) -> Upload:
    filename = clean_filename(filename)
    sha256 = (sha256 or "").strip().lower()
    if not _SHA256_HEX.match(sha256):
        raise UploadError("sha256", "The file's SHA-256 (64 hex digits) must be declared when the upload starts.")
    if not isinstance(size, int) or size <= 0:
        raise UploadError("size", "The size must be a positive number of bytes.")
    if size > settings.UPLOAD_MAX_FILE_BYTES:
        raise UploadError("size", f"Files over {human_size(settings.UPLOAD_MAX_FILE_BYTES)} are not accepted.", status=413)
    _check_survey_open(survey)
    existing = survey.assets.filter(sha256=sha256).first()
    if existing is None:
        _check_quota(survey, size)
    if existing is not None:
        return Upload.objects.create(
            survey=survey, owner=owner, filename=filename, size=size, sha256=sha256, offset=size,
            temp_path="", state=UploadState.DUPLICATE, asset=existing,
            error=f"Already delivered as {existing.original_name}.",
        )
    upload = Upload(survey=survey, owner=owner, filename=filename, size=size, sha256=sha256)
    upload.temp_path = str(temp_dir() / f"{upload.id}.part")
    Path(upload.temp_path).touch(exist_ok=False)
    try:
        upload.save(force_insert=True)
    except BaseException:
        Path(upload.temp_path).unlink(missing_ok=True)
        raise
    return upload


def _check_open(upload: Upload, now: datetime) -> None:
    if upload.state in {UploadState.CANCELLED, UploadState.EXPIRED}:
        raise UploadGone("upload", f"This upload was {upload.state}; start it again.")
    if upload.state != UploadState.RECEIVING:
        raise OffsetConflict("upload", f"This upload is finished ({upload.get_state_display().lower()}).")
    if now > expires_at(upload) and upload.offset < upload.size:  # a complete one is finished, never expired
        upload_expire(upload=upload)
        raise UploadGone("upload", "This upload was abandoned too long and has expired; start it again.")


@contextlib.contextmanager
def _exclusive(path: Path, busy: str) -> Iterator[BinaryIO | None]:
    """An exclusive, non-blocking lock on the upload's temp file for as long as the block runs (None: there
    is no file). The lock belongs to the open file, so it holds while finishing renames the file into
    storage, and the kernel drops it when the process dies: a crashed request never leaves it held."""
    with contextlib.ExitStack() as stack:
        try:
            fh = stack.enter_context(open(path, "r+b"))
        except FileNotFoundError:
            fh = None
        if fh is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise OffsetConflict("upload", busy) from None
        yield fh


def upload_append(
    *,
    upload: Upload,
    offset: int,
    stream: BinaryIO,
    length: int | None,
    checksum: bytes | None = None,
    now: datetime | None = None,
) -> Upload:
    """Append one chunk at `offset`. A dropped connection keeps what arrived (unless a checksum was sent,
    in which case the partial chunk is discarded); a wrong offset is a conflict (409)."""
    now = now or timezone.now()
    _check_open(upload, now)
    if offset != upload.offset:
        raise OffsetConflict("Upload-Offset", f"Upload-Offset {offset} does not match the server's {upload.offset}.")
    room = upload.size - offset
    if length is not None and length > room:
        raise UploadError("Content-Length", f"The chunk ({length} bytes) goes past the declared size ({room} left).",
                          status=413)
    limit = room if length is None else length
    path = Path(upload.temp_path)
    if offset == upload.size:  # nothing left to send: finish it if an earlier request could not
        return upload_recover(upload=upload)
    digest = hashlib.sha256() if checksum is not None else None
    received = 0
    with _exclusive(path, "Another request is writing to this upload.") as fh:
        if fh is None:
            upload_expire(upload=upload)
            raise UploadGone("upload", "The partial file is gone; start the upload again.")
        # Under the lock, the row is the truth: the `upload` we were handed may be stale (another request may
        # have appended between our read and our lock), and truncating to a stale offset would destroy bytes
        # that are already counted.
        current = Upload.objects.filter(pk=upload.pk).values_list("offset", "state").first()
        if current is None or current[1] != UploadState.RECEIVING:
            raise OffsetConflict("upload", "This upload is no longer receiving; ask for its state (HEAD).")
        if current[0] != offset:
            upload.offset = current[0]
            raise OffsetConflict("Upload-Offset", f"Upload-Offset {offset} does not match the server's {current[0]}.")
        fh.truncate(offset)  # drop bytes past the counted offset (a chunk refused earlier)
        fh.seek(offset)
        try:
            while received < limit:
                block = stream.read(min(BLOCK, limit - received))
                if not block:
                    break
                fh.write(block)
                if digest is not None:
                    digest.update(block)
                received += len(block)
        except OSError:  # the client went away mid-chunk: keep what arrived (tus core)
            pass
        if digest is not None and (digest.digest() != checksum or (length is not None and received != length)):
            fh.truncate(offset)
            raise ChecksumMismatch("Upload-Checksum", "The chunk does not match its Upload-Checksum; send it again.")
        fh.flush()
        os.fsync(fh.fileno())
        new_offset = offset + received
        # Still under the lock, so no other request can truncate or write before the offset is counted.
        moved = Upload.objects.filter(pk=upload.pk, offset=offset, state=UploadState.RECEIVING).update(
            offset=new_offset, updated_at=now
        )
        if not moved:
            fh.truncate(offset)
            raise OffsetConflict("Upload-Offset", "The upload moved on meanwhile; ask for its offset (HEAD).")
        upload.offset, upload.updated_at = new_offset, now
        # The request that moved the offset onto the last byte finishes the upload, still holding the lock, so
        # a HEAD or cleanup asking at the same moment gets "busy" rather than starting a second verification.
        # If this process dies here, the bytes and the offset are already safe: `upload_recover` finishes it.
        if new_offset == upload.size:
            upload_finish(upload=upload)
    return upload


#: The job kind that finishes a complete upload outside the request (surveys/jobs/upload_finish.py).
UPLOAD_FINISH_KIND = "upload_finish"


def upload_needs_finishing(upload: Upload) -> bool:
    """Every byte arrived but the upload was never verified and stored."""
    return upload.state == UploadState.RECEIVING and upload.offset == upload.size


def upload_queue_finish(*, upload: Upload) -> Job | None:
    """Queue the verification of a complete but unfinished upload for the job runner (once: a job already
    pending or running for it is returned). None when the upload needs no finishing. A tus HEAD or GET calls
    this instead of verifying a file of many GB inside the request."""
    if not upload_needs_finishing(upload):
        return None
    active = Job.objects.filter(
        kind=UPLOAD_FINISH_KIND, params__upload_id=str(upload.pk), state__in=[JobState.PENDING, JobState.RUNNING]
    ).first()
    return active or enqueue_job(kind=UPLOAD_FINISH_KIND, params={"upload_id": str(upload.pk)})


def upload_recover(*, upload: Upload) -> Upload:
    """Finish an upload whose bytes have all arrived but which was never finished (the server died or the
    request was cut while it was being verified). Idempotent: an upload that is not complete, or is already
    finished, is returned as it is. Raises OffsetConflict (409) while another request is finishing it, and
    UploadError as `upload_finish` does when the file is refused (its temp file is then deleted)."""
    if upload.state != UploadState.RECEIVING or upload.offset != upload.size:
        return upload
    path = Path(upload.temp_path)
    if not path.exists():
        # Finishing died after the file left the temp folder: either the asset was committed (only the
        # upload's own state was not), or local storage had taken the file but the database had not.
        existing = upload.survey.assets.filter(sha256=upload.sha256).first()
        if existing is not None:
            return _link_existing(upload, existing)
        if not _restore_from_storage(upload):
            lost = "The received file was lost before it could be verified; upload it again."
            refused = Upload.objects.filter(pk=upload.pk, state=UploadState.RECEIVING).update(
                state=UploadState.REFUSED, error=lost)
            upload.refresh_from_db()
            if refused:
                _audit_upload(upload, "upload_refused", field="upload", error=lost)
                raise UploadGone("upload", lost)
            return upload  # another request finished it meanwhile
    with _exclusive(path, "This upload is being verified and stored; ask again in a moment.") as fh:
        current = Upload.objects.filter(pk=upload.pk).values_list("offset", "state").first()
        if fh is None or current is None or tuple(current) != (upload.size, UploadState.RECEIVING):
            # Another request finished it between our look and our lock.
            if fh is not None:
                path.unlink(missing_ok=True)  # a finished upload keeps no temp file
            upload.refresh_from_db()
            if upload.state == UploadState.RECEIVING:
                raise OffsetConflict("upload", "This upload is being verified and stored; ask again in a moment.")
            return upload
        return upload_finish(upload=upload)


def _link_existing(upload: Upload, asset: Any) -> Upload:
    mine = asset.uploaded_by_id == upload.owner_id and asset.original_name == upload.filename[:255]
    state = UploadState.STORED if mine else UploadState.DUPLICATE
    note = "" if mine else f"Already delivered as {asset.original_name}."
    Upload.objects.filter(pk=upload.pk, state=UploadState.RECEIVING).update(state=state, error=note, asset=asset)
    upload.refresh_from_db()
    return upload


def _restore_from_storage(upload: Upload) -> bool:
    """With local storage a finished upload is renamed into place before the database commits. If the
    process died in between, the bytes sit unreferenced under their content name: put a copy (a hard link
    where possible) back as the temp file, so that finishing runs again from the start (verified again,
    stored under a name of its own). The stored file is not taken away: another request finishing the same
    content may own it; `upload_finish` removes it later if nothing refers to it."""
    name = stored_blob_name(upload.sha256)
    if name is None:
        return False
    try:
        source = Path(default_storage.path(name))
    except NotImplementedError:  # object storage: the temp file is only deleted after the commit
        return False
    if Blob.objects.filter(file=name).exists() or not source.is_file() or source.stat().st_size != upload.size:
        return False
    if sha256_of(source) != upload.sha256:
        return False
    target = Path(upload.temp_path)
    try:
        os.link(source, target)
    except FileExistsError:
        return True  # restored by another request meanwhile
    except OSError:  # another file system: copy aside, then put it in place only if still absent
        aside = target.with_name(f"{target.name}.restore-{os.getpid()}")
        try:
            shutil.copyfile(source, aside)
            with contextlib.suppress(FileExistsError):
                os.link(aside, target)
        finally:
            aside.unlink(missing_ok=True)
    return True


def upload_finish(*, upload: Upload, progress: Callable[[float, str], None] | None = None) -> Upload:
    """Verify the whole file and turn it into an Asset (or a duplicate). On refusal nothing is stored, the
    temp file is deleted and UploadError names the field (`sha256` or `file`)."""
    from processing.core.errors import ImageryError

    path = Path(upload.temp_path)
    try:
        actual = sha256_of(path)
        if actual != upload.sha256:
            raise UploadError("sha256", f"The file's SHA-256 is {actual}, not the declared {upload.sha256}: "
                                        "the file was damaged on the way; upload it again.")
        try:
            result = asset_ingest_file(survey=upload.survey, path=path, original_name=upload.filename,
                                       sha256=actual, uploaded_by=upload.owner, move=True)
        except ImageryError as exc:
            message = str(exc)  # the validator usually names the file already
            if not message.startswith((f"{upload.filename}:", f"{upload.filename} line ")):
                message = f"{upload.filename}: {message}"
            raise UploadError("file", message) from exc
    except UploadError as exc:
        _set_state(upload, UploadState.REFUSED, error=exc.message)
        _audit_upload(upload, "upload_refused", field=exc.field, error=exc.message)
        raise
    except Exception:
        _set_state(upload, UploadState.REFUSED, error="The server could not store this file; upload it again.")
        _audit_upload(upload, "upload_refused", field="file", error=upload.error)
        raise
    finally:
        path.unlink(missing_ok=True)
    state = UploadState.DUPLICATE if result.duplicate else UploadState.STORED
    note = f"Already delivered as {result.asset.original_name}." if result.duplicate else ""
    _set_state(upload, state, asset=result.asset, error=note)
    _audit_upload(upload, "upload_finished", state=str(state), asset=result.asset.pk, sha256=upload.sha256,
                  note=note)
    _delete_orphan(upload)
    return upload


def _delete_orphan(upload: Upload) -> None:
    """A crash after local storage took the file but before the commit leaves the bytes under their content
    name with no blob. Once this content has a committed blob elsewhere, the orphan can go (a request still
    finishing the same content will find the blob taken and drop its own copy anyway)."""
    fmt = (upload.asset.metadata or {}).get("format") if upload.asset is not None else None
    name = blob_name(upload.sha256, fmt)  # where this upload's bytes would have been stored
    blob = Blob.objects.filter(sha256=upload.sha256).first()
    if blob is not None and blob.file.name != name and default_storage.exists(name):
        default_storage.delete(name)


def _set_state(upload: Upload, state: str, *, error: str = "", asset: Any = None) -> None:
    upload.state, upload.error, upload.asset = state, error, asset
    upload.save(update_fields=["state", "error", "asset", "updated_at"])


def upload_terminate(*, upload: Upload) -> None:
    """tus termination: drop the partial file; later requests for this upload answer 410. A chunk being
    written at the same moment makes this a conflict (409) rather than pulling the file from under it."""
    if upload.state != UploadState.RECEIVING:
        raise OffsetConflict("upload", "Only an unfinished upload can be cancelled.")
    path = Path(upload.temp_path)
    with _exclusive(path, "A chunk is being written to this upload; try again."):
        cancelled = Upload.objects.filter(pk=upload.pk, state=UploadState.RECEIVING).update(
            state=UploadState.CANCELLED, error=""
        )
        if not cancelled:
            upload.refresh_from_db()
            raise OffsetConflict("upload", "Only an unfinished upload can be cancelled.")
        path.unlink(missing_ok=True)
    upload.state = UploadState.CANCELLED


def upload_expire(*, upload: Upload) -> None:
    """Give up an unfinished upload and delete its partial file (complete ones are finished instead)."""
    if not Upload.objects.filter(pk=upload.pk, state=UploadState.RECEIVING, offset__lt=upload.size).update(
            state=UploadState.EXPIRED):
        upload.refresh_from_db()
        return
    if upload.temp_path:
        Path(upload.temp_path).unlink(missing_ok=True)
    upload.state = UploadState.EXPIRED


def uploads_cleanup_abandoned(*, now: datetime, max_age_hours: int) -> dict[str, int]:
    """Finish every upload whose bytes have all arrived but which was never finished (see `upload_recover`);
    expire the unfinished ones untouched for `max_age_hours` and delete their partial files, plus any stray
    file in the temp folder that no open upload owns and that is as old."""
    cutoff = now - timedelta(hours=max_age_hours)
    counts = {"finished": 0, "refused": 0, "busy": 0, "expired": 0, "stray_files": 0}
    for upload in Upload.objects.filter(state=UploadState.RECEIVING, offset=models.F("size")):
        try:
            upload_recover(upload=upload)
        except OffsetConflict:
            counts["busy"] += 1  # a request is finishing it right now
        except UploadError:
            counts["refused"] += 1
        except Exception:  # one broken file must not stop the clean-up of the others
            log.exception("upload %s could not be finished", upload.pk)
            counts["refused"] += 1
        else:
            counts["finished"] += 1
    for upload in Upload.objects.filter(state=UploadState.RECEIVING, updated_at__lt=cutoff,
                                        offset__lt=models.F("size")):
        upload_expire(upload=upload)
        counts["expired"] += 1
    open_paths = set(Upload.objects.filter(state=UploadState.RECEIVING).values_list("temp_path", flat=True))
    folder = Path(settings.UPLOAD_TEMP_DIR)
    if folder.is_dir():
        for entry in folder.iterdir():
            if not entry.is_file() or str(entry) in open_paths:
                continue
            if datetime.fromtimestamp(entry.stat().st_mtime, tz=now.tzinfo) < cutoff:
                entry.unlink(missing_ok=True)
                counts["stray_files"] += 1
    return counts
