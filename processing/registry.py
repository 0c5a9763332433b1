"""The job engine's two registries, filled by the apps that own the work (in their `AppConfig.ready()`):

- job kinds: `register(kind, stages, ...)` names a kind and the function that returns its stages for a job;
  the runner and the Celery task look a job's kind up with `handler_for(kind)` and never import its owner.
  Adding a job kind is one module in the owning app plus its registration (see docs/jobs.md).
- periodic hooks: `register_periodic(name, fn)` adds a function the embedded runner (`manage.py run_jobs`)
  calls on every poll, e.g. the e-mail outbox sender.

A kind is a plain string on `Job.kind` (no database choices): `processing.services.enqueue_job` refuses a kind
that nobody registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .core.errors import ProcessingError

if TYPE_CHECKING:
    from .models import Job
    from .stages import Stage

KIND_MAX_LENGTH = 32  # Job.kind's column


class UnknownJobKind(ProcessingError):
    """No app registered this job kind (a typo, or the owning app is not installed)."""


@dataclass(frozen=True)
class JobHandler:
    """How to run one kind: `stages(job)` builds its stages; `on_failed(job)` runs once after its last attempt
    failed; `needs_survey` refuses (fails at once) a job of this kind created without a survey."""

    kind: str
    stages: Callable[[Job], list[Stage]]
    label: str = ""
    needs_survey: bool = False
    on_failed: Callable[[Job], None] | None = None


_handlers: dict[str, JobHandler] = {}
_periodic: dict[str, Callable[[], Any]] = {}


def register(kind: str, stages: Callable[[Job], list[Stage]], *, label: str = "", needs_survey: bool = False,
             on_failed: Callable[[Job], None] | None = None) -> JobHandler:
    """Register the handler of a job kind. Registering a kind twice with different stages is a wiring error."""
    if not kind or len(kind) > KIND_MAX_LENGTH or kind.strip() != kind:
        raise ValueError(f"job kind {kind!r}: 1 to {KIND_MAX_LENGTH} characters, no surrounding spaces")
    handler = JobHandler(kind=kind, stages=stages, label=label or kind, needs_survey=needs_survey,
                         on_failed=on_failed)
    existing = _handlers.get(kind)
    if existing is not None and existing != handler:
        raise ValueError(f"job kind {kind!r} is already registered (by {existing.stages.__module__})")
    _handlers[kind] = handler
    return handler


def unregister(kind: str) -> None:
    """Forget a kind (tests that register a throw-away kind clean up with this)."""
    _handlers.pop(kind, None)


def handler_for(kind: str) -> JobHandler:
    handler = _handlers.get(kind)
    if handler is None:
        known = ", ".join(sorted(_handlers)) or "none"
        raise UnknownJobKind(f"no handler for job kind {kind!r} (registered kinds: {known})")
    return handler


def kinds() -> list[str]:
    return sorted(_handlers)


def register_periodic(name: str, fn: Callable[[], Any]) -> None:
    """Call `fn()` on every poll of the embedded runner; a truthy result is printed (`name: result`)."""
    existing = _periodic.get(name)
    if existing is not None and existing is not fn:
        raise ValueError(f"periodic hook {name!r} is already registered (by {existing.__module__})")
    _periodic[name] = fn


def unregister_periodic(name: str) -> None:
    _periodic.pop(name, None)


def periodic_hooks() -> list[tuple[str, Callable[[], Any]]]:
    return list(_periodic.items())
