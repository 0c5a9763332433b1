"""Recharge statements: what a partner organisation owes for delivered work in a period (CSV, PDF)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from .models import CallOffOrder, OrderStatus, Organisation


@dataclass(frozen=True)
class Statement:
    organisation: Organisation
    start: date
    end: date  # inclusive
    orders: list[CallOffOrder]

    @property
    def total(self) -> Decimal:
        return sum((o.value for o in self.orders), Decimal("0.00"))


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tzinfo=tz), datetime.combine(
        end + timedelta(days=1), time.min, tzinfo=tz
    )


def recharge_orders(
    *, organisation: Organisation, start: date, end: date
) -> QuerySet[CallOffOrder]:
    lower, upper = _bounds(start, end)
    return (
        CallOffOrder.objects.filter(
            flight_request__organisation=organisation,
            status__in=OrderStatus.actual(),
            delivered_at__gte=lower,
            delivered_at__lt=upper,
        )
        .select_related("flight_request", "supplier", "budget_code")
        .order_by("delivered_at", "po_number")
    )


def recharge_statement(*, organisation: Organisation, start: date, end: date) -> Statement:
    if end < start:
        raise ValueError("end before start")
    return Statement(
        organisation,
        start,
        end,
        list(recharge_orders(organisation=organisation, start=start, end=end)),
    )


HEADER = [
    "po_number",
    "reference",
    "site",
    "supplier",
    "budget_code",
    "delivered_on",
    "status",
    "value_gbp",
]


def statement_csv(statement: Statement) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "organisation",
            statement.organisation.name,
            "period",
            statement.start.isoformat(),
            statement.end.isoformat(),
        ]
    )
    writer.writerow(HEADER)
    for o in statement.orders:
        writer.writerow(
            [
                o.po_number,
                o.flight_request.reference,
                o.flight_request.site_name,
                o.supplier.name,
                o.budget_code.code,
                timezone.localtime(o.delivered_at).date().isoformat(),
                o.status,
                f"{o.value:.2f}",
            ]
        )
    writer.writerow(["total", "", "", "", "", "", "", f"{statement.total:.2f}"])
    return out.getvalue()


def statement_html(statement: Statement, *, now: datetime) -> str:
    return render_to_string("booking/recharge.html", {"statement": statement, "generated_at": now})


def statement_pdf(statement: Statement, *, now: datetime) -> bytes:
    from weasyprint import HTML  # imported late: it is slow to import and only needed here

    return HTML(string=statement_html(statement, now=now)).write_pdf()
