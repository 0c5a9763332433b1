"""One function per job kind, returning its named stages (see processing.runner for how stages run).

Outputs reach storage only in the last stage ("publish"), under a name fixed by survey and job, so a retry
overwrites its own earlier upload instead of adding a second file, and the survey's reference switches in one
transaction. The previous orthophoto is deleted only after the switch.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from . import services
from .core.cog import to_cog
from .core.errors import ImageryError, ProcessingError
from .models import Job, JobKind
from .runner import Stage, StageContext

log = logging.getLogger(__name__)

ORTHOPHOTO_NAME = "surveys/orthophotos/survey-{survey}-job-{job}.tif"
PHOTO_KINDS = ("photo",)


def stages_for(job: Job) -> list[Stage]:
    handler = HANDLERS.get(job.kind)
    if handler is None:
        raise ProcessingError(f"no handler for job kind {job.kind!r}")
    if job.survey_id is None:
        raise ProcessingError(f"a {job.kind} job needs a survey")
    return handler(job)


# ----- kind "cog": a delivered orthophoto GeoTIFF -> validated COG -> survey.orthophoto ---------------------------


def cog_stages(job: Job) -> list[Stage]:
    return [
        Stage("fetch", 1, _fetch_orthophoto_asset),
        Stage("validate", 1, _validate_orthophoto),
        Stage("convert", 6, _convert_to_cog),
        Stage("publish", 2, _publish_orthophoto),
    ]


def _orthophoto_asset(job: Job) -> Any:
    from surveys.models import Asset

    assets = Asset.objects.filter(survey_id=job.survey_id, kind="orthophoto")
    asset_id = job.params.get("asset_id")
    if asset_id:
        asset = assets.filter(id=asset_id).first()
        if asset is None:
            raise ImageryError(f"asset {asset_id} is not an orthophoto of survey {job.survey_id}")
        return asset
    asset = assets.order_by("-size", "-id").first()
    if asset is None:
        raise ImageryError(f"survey {job.survey_id} has no orthophoto GeoTIFF asset")
    return asset


def _mark_processing(job: Job) -> None:
    from surveys.models import Survey, SurveyStatus

    Survey.objects.filter(pk=job.survey_id, status=SurveyStatus.DELIVERED).update(status=SurveyStatus.PROCESSING)


def _fetch_orthophoto_asset(ctx: StageContext) -> None:
    _mark_processing(ctx.job)
    asset = _orthophoto_asset(ctx.job)
    _copy_from_storage(asset.file.name, ctx.out_dir / "input.tif", ctx.progress)
    (ctx.out_dir / "asset.json").write_text(json.dumps({"asset_id": asset.pk, "name": asset.original_name}))
    ctx.log(f"fetched {asset.original_name} ({asset.size} bytes)")


def _validate_orthophoto(ctx: StageContext) -> None:
    from .core.geotiff import read_raster_facts

    src = ctx.output_of("fetch") / "input.tif"
    name = json.loads((ctx.output_of("fetch") / "asset.json").read_text())["name"]
    try:
        facts = read_raster_facts(src, check_pixels=True)
    except ImageryError as exc:
        raise ImageryError(f"{name}: {exc}") from exc
    if not facts.crs:
        raise ImageryError(f"{name}: the GeoTIFF has no coordinate reference system, so it cannot be placed on a map")
    if facts.count not in (1, 2, 3, 4):
        raise ImageryError(f"{name}: {facts.count} bands; an orthophoto has 1 (grey) or 3 (RGB), plus alpha")
    (ctx.out_dir / "facts.json").write_text(json.dumps(facts.to_json()))
    ctx.log(f"{name}: {facts.width}x{facts.height} px, {facts.count} bands, {facts.crs}")


def _convert_to_cog(ctx: StageContext) -> None:
    src = ctx.output_of("fetch") / "input.tif"
    ctx.progress(0.1, "writing the cloud-optimised GeoTIFF")
    to_cog(src, ctx.out_dir / "orthophoto.tif")
    facts = json.loads((ctx.output_of("validate") / "facts.json").read_text())
    report = {"source": "delivered", "input": facts}
    (ctx.out_dir / "report.json").write_text(json.dumps(report))


def _publish_orthophoto(ctx: StageContext) -> None:
    produced = ctx.outputs.get("convert") or ctx.outputs["mosaic"]
    report = json.loads((produced / "report.json").read_text())
    publish_orthophoto(job=ctx.job, cog=produced / "orthophoto.tif", report=report)
    ctx.log("orthophoto published")


# ----- kind "orthomosaic": survey photos -> build_orthomosaic -> survey.orthophoto + ortho_report ---------------


def orthomosaic_stages(job: Job) -> list[Stage]:
    return [
        Stage("fetch", 1, _fetch_photos),
        Stage("mosaic", 12, _build_mosaic),
        Stage("publish", 1, _publish_orthophoto),
    ]


def _fetch_photos(ctx: StageContext) -> None:
    from surveys.models import Asset, AssetKind

    _mark_processing(ctx.job)
    assets = list(
        Asset.objects.filter(survey_id=ctx.job.survey_id, kind__in=PHOTO_KINDS).order_by("original_name", "id")
    )
    if len(assets) < 2:
        raise ImageryError(f"survey {ctx.job.survey_id} has {len(assets)} photo(s); an orthomosaic needs at least 2")
    photos = ctx.out_dir / "photos"
    photos.mkdir()
    listing = []
    for index, asset in enumerate(assets):
        suffix = Path(asset.original_name).suffix.lower() or ".jpg"
        target = photos / f"{index:05d}-{asset.pk}{suffix}"
        _copy_from_storage(asset.file.name, target, None)
        listing.append({"asset_id": asset.pk, "name": asset.original_name, "file": target.name})
        ctx.progress((index + 1) / len(assets), f"fetched {index + 1}/{len(assets)} photos")
    (ctx.out_dir / "photos.json").write_text(json.dumps(listing))
    control = (Asset.objects.filter(survey_id=ctx.job.survey_id, kind=AssetKind.GROUND_CONTROL)
               .order_by("-created_at", "-id").first())
    if control is not None:
        (ctx.out_dir / "gcp.json").write_text(json.dumps(_ground_control(control, listing)))


def _ground_control(asset: Any, listing: list[dict[str, Any]]) -> dict[str, Any]:
    """The survey's latest GCP list as orthomosaic options, photo names mapped to the work copies. A sighting in
    a photo that was not delivered is an error naming the line: control must not be lost silently."""
    from .core.gcp import parse_gcp_list

    with default_storage.open(asset.file.name, "rb") as fh:
        text = fh.read().decode("utf-8", errors="replace")
    gcps = parse_gcp_list(text, name=asset.original_name)
    work_name = {item["name"]: item["file"] for item in listing}
    for sighting in gcps.sightings:
        if sighting.photo not in work_name:
            raise ImageryError(f"{asset.original_name} line {sighting.line}: photo {sighting.photo} is not "
                               "among this survey's photos")
    options = gcps.to_options()
    for point in options["gcps"]:
        point["photo"] = work_name[point["photo"]]
    return {"asset_id": asset.pk, "name": asset.original_name, "marks": gcps.marks, "options": options}


def _build_mosaic(ctx: StageContext) -> None:
    from .core.orthomosaic import build_orthomosaic

    fetched = ctx.output_of("fetch")
    listing = json.loads((fetched / "photos.json").read_text())
    photos = [fetched / "photos" / item["file"] for item in listing]
    options = dict(ctx.job.params.get("options") or {})
    control_file = fetched / "gcp.json"
    if control_file.exists() and "gcps" not in options:  # options given with the job win over the delivered file
        options.update(json.loads(control_file.read_text())["options"])
    report = build_orthomosaic(photos, ctx.out_dir, progress=ctx.progress, options=options or None)
    data = report.to_json() if hasattr(report, "to_json") else dict(report)
    names = {item["file"]: item["name"] for item in listing}
    data = json.loads(json.dumps(data, default=str))
    _rename_photos(data, names)
    (ctx.out_dir / "report.json").write_text(json.dumps(data))


def _rename_photos(data: Any, names: dict[str, str]) -> None:
    """Put the delivered file names back into the report (the work copies have generated names)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and value in names:
                data[key] = names[value]
            else:
                _rename_photos(value, names)
    elif isinstance(data, list):
        for item in data:
            _rename_photos(item, names)


