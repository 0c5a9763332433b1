"""Cost estimates, committed and actual spend, budget and framework limits with the override."""

from __future__ import annotations

from decimal import Decimal

import pytest

from booking import services
from booking.errors import SpendLimitError
from booking.models import OrderStatus, RequestStatus
from booking.money import budget_spend, estimate_cost, framework_spend

pytestmark = pytest.mark.django_db
S = RequestStatus


def test_estimate_uses_sessions_hectares_and_extra_deliverables(cast, now, make_request):
    rate_card = cast.supplier.rate_cards.get(lot=cast.lot)
    # 2 sessions × 550 + 10 ha × 40 + (orthomosaic, thermal: photos are included, the flight log always) × 120
    assert estimate_cost(
        rate_card=rate_card,
        sessions=2,
        hectares=10,
        deliverables=["photos", "orthomosaic", "thermal", "flight_log"],
    ) == Decimal("1740.00")
    fr = make_request(S.DRAFT)
    assert fr.area_hectares == pytest.approx(Decimal("5.0"), rel=Decimal("0.03"))
    assert fr.estimated_cost == (Decimal(550) + fr.area_hectares * 40 + 120).quantize(
        Decimal("0.01")
    )


def test_committed_then_actual_spend(cast, now, make_request):
    fr = make_request(S.ORDERED)
    value = fr.current_order.value
    assert budget_spend(budget_code=cast.budget_code, now=now).committed == value
    assert framework_spend(framework=cast.framework).committed == value
    fr = make_request(S.DELIVERED)
    spend = budget_spend(budget_code=cast.budget_code, now=now)
    assert spend.actual == fr.orders.get().value and spend.committed == value
    assert spend.remaining == cast.budget_code.annual_budget - spend.committed - spend.actual


def test_an_order_over_budget_is_refused_unless_procurement_overrides(cast, now, make_request):
    cast.budget_code.annual_budget = Decimal(500)
    cast.budget_code.save()
    fr = make_request(S.APPROVED)
    with pytest.raises(SpendLimitError, match="budget EST-001"):
        services.flight_request_order(actor=cast.procurement, flight_request=fr, now=now)
    fr.refresh_from_db()
    assert fr.status == S.APPROVED and not fr.orders.exists()
    order = services.flight_request_order(
        actor=cast.procurement,
        flight_request=fr,
        now=now,
        override_reason="Urgent: storm damage survey",
    )
    assert (
        order.override_reason == "Urgent: storm damage survey"
        and order.overridden_by == cast.procurement
    )
    event = fr.audit_events.get(action="order")
    assert event.data["override"] is True and event.reason == "Urgent: storm damage survey"


def test_the_framework_ceiling_is_enforced(cast, now, make_request):
    cast.framework.ceiling_value = Decimal(100)
    cast.framework.save()
    fr = make_request(S.APPROVED)
    with pytest.raises(SpendLimitError, match="framework TEST-FW-1"):
        services.flight_request_order(actor=cast.procurement, flight_request=fr, now=now)


def test_cancel_releases_committed_spend(cast, now, make_request):
    fr = make_request(S.CONFIRMED)
    services.flight_request_cancel(
        actor=cast.procurement, flight_request=fr, now=now, reason="Budget freeze"
    )
    assert budget_spend(budget_code=cast.budget_code, now=now).committed == 0
    assert fr.orders.get().status == OrderStatus.CANCELLED
