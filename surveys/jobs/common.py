"""What the map-building kinds share: fetching stored files, publishing the COG, reporting a final failure.

Outputs reach storage only in the last stage ("publish"), under a name fixed by survey and job, so a retry
overwrites its own earlier upload instead of adding a second file; the survey switches to it in one transaction
(`surveys.services.survey_map_ready`), and the previous orthophoto is deleted only after the switch.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone

from processing import services as jobs
from processing.core.errors import ImageryError
from processing.models import Job
from processing.stages import Progress, StageContext

from .. import services

log = logging.getLogger(__name__)

ORTHOPHOTO_NAME = "surveys/orthophotos/survey-{survey}-job-{job}.tif"


def copy_from_storage(name: str, target: Path, progress: Progress | None = None) -> None:
    """Storage file -> local path (works for S3 as for local files)."""
    if not name or not default_storage.exists(name):
        raise ImageryError(f"stored file {name or '(none)'} is missing")
    try:  # local storage: a hard link costs no copy (stored blobs are never modified in place)
        os.link(default_storage.path(name), target)
        return
    except (NotImplementedError, OSError):
        # No local path (S3 storage raises NotImplementedError) or no link across file systems: copy below.
        log.debug("copying %s from storage (no hard link possible)", name)
    with default_storage.open(name, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, length=4 * 1024 * 1024)


def map_started(ctx: StageContext) -> None:
    services.survey_map_started(survey_id=ctx.job.survey_id, job=ctx.job, now=timezone.now())


def publish_stage(produced_by: str):
    """The "publish" stage: the COG and report.json written by stage `produced_by` become the survey's map."""

    def publish(ctx: StageContext) -> None:
        produced = ctx.output_of(produced_by)
        report = json.loads((produced / "report.json").read_text())
        publish_orthophoto(job=ctx.job, cog=produced / "orthophoto.tif", report=report)
        ctx.log("orthophoto published")

    return publish


def publish_orthophoto(*, job: Job, cog: Path, report: dict) -> str:
    """Upload the COG under the job's fixed name, switch the survey to it, then delete the previous one."""
    name = ORTHOPHOTO_NAME.format(survey=job.survey_id, job=job.pk)
    previous = services.survey_orthophoto_name(survey_id=job.survey_id)
    if previous == name:
        previous = job.result.get("previous_orthophoto", "")
    jobs.job_set_result(job=job, result={"orthophoto": name, "previous_orthophoto": previous})
    if default_storage.exists(name):
        default_storage.delete(name)  # our own upload from an interrupted attempt: replace, never duplicate
    try:
        with open(cog, "rb") as fh:
            stored = default_storage.save(name, File(fh, name=Path(name).name))
    except BaseException:
        # A full disk or a dropped connection mid-upload: no half-written COG stays in storage under our name.
        if default_storage.exists(name):
            default_storage.delete(name)
        raise
    if stored != name:
        default_storage.delete(stored)
        raise RuntimeError(f"storage refused the name {name} (gave {stored})")
    services.survey_map_ready(survey_id=job.survey_id, job=job, orthophoto=name, report=report,
                              rebuilt=bool(previous), now=timezone.now())
    if previous and previous != name and default_storage.exists(previous):
        default_storage.delete(previous)
    return name


def on_map_job_failed(job: Job) -> None:
    """After the last attempt: the survey keeps its earlier orthophoto, or records that its map failed."""
    if job.survey_id is not None:
        services.survey_map_failed(survey_id=job.survey_id, job=job, now=timezone.now())
