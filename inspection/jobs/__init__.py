"""The job kinds the inspection app owns, registered with the job engine at start-up
(`InspectionConfig.ready()` calls `register_job_kinds`), as the surveys app registers its own."""

from __future__ import annotations

from processing.registry import register

from . import report


def register_job_kinds() -> None:
    register(report.KIND, report.stages, label=report.LABEL, needs_survey=True)
