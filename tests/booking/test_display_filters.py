"""The display filters (booking/templatetags/council.py, booking_money.py): money as £12,345.50, dates as
"Thu 10 Dec 2026, 10:00" in Europe/London, areas, distances, heights, sizes, and spend bars with their share
as text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from booking.templatetags import booking_money, council


def test_money():
    assert council.money(Decimal("12345.5")) == "£12,345.50"
    assert council.money(12345.5) == "£12,345.50" and council.money("0") == "£0.00"
    assert council.money(Decimal("-12")) == "−£12.00"
    assert council.money(None) == "" and council.money("n/a") == "n/a"
    assert booking_money.gbp(Decimal("12345.5")) == "12,345.50"  # the older filter: the template writes the £


@pytest.mark.parametrize("value,expected", [
    (datetime(2026, 12, 10, 10, 0, tzinfo=UTC), "Thu 10 Dec 2026, 10:00"),  # GMT
    (datetime(2026, 6, 15, 9, 0, tzinfo=UTC), "Mon 15 Jun 2026, 10:00"),  # BST
    (date(2026, 12, 10), "Thu 10 Dec 2026"),
    ("2026-12-10T10:00:00+00:00", "Thu 10 Dec 2026, 10:00"),
    ("2026-04-01", "Wed 1 Apr 2026"),
    ("soon", "soon"),
    (None, ""),
])
def test_when_in_europe_london(settings, value, expected):  # type: ignore[no-untyped-def]
    settings.TIME_ZONE = "Europe/London"
    with timezone.override("Europe/London"):
        assert council.when(value) == expected


def test_sizes_and_lengths():
    assert council.hectares(445986.7) == "44.6 ha" and council.hectares(445) == "445 m²"
    assert council.distance(850) == "850 m" and council.distance(2345) == "2.3 km"
    assert council.height(120) == "120 m" and council.height("x") == ""
    assert council.filesize(20 * 10**9) == "20 GB" and council.filesize(21474836480) == "21.5 GB"
    assert council.percent(83.4) == "83%"


def test_spend_used_is_uncapped_text():
    assert council.spend_used({"limit": Decimal(20000), "remaining": Decimal(3400)}) == "83% used"
    assert council.spend_used({"limit": Decimal(1000), "remaining": Decimal(-300)}) == "130% used"
    assert council.spend_used({"limit": Decimal(0), "remaining": Decimal(0)}) == "no limit set"
    assert council.spend_used({}) == ""


def test_spend_tables_show_money_and_the_share_as_text():
    row = {"code": "EST-001", "name": "Estates surveys", "organisation": "Estates", "limit": Decimal(20000),
           "committed": Decimal("12345.5"), "actual": Decimal("4254.5"), "remaining": Decimal(3400), "percent": 83,
           "over": False}
    over = {**row, "code": "RDS-001", "remaining": Decimal(-6000), "percent": 100, "over": True}
    fw = {"reference": "FW-1", "title": "Drones", "limit": Decimal(500000), "committed": Decimal(0),
          "actual": Decimal(0), "remaining": Decimal(500000), "percent": 0, "over": False}
    html = render_to_string("booking/_spend_tables.html", {"spend": {
        "frameworks": [fw], "budgets": [row, over], "financial_year_start": "2026-04-01"}})
    assert "£12,345.50" in html and "£20,000.00" in html and "−£6,000.00" in html
    assert '<span class="bar-text small">83% used</span>' in html
    assert '<span class="bar-text small">130% used</span>' in html  # the bar stops full; the text says how far over
    assert '<span class="bar-text small">0% used</span>' in html
    assert "financial year from Wed 1 Apr 2026" in html


@pytest.mark.django_db
def test_spend_page_shows_each_budgets_share(client, cast, make_request):  # type: ignore[no-untyped-def]
    fr = make_request("ordered")
    client.force_login(cast.procurement)
    text = client.get("/spend/").content.decode()
    est_row = text.split('class="spend-budgets"')[1].split("EST-001")[1].split("</tr>")[0]
    share = (fr.current_order.value * 100 / cast.budget_code.annual_budget).quantize(Decimal(1))
    assert f'<span class="bar-text small">{share}% used</span>' in est_row
    assert council.money(fr.current_order.value) in est_row
    placed = council.when(fr.current_order.created_at)
    assert placed.startswith(("Mon ", "Tue ", "Wed ", "Thu ", "Fri ", "Sat ", "Sun ")) and placed in text
