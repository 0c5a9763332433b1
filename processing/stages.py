"""What a job kind is made of: named stages, and what each stage function is handed when it runs.

The app that owns a job kind builds its stages (see `processing.registry`); `processing.runner` runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Job

Progress = Callable[[float, str], None]


@dataclass
class StageContext:
    """What a stage function gets: the job, folders of finished stages, its output folder, a progress callback."""

    job: Job
    work_dir: Path
    out_dir: Path
    progress: Progress
    log: Callable[[str], None]
    outputs: dict[str, Path] = field(default_factory=dict)

    def output_of(self, stage: str) -> Path:
        return self.outputs[stage]


@dataclass
class Stage:
    """One resumable step: `run(ctx)` writes into `ctx.out_dir`; `weight` is its share of the progress bar."""

    name: str
    weight: float
    run: Callable[[StageContext], None]
