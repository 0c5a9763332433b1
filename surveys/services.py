"""Writes: sites, surveys, asset ingestion (shared by uploads and the demo loader) and delivery."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from processing.models import Job, JobState
from processing.selectors import job_state_detail
from processing.services import enqueue_job

from .audit import survey_audit_record
from .errors import SurveyError
from .files import blob_name, blob_name_candidates
from .imagery import (
    as_float,
    asset_kind,
    footprint_with_stated_height,
    parse_captured_at,
    sha256_of,
    validate_and_read,
)
from .models import Asset, AssetKind, Blob, MapState, Site, Survey, SurveyStatus
from .transitions import DELIVERED_STATES, ensure_allowed, survey_transition

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- sites and surveys


def site_get_or_create(*, name: str, geometry: dict, organisation: Any | None) -> Site:
    """A site is a lasting place: one row per name and owning organisation."""
    site = Site.objects.filter(name=name, organisation=organisation).first()
    if site is None:
        site = Site.objects.create(name=name, geometry=geometry, organisation=organisation)
    return site


MAX_FLYING_HEIGHT_M = 500.0  # also a DB constraint; anything higher is a typo (the UK open category stops at 120 m)


def clean_flying_height(value: Any) -> float | None:
    """A stated flying height above ground in metres (None: not stated). Raises SurveyError naming the field."""
    if value is None or value == "":
        return None
    try:
        height = float(value)
    except (TypeError, ValueError):
        raise SurveyError("flying_height_m", "The flying height must be a number of metres.") from None
    if not 0 < height <= MAX_FLYING_HEIGHT_M:  # also refuses NaN
        raise SurveyError("flying_height_m", f"The flying height must be above 0 and at most {MAX_FLYING_HEIGHT_M:g} m.")
    return height


HEIGHT_EDITABLE = frozenset({SurveyStatus.RECEIVING, SurveyStatus.FLAGGED, SurveyStatus.RETURNED})


def survey_set_flying_height(*, survey: Survey, height_m: float | None) -> Survey:
    """Record the flying height above ground the contractor states for this survey, and recompute the
    footprints of its photos that record no relative altitude (DJI photos keep their own). Only while the
    delivery is open, flagged or returned for rework: a delivered survey's report must not change under it."""
    height = clean_flying_height(height_m)
    if survey.status not in HEIGHT_EDITABLE:
        raise SurveyError("flying_height_m",
                          f"The flying height of a survey that is {survey.get_status_display().lower()} is fixed.")
    with transaction.atomic():
        survey.flying_height_m = height
        survey.save(update_fields=["flying_height_m", "updated_at"])
        photos = survey.assets.select_for_update().filter(kind__in=[AssetKind.PHOTO, AssetKind.THERMAL_PHOTO])
        for asset in photos.only("id", "metadata", "footprint"):
            metadata = footprint_with_stated_height(asset.metadata or {}, height)
            if metadata is not asset.metadata:
                asset.metadata, asset.footprint = metadata, metadata.get("footprint") or None
                asset.save(update_fields=["metadata", "footprint"])
    return survey


def _flown_flight(*, flight_request: Any, by: Any) -> Any:
    """The request's flown flight (the latest, for a contractor the latest of their supplier's)."""
    from accounts.roles import supplier_id_of

    flights = flight_request.flights.filter(status="flown").order_by("-scheduled_start", "-id")
    supplier_id = supplier_id_of(by)
    if supplier_id is not None:
        flights = flights.filter(supplier_id=supplier_id)
    return flights.first()


def _check_delivery_open(flight_request: Any) -> None:
    """A delivery is opened only while the request takes one: flown, or returned for rework (the sources of
    booking's "deliver"); never before the flight nor once delivered, completed or cancelled."""
    from booking.transitions import TRANSITIONS

    open_states = TRANSITIONS["deliver"].sources
    if flight_request.status not in open_states:
        raise SurveyError("flight_request", f"Request {flight_request.reference} is "
                                            f"{flight_request.get_status_display().lower()}: a survey is opened "
                                            "once it is flown, or returned for rework.")