# ----- shared ---------------------------------------------------------------------------------------------------


def _copy_from_storage(name: str, target: Path, progress: Callable[[float, str], None] | None) -> None:
    """Storage file -> local path (works for S3 as for local files)."""
    if not name or not default_storage.exists(name):
        raise ImageryError(f"stored file {name or '(none)'} is missing")
    try:  # local storage: a hard link costs no copy (stored blobs are never modified in place)
        os.link(default_storage.path(name), target)
        return
    except (NotImplementedError, OSError):
        pass
    with default_storage.open(name, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, length=4 * 1024 * 1024)


def publish_orthophoto(*, job: Job, cog: Path, report: dict) -> str:
    """Upload the COG under the job's fixed name and switch the survey to it atomically; returns the name."""
    from surveys.models import Survey, SurveyStatus

    name = ORTHOPHOTO_NAME.format(survey=job.survey_id, job=job.pk)
    survey = Survey.objects.get(pk=job.survey_id)
    previous = survey.orthophoto.name or ""
    if previous == name:
        previous = job.result.get("previous_orthophoto", "")
    services.job_set_result(job=job, result={"orthophoto": name, "previous_orthophoto": previous})
    if default_storage.exists(name):
        default_storage.delete(name)  # our own upload from an interrupted attempt: replace, never duplicate
    with open(cog, "rb") as fh:
        stored = default_storage.save(name, File(fh, name=Path(name).name))
    if stored != name:
        default_storage.delete(stored)
        raise RuntimeError(f"storage refused the name {name} (gave {stored})")
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=job.survey_id)
        locked.orthophoto.name = name
        locked.ortho_report = report
        fields = ["orthophoto", "ortho_report", "updated_at"]
        if locked.status != SurveyStatus.FLAGGED:
            locked.status = SurveyStatus.READY
            fields.append("status")
        locked.save(update_fields=fields)
        _audit_map(locked, "map_built", job, {"orthophoto": name, "rebuilt": bool(previous)})
    if previous and previous != name and default_storage.exists(previous):
        default_storage.delete(previous)
    return name


