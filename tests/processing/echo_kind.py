"""A throw-away job kind, "test-echo", owned by the tests: registered by the test that needs it (and, for the
Celery test, by the worker process it starts), never by the project. Its two stages copy `params["text"]` into a
file, then into the job's result, so a test sees both stages ran, in order, in the process that claimed it."""

from __future__ import annotations

from processing import registry
from processing.core.errors import ProcessingError
from processing.stages import Stage, StageContext

KIND = "test-echo"
failures: list[int] = []  # jobs whose on_failed hook ran in this process


def _write(ctx: StageContext) -> None:
    text = ctx.job.params.get("text")
    if not isinstance(text, str):
        raise ProcessingError("test-echo needs params.text (a string)")
    (ctx.out_dir / "echo.txt").write_text(text)
    ctx.progress(0.5, "written")


def _report(ctx: StageContext) -> None:
    from processing import services

    text = (ctx.output_of("write") / "echo.txt").read_text()
    services.job_set_result(job=ctx.job, result={"echo": text, "worker": ctx.job.claimed_by})
    ctx.log(f"echoed {len(text)} characters")


def stages(job) -> list[Stage]:
    return [Stage("write", 1, _write), Stage("report", 1, _report)]


def record_failure(job) -> None:
    failures.append(job.pk)


def register() -> None:
    registry.register(KIND, stages, label="Echo (tests)", on_failed=record_failure)


def unregister() -> None:
    registry.unregister(KIND)