def survey_create(*, flight_request: Any, by: Any, flight: Any | None = None,
                  flying_height_m: float | None = None) -> Survey:
    """Open a survey (a delivery) for the request's flown flight (or the given one, which must be flown: never
    a cancelled or a still scheduled one). The supplier is the flight's; a contractor may only open one for a
    flight of its own supplier."""
    from accounts.roles import is_admin, supplier_id_of

    flying_height_m = clean_flying_height(flying_height_m)
    if flight is not None and flight.flight_request_id != flight_request.pk:
        raise SurveyError("flight", "This flight belongs to another request.")
    if flight is not None and flight.status != "flown":
        raise SurveyError("flight", f"This flight is {flight.get_status_display().lower()}: a survey attaches "
                                    "to the flown flight (record the flight first).")
    if flight is None:
        flight = _flown_flight(flight_request=flight_request, by=by)
    if flight is None:
        raise SurveyError("flight", f"Request {flight_request.reference} has no flown flight"
                                    f"{' of your supplier' if supplier_id_of(by) is not None else ''}: "
                                    "record the flight as flown before opening its survey.")
    if not is_admin(by) and flight.supplier_id != supplier_id_of(by):
        raise SurveyError("flight", "This flight is not flown by your supplier.")
    _check_delivery_open(flight_request)
    with transaction.atomic():
        site = site_get_or_create(
            name=flight_request.site_name, geometry=flight_request.area, organisation=flight_request.organisation
        )
        return Survey.objects.create(
            site=site, flight_request=flight_request, flight=flight, supplier_id=flight.supplier_id,
            flying_height_m=flying_height_m,
        )


def survey_open(*, flight_request: Any, by: Any) -> tuple[Survey, bool]:
    """The survey the contractor delivers the request's flown flight through: the latest existing one of that
    flight and supplier, else a new one (see `survey_create`). Returns (survey, created)."""
    flight = _flown_flight(flight_request=flight_request, by=by)
    if flight is not None:
        _check_delivery_open(flight_request)
        existing = (Survey.objects.filter(flight_request=flight_request, flight=flight, supplier_id=flight.supplier_id)
                    .order_by("-created_at", "-id").first())
        if existing is not None:
            return existing, False
    return survey_create(flight_request=flight_request, by=by, flight=flight), True


# ---------------------------------------------------------------- assets


@dataclass(frozen=True)
class IngestResult:
    asset: Asset
    duplicate: bool  # the survey already held this content: nothing new was stored


class _MovableFile(File):
    """Lets FileSystemStorage move (rename) a finished upload into place instead of copying several GB;
    other storages (S3) stream it from the file as usual."""

    def __init__(self, fh: Any, path: Path) -> None:
        super().__init__(fh, name=path.name)
        self._path = path

    def temporary_file_path(self) -> str:
        return str(self._path)


def stored_blob_name(sha256: str) -> str | None:
    """The name content with this hash sits under in storage, whatever its format (None: not stored). For
    recovering uploads whose process died between storing and committing (the format is not known then)."""
    return next((name for name in blob_name_candidates(sha256) if default_storage.exists(name)), None)


def _store_blob(*, path: Path, sha256: str, size: int, fmt: str | None, move: bool) -> tuple[Blob, str | None]:
    """The blob for this content, storing the bytes only when no survey holds them yet.
    Returns the blob and the storage name written by this call (to delete if the transaction fails)."""
    existing = Blob.objects.filter(sha256=sha256).first()
    if existing is not None:
        return existing, None
    with open(path, "rb") as fh:
        content = _MovableFile(fh, path) if move else File(fh, name=path.name)
        stored_name = default_storage.save(blob_name(sha256, fmt), content)
    try:
        with transaction.atomic():
            return Blob.objects.create(sha256=sha256, file=stored_name, size=size), stored_name
    except IntegrityError:  # another request stored the same content at the same moment
        default_storage.delete(stored_name)
        return Blob.objects.get(sha256=sha256), None