def on_job_failed(job: Job) -> None:
    """After the last attempt: the survey keeps its earlier orthophoto, or is marked failed if it has none."""
    if job.survey_id is None:
        return
    from surveys.models import Survey, SurveyStatus

    survey = Survey.objects.filter(pk=job.survey_id).first()
    if survey is None:
        return
    if survey.status not in (SurveyStatus.FLAGGED, SurveyStatus.READY) and (
            survey.status == SurveyStatus.PROCESSING or not survey.orthophoto):
        survey.status = SurveyStatus.READY if survey.orthophoto else SurveyStatus.FAILED
        survey.save(update_fields=["status", "updated_at"])
    _audit_map(survey, "map_failed", job, {"error": (job.error or "")[:500], "kept_earlier_map": bool(survey.orthophoto)})


def _audit_map(survey: Any, action: str, job: Job, data: dict[str, Any]) -> None:
    """A map built or failed, in the audit trail of the survey's request (when it has one)."""
    from django.utils import timezone

    from surveys.services import survey_audit_record

    survey_audit_record(survey, action, by=None, now=timezone.now(), data={"job": job.pk, "kind": job.kind, **data})


HANDLERS: dict[str, Callable[[Job], list[Stage]]] = {
    JobKind.COG: cog_stages,
    JobKind.ORTHOMOSAIC: orthomosaic_stages,
}
