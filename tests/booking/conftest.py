from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from booking import services
from booking.models import FlightRequest, RequestStatus
from booking.transitions import happy_path
from tests.factories import (
    GOOD_OPERATION,
    Cast,
    deliver_through_survey,
    load_test_airspace,
    make_cast,
)

ORDER = happy_path(via=(RequestStatus.REFERRED,))  # test requests are referred to an officer
WEATHER_OK = {
    "mean_wind_ms": 4.0,
    "gust_ms": 6.0,
    "precipitation_mmh": 0.0,
    "temperature_c": 10.0,
    "visibility_km": 20.0,
    "cloud_base_m": 900.0,
    "kp": 2.0,
}


@pytest.fixture
def cast(db) -> Cast:
    c = make_cast()
    load_test_airspace(today=timezone.localdate())
    return c


@pytest.fixture
def now() -> datetime:
    return timezone.now()


def new_request(cast: Cast, now: datetime, **overrides) -> FlightRequest:
    return services.flight_request_create(
        actor=cast.requester, now=now, **cast.request_fields(now=now, **overrides)
    )


def advance(cast: Cast, fr: FlightRequest, target: str, now: datetime) -> FlightRequest:
    """Walk a draft through the real services up to `target` (the happy path)."""
    goal = ORDER.index(target)
    fr.refresh_from_db()
    start = fr.window_start
    steps = [
        lambda: services.flight_request_submit(actor=cast.requester, flight_request=fr, now=now),
        lambda: services.flight_request_approve(
            actor=cast.policy_officer, flight_request=fr, now=now, reason="ok"
        ),
        lambda: services.flight_request_order(actor=cast.procurement, flight_request=fr, now=now),
        lambda: services.order_accept(actor=cast.contractor, flight_request=fr, now=now),
        lambda: services.flight_schedule(
            actor=cast.contractor,
            flight_request=fr,
            now=now,
            scheduled_start=start,
            scheduled_end=start + timedelta(hours=2),
            pilot=cast.pilot,
            aircraft=cast.aircraft,
            operation=dict(GOOD_OPERATION),
        ),
        lambda: services.flight_record(
            actor=cast.contractor,
            flight_request=fr,
            now=start + timedelta(hours=3),
            flight_log={
                "takeoff": start.isoformat(),
                "landing": (start + timedelta(minutes=40)).isoformat(),
            },
            weather=dict(WEATHER_OK),
        ),
        lambda: deliver_through_survey(
            flight_request=fr, actor=cast.contractor, now=start + timedelta(days=1)
        ),
        lambda: services.flight_request_accept_delivery(
            actor=cast.requester, flight_request=fr, now=start + timedelta(days=2),
            reason="Flight log checked; the conformance check needs photos",
        ),
    ]
    for step in steps[ORDER.index(fr.status) : goal]:
        step()
        fr.refresh_from_db()
    assert fr.status == target, (fr.status, list(fr.audit_events.values_list("action", "data")))
    return fr


@pytest.fixture
def make_request(cast, now):
    def make(target: str = RequestStatus.DRAFT, **overrides) -> FlightRequest:
        return advance(cast, new_request(cast, now, **overrides), target, now)

    return make
