"""The job kinds the detection app owns, registered at start-up (`DetectionConfig.ready()`)."""

from __future__ import annotations

from processing.registry import register

from . import changes, cracks, hotspots


def register_job_kinds() -> None:
    register(cracks.KIND, cracks.stages, label=cracks.LABEL, needs_survey=True)
    register(hotspots.KIND, hotspots.stages, label=hotspots.LABEL, needs_survey=True)
    register(changes.KIND, changes.stages, label=changes.LABEL, needs_survey=True)