def asset_ingest_file(
    *,
    survey: Survey,
    path: Path,
    original_name: str,
    sha256: str | None = None,
    uploaded_by: Any | None = None,
    move: bool = False,
) -> IngestResult:
    """Validate one complete file, read its metadata and footprint, store it once and create its Asset,
    all or nothing. Raises processing.core.errors.ImageryError for hostile or broken files (nothing stored).

    `move=True` lets local storage take the file by renaming it (finished uploads); the caller always owns
    and removes `path` afterwards if it is still there."""
    path = Path(path)
    sha256 = sha256 or sha256_of(path)
    existing = survey.assets.filter(sha256=sha256).first()
    if existing is not None:
        return IngestResult(existing, True)
    info = validate_and_read(path, original_name, stated_height_m=survey.flying_height_m)
    size = path.stat().st_size
    lat, lon = as_float(info.get("lat")), as_float(info.get("lon"))
    has_location = lat is not None and lon is not None
    written: str | None = None
    try:
        with transaction.atomic():
            # The stored suffix is the detected format's, never the sender's (a JPEG named x.html is ….jpg).
            blob, written = _store_blob(path=path, sha256=sha256, size=size, fmt=info.get("format"), move=move)
            try:
                with transaction.atomic():
                    asset = Asset.objects.create(
                        survey=survey,
                        kind=asset_kind(info),
                        blob=blob,
                        file=blob.file.name,
                        original_name=original_name[:255],
                        sha256=sha256,
                        size=size,
                        captured_at=parse_captured_at(info.get("captured_at")),
                        metadata=info,
                        footprint=info.get("footprint") or None,
                        lat=lat if has_location else None,
                        lon=lon if has_location else None,
                        has_location=has_location,
                        uploaded_by=uploaded_by,
                    )
            except IntegrityError:  # the same file finished twice at once in this survey
                return IngestResult(survey.assets.get(sha256=sha256), True)
    except BaseException:
        if written:
            default_storage.delete(written)
        raise
    return IngestResult(asset, False)


# ---------------------------------------------------------------- delivery


def survey_deliver(*, survey: Survey, by: Any, now: datetime, flying_height_m: Any = None, note: str = "") -> Survey:
    """Close the delivery: compute and store the conformance report, flag the survey for review when it
    fails (never silently accepted), move the booking request on, and queue the processing jobs.

    `flying_height_m`, when given, is the contractor's statement of the flight's height above ground (see
    `survey_set_flying_height`), recorded before the report is made."""
    from .conformance import conformance_report

    ensure_allowed(survey=survey, action="deliver", actor=by)
    if not survey.assets.exists():
        raise SurveyError("assets", "Nothing has been uploaded to this survey yet.")
    height = clean_flying_height(flying_height_m)
    if height is not None and height != survey.flying_height_m:
        survey_set_flying_height(survey=survey, height_m=height)
    report = conformance_report(survey=survey)
    passed = bool(report.get("passed"))
    with transaction.atomic():
        survey.conformance = report
        survey.conformance_passed = passed
        # A failed check flags the survey; so does a check that could not be made (never silently accepted).
        survey.flagged_for_review = (not passed) or bool(report.get("needs_review"))
        survey.delivered_at = now
        survey_transition(survey=survey, action="deliver", actor=by, now=now,
                          target=SurveyStatus.DELIVERED if passed else SurveyStatus.FLAGGED,
                          also_save=("conformance", "conformance_passed", "flagged_for_review", "delivered_at"),
                          data={"files": survey.assets.count()})
        survey_audit_record(survey, "conformance_checked", by=by, now=now, data={
            "outcome": "pass" if passed and not report.get("needs_review") else "needs_review",
            "passed": passed, "summary": str(report.get("summary", ""))[:300],
            "checks": [{"name": c.get("name"), "status": c.get("status")} for c in report.get("checks", [])]})
        _booking_deliver(survey=survey, by=by, now=now, note=note)
        job = _enqueue_processing(survey=survey)
        if job is not None:
            survey_transition(survey=survey, action="queue_map", actor=by, now=now,
                              data={"job": job.pk, "kind": job.kind})
    return survey


def _booking_deliver(*, survey: Survey, by: Any, now: datetime, note: str = "") -> None:
    """Move the request to "delivered" through booking's own transition, when the request is at a stage
    that takes it (flown, or returned for rework); a survey delivered earlier is still checked and stored."""
    if survey.flight_request_id is None:
        return
    from booking.errors import BookingError
    from booking.services import flight_request_deliver

    fr = survey.flight_request
    if fr.status not in {"flown", "rework"}:
        return
    summary = (survey.conformance or {}).get("summary", "")
    try:
        flight_request_deliver(actor=by, flight_request=fr, now=now, survey=survey,
                               note=f"{(note or '').strip() + ' · ' if (note or '').strip() else ''}"
                                    f"Survey {survey.pk}: {survey.assets.count()} files; {summary}"[:500])
    except BookingError as exc:  # e.g. someone other than the order's contractor: nothing is delivered
        raise SurveyError(exc.field or "flight_request", f"Request {fr.reference}: {exc.message}") from exc


