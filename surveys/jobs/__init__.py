"""The job kinds the surveys app owns, one module per kind, registered with the job engine at start-up
(`SurveysConfig.ready()` calls `register_job_kinds`). Adding a kind: a module here with its stages, and a line
below. Handlers report what happened to the survey through `surveys.services` (`survey_map_started`,
`survey_map_ready`, `survey_map_failed`); they never write survey fields themselves."""

from __future__ import annotations

from processing.registry import register

from . import cog, orthomosaic, upload_finish
from .common import on_map_job_failed


def register_job_kinds() -> None:
    register(cog.KIND, cog.stages, label=cog.LABEL, needs_survey=True, on_failed=on_map_job_failed)
    register(orthomosaic.KIND, orthomosaic.stages, label=orthomosaic.LABEL, needs_survey=True,
             on_failed=on_map_job_failed)
    register(upload_finish.KIND, upload_finish.stages, label=upload_finish.LABEL)
