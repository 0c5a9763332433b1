"""Money: cost estimates from rate cards, committed and actual spend against budgets and the
framework ceiling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils import timezone

from .models import BudgetCode, CallOffOrder, Deliverable, Framework, OrderStatus, RateCard

PENNY = Decimal("0.01")


def estimate_cost(
    *, rate_card: RateCard | None, sessions: int, hectares: Decimal | float, deliverables: list[str]
) -> Decimal:
    """sessions × per-session + hectares × per-hectare + each deliverable beyond those the rate card
    includes × per-extra-deliverable (the flight log is always included)."""
    if rate_card is None:
        return Decimal("0.00")
    included = set(rate_card.included_deliverables or []) | {Deliverable.FLIGHT_LOG}
    extras = len([d for d in dict.fromkeys(deliverables) if d not in included])
    total = (
        rate_card.per_session * sessions
        + rate_card.per_hectare * Decimal(str(hectares))
        + rate_card.per_extra_deliverable * extras
    )
    return total.quantize(PENNY, rounding=ROUND_HALF_UP)


def financial_year(now: datetime) -> tuple[datetime, datetime]:
    """The UK public-sector financial year (1 April to 31 March) holding `now`, as aware datetimes."""
    local = timezone.localtime(now)
    year = local.year if local.month >= 4 else local.year - 1
    tz = timezone.get_current_timezone()
    start = datetime.combine(datetime(year, 4, 1).date(), time.min, tzinfo=tz)
    end = datetime.combine(datetime(year + 1, 4, 1).date(), time.min, tzinfo=tz)
    return start, end


@dataclass(frozen=True)
class Spend:
    limit: Decimal
    committed: Decimal
    actual: Decimal

    @property
    def total(self) -> Decimal:
        return self.committed + self.actual

    @property
    def remaining(self) -> Decimal:
        return self.limit - self.total

    def as_dict(self) -> dict:
        return {
            "limit": str(self.limit),
            "committed": str(self.committed),
            "actual": str(self.actual),
            "remaining": str(self.remaining),
        }


def _sum(qs) -> Decimal:
    return qs.aggregate(total=Sum("value"))["total"] or Decimal("0.00")


def budget_spend(*, budget_code: BudgetCode, now: datetime) -> Spend:
    """Spend on a budget code in the financial year of `now` (orders placed that year)."""
    start, end = financial_year(now)
    orders = CallOffOrder.objects.filter(
        budget_code=budget_code, created_at__gte=start, created_at__lt=end
    )
    return Spend(
        limit=budget_code.annual_budget,
        committed=_sum(orders.filter(status__in=OrderStatus.committed())),
        actual=_sum(orders.filter(status__in=OrderStatus.actual())),
    )


def framework_spend(*, framework: Framework) -> Spend:
    """Spend over the framework's whole life against its ceiling."""
    orders = CallOffOrder.objects.filter(lot__framework=framework)
    return Spend(
        limit=framework.ceiling_value,
        committed=_sum(orders.filter(status__in=OrderStatus.committed())),
        actual=_sum(orders.filter(status__in=OrderStatus.actual())),
    )


def limit_breaches(
    *, budget_code: BudgetCode, framework: Framework, value: Decimal, now: datetime
) -> list[str]:
    """What an order of `value` would exceed, in words; empty when it fits."""
    problems = []
    budget = budget_spend(budget_code=budget_code, now=now)
    if value > budget.remaining:
        problems.append(
            f"budget {budget_code.code}: £{value} exceeds the £{budget.remaining} left of £{budget.limit} this year"
        )
    ceiling = framework_spend(framework=framework)
    if value > ceiling.remaining:
        problems.append(
            f"framework {framework.reference}: £{value} exceeds the £{ceiling.remaining} left of "
            f"the £{ceiling.limit} ceiling"
        )
    return problems


def spend_summary(*, budget_codes, frameworks, now: datetime) -> dict:
    return {
        "financial_year_start": financial_year(now)[0].date().isoformat(),
        "budgets": [
            {
                "code": bc.code,
                "name": bc.name,
                "organisation": bc.organisation.name,
                **budget_spend(budget_code=bc, now=now).as_dict(),
            }
            for bc in budget_codes
        ],
        "frameworks": [
            {
                "reference": fw.reference,
                "title": fw.title,
                **framework_spend(framework=fw).as_dict(),
            }
            for fw in frameworks
        ],
    }