def _enqueue_processing(*, survey: Survey) -> Any | None:
    """Orthophoto GeoTIFFs become a COG; photos become an orthomosaic (jobs run after commit). Returns the job,
    or None when there is nothing to build a map from."""
    kinds = set(survey.assets.values_list("kind", flat=True))
    if AssetKind.ORTHOPHOTO in kinds:
        asset = survey.assets.filter(kind=AssetKind.ORTHOPHOTO).order_by("-size").first()
        return enqueue_job(kind="cog", survey=survey, params={"asset_id": asset.pk if asset else None})
    if AssetKind.PHOTO in kinds:
        return enqueue_job(kind="orthomosaic", survey=survey, params={})
    return None


def survey_rebuild_map(*, survey: Survey, by: Any, now: datetime | None = None) -> Any:
    """Build the survey's map again from its current files, e.g. after the contractor added a ground control
    list (gcp_list.txt) or a failed job's cause was fixed. The published map stays until the new one replaces it.
    Refused before delivery, while a map is being built, and when there is nothing to build from."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.status not in DELIVERED_STATES:
            raise SurveyError("status", f"A survey that is {locked.get_status_display().lower()} cannot have its "
                                        "map rebuilt: deliver it first.")
        ensure_allowed(survey=locked, action="rebuild_map", actor=by)
        active = Job.objects.filter(survey=locked, state__in=[JobState.PENDING, JobState.RUNNING]).first()
        if active is not None:
            # A pending job counts even when the job queue was down (a sweep sends it when it is back): say so.
            raise SurveyError("status", f"A map is already being built for this survey (job {active.pk}). "
                                        f"{job_state_detail(active)}")
        job = _enqueue_processing(survey=locked)
        if job is None:
            raise SurveyError("assets", "Nothing to build a map from: this survey has no photos or orthophoto GeoTIFF.")
        log.info("survey %s: map rebuild queued as job %s by %s", locked.pk, job.pk, getattr(by, "pk", None))
        survey_transition(survey=locked, action="rebuild_map", actor=by, now=now,
                          data={"job": job.pk, "kind": job.kind})
    survey.map_state = locked.map_state
    return job


def can_rebuild_now(survey: Survey) -> bool:
    """Whether the survey's state lets its map be built again (the page shows the button then)."""
    return survey.status in DELIVERED_STATES


# ---------------------------------------------------------------- the map (reported by the job kinds in surveys/jobs)


def survey_orthophoto_name(*, survey_id: int) -> str:
    """The stored name of the survey's current map ("" while it has none)."""
    return Survey.objects.filter(pk=survey_id).values_list("orthophoto", flat=True).first() or ""


def survey_map_started(*, survey_id: int, job: Any, now: datetime) -> None:
    """A job started building the survey's map (audited only when that changes the map's state, e.g. a job
    retried by staff after the map had failed)."""
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey_id)
        survey_transition(survey=locked, action="start_map", actor=None, now=now,
                          data={"job": job.pk, "kind": job.kind})


def survey_map_ready(*, survey_id: int, job: Any, orthophoto: str, report: dict, rebuilt: bool,
                     now: datetime) -> Survey:
    """A job stored the survey's new map (`orthophoto`, a storage name) and its quality report: switch to it in one
    transaction (the caller deletes the previous file afterwards). The review state is untouched: a flagged
    delivery shows that its map is ready."""
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey_id)
        locked.orthophoto.name = orthophoto
        locked.ortho_report = report
        return survey_transition(survey=locked, action="map_built", actor=None, now=now,
                                 also_save=("orthophoto", "ortho_report"),
                                 data={"job": job.pk, "kind": job.kind, "orthophoto": orthophoto, "rebuilt": rebuilt})


def survey_map_failed(*, survey_id: int, job: Any, now: datetime) -> Survey | None:
    """A job failed for good: the survey keeps its earlier map (map ready), or its map failed."""
    with transaction.atomic():
        locked = Survey.objects.select_for_update().filter(pk=survey_id).first()
        if locked is None:  # deleted meanwhile
            return None
        kept = bool(locked.orthophoto)
        return survey_transition(survey=locked, action="map_failed", actor=None, now=now,
                                 target=MapState.READY if kept else MapState.FAILED,
                                 data={"job": job.pk, "kind": job.kind, "error": (job.error or "")[:500],
                                       "kept_earlier_map": kept})


