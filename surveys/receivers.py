"""What the surveys app does when booking tells it something (connected in `SurveysConfig.ready()`); booking
comes before surveys in the dependency order and never imports it."""

from __future__ import annotations

from typing import Any

from . import services


def on_request_transitioned(*, flight_request: Any, action: str, actor: Any, now: Any, **kwargs: Any) -> None:
    """The requester accepted or returned a delivery: the delivered survey's review state follows."""
    services.survey_review_from_request(flight_request=flight_request, action=action, actor=actor, now=now)