def survey_map_job_cancelled(*, survey_id: int, job: Any, by: Any, now: datetime) -> Survey | None:
    """Staff cancelled one of the survey's map jobs: when no other job is building the map, the survey is back to
    the map it has (ready), or none."""
    with transaction.atomic():
        locked = Survey.objects.select_for_update().filter(pk=survey_id).first()
        if locked is None or locked.map_state != MapState.BUILDING:
            return locked
        if Job.objects.filter(survey=locked, state__in=[JobState.PENDING, JobState.RUNNING]).exclude(pk=job.pk).exists():
            return locked
        return survey_transition(survey=locked, action="cancel_map", actor=by, now=now,
                                 target=MapState.READY if locked.orthophoto else MapState.NONE,
                                 data={"job": job.pk, "kind": job.kind})


# ---------------------------------------------------------------- review by the requesting service (booking)


#: booking's request action -> this table's review action
REQUEST_REVIEW_ACTIONS = {"accept_delivery": "accept", "return_delivery": "return"}


def delivered_survey(*, flight_request: Any) -> Survey | None:
    """The request's survey awaiting review: the latest one delivered (or flagged)."""
    return (Survey.objects.select_for_update()
            .filter(flight_request=flight_request, status__in=[SurveyStatus.DELIVERED, SurveyStatus.FLAGGED])
            .order_by("-delivered_at", "-id").first())


def survey_review_from_request(*, flight_request: Any, action: str, actor: Any, now: datetime) -> Survey | None:
    """The requesting service accepted or returned the delivery of `flight_request` (booking's accept_delivery /
    return_delivery): the delivered survey is accepted / returned. The request's own event records it."""
    review = REQUEST_REVIEW_ACTIONS.get(action)
    if review is None:
        return None
    with transaction.atomic():
        survey = delivered_survey(flight_request=flight_request)
        if survey is None:  # e.g. a delivery declared without a survey, before deliveries went through one
            return None
        return survey_transition(survey=survey, action=review, actor=actor, now=now)


def blob_rename_to_detected_format(*, blob: Blob, dry_run: bool = False) -> str | None:
    """Give a blob stored before names came from the detected format (e.g. `….html` for a JPEG) its content
    name: the bytes are copied to the new name, blob and assets are pointed at it in one transaction, and the
    old name is deleted after the commit. Returns the new name, or None when there is nothing to do (already
    named so, or no asset of it records a detected format)."""
    formats = {(m or {}).get("format") for m in blob.assets.values_list("metadata", flat=True)} - {None, ""}
    if len(formats) != 1:
        return None
    target = blob_name(blob.sha256, formats.pop())
    old = blob.file.name
    if old == target or dry_run:
        return None if old == target else target
    with default_storage.open(old, "rb") as fh:
        new = default_storage.save(target, File(fh, name=Path(target).name))
    try:
        with transaction.atomic():
            if not Blob.objects.filter(pk=blob.pk, file=old).update(file=new):
                raise SurveyError("file", f"{old} was renamed by someone else meanwhile")
            Asset.objects.filter(blob=blob).update(file=new)
    except BaseException:
        default_storage.delete(new)
        raise
    transaction.on_commit(lambda: default_storage.delete(old))
    return new


# ---------------------------------------------------------------- downloads


def survey_file_downloaded(*, survey: Survey, by: Any, now: datetime, file: str, asset: Asset | None = None) -> None:
    """Record a permitted download ("file_downloaded") in the audit trail of the survey's request, when it has
    one: which file (`file`: "asset", "orthophoto", "map_report", "conformance_report"), which asset and who."""
    if survey.flight_request_id is None:
        return
    from booking.audit import audit_record

    data: dict[str, Any] = {"survey": survey.pk, "file": file,
                            "user": getattr(by, "username", None), "user_id": getattr(by, "pk", None)}
    if asset is not None:
        data.update(asset=asset.pk, name=asset.original_name, sha256=asset.sha256)
    # Tagged with the survey's supplier, like the upload events: the names of its files are that supplier's.
    audit_record(flight_request=survey.flight_request_id, action="file_downloaded", actor=by, now=now, data=data,
                 supplier=survey.supplier_id)
