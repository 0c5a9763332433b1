"""The request, order and flight lists (web pages, API and exports): pages, counts, search, filters, whitelisted
orderings, visibility kept, CSV/XLSX of what is shown, and a bounded number of queries with 250 rows."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from booking.exports import csv_safe
from booking.models import CallOffOrder, Flight, FlightRequest, OrderStatus, PolicyOutcome, RequestStatus
from tests.factories import OBAN_SEAFRONT, Cast

pytestmark = pytest.mark.django_db
N = 250


def many_requests(cast: Cast, n: int = N, *, organisation=None, prefix: str = "LST", orders: int = 0,
                  flights: bool = False) -> list:
    """`n` requests written straight to the database (fast: the list is what is under test, not the services);
    the first `orders` of them get an accepted order of `cast.supplier` (and, with `flights`, a flight each,
    every other one signed off by the policy officer)."""
    now = timezone.now()
    start = now + timedelta(days=7)
    organisation = organisation or cast.organisation
    budget = cast.budget_code if organisation == cast.organisation else cast.other_budget_code
    rows = [
        FlightRequest(
            reference=f"{prefix}-{i:04d}", site_name=("Oban harbour wall" if i % 5 == 0 else f"Site {i}"),
            area=OBAN_SEAFRONT, area_hectares=Decimal("1.5"),
            purpose=("structure_inspection" if i % 2 else "mapping"), window_start=start + timedelta(days=i % 30),
            window_end=start + timedelta(days=i % 30 + 2), max_height_m=90, organisation=organisation,
            requester=cast.requester if organisation == cast.organisation else cast.outsider, budget_code=budget,
            lot=cast.lot, estimated_cost=Decimal(1000 + i),
            status=(RequestStatus.APPROVED if i % 3 == 0 else RequestStatus.DRAFT),
            policy_outcome=(PolicyOutcome.PASS if i % 3 == 0 else PolicyOutcome.NOT_CHECKED),
            created_at=now - timedelta(minutes=i), updated_at=now,
        )  # fmt: skip
        for i in range(n)
    ]
    made = FlightRequest.objects.bulk_create(rows)
    placed = CallOffOrder.objects.bulk_create(
        CallOffOrder(po_number=f"PO-{prefix}-{i:04d}", flight_request=fr, supplier=cast.supplier, lot=cast.lot,
                     budget_code=budget, value=Decimal("2500.50") + i, status=OrderStatus.ACCEPTED,
                     created_at=now - timedelta(minutes=i), placed_by=cast.procurement)  # fmt: skip
        for i, fr in enumerate(made[:orders])
    )
    if flights:
        Flight.objects.bulk_create(
            Flight(flight_request=o.flight_request, order=o, supplier=cast.supplier, pilot=cast.pilot,
                   aircraft=cast.aircraft, scheduled_start=o.flight_request.window_start,
                   scheduled_end=o.flight_request.window_start + timedelta(hours=2), created_at=now,
                   signoff_rules=["AIR-01"] if i % 2 else [],
                   signed_off_by=cast.policy_officer if i % 4 == 1 else None)  # fmt: skip
            for i, o in enumerate(placed)
        )
    return made


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_request_list_pages_through_250_requests_with_counts(cast):
    many_requests(cast)
    client = web(cast.requester)
    first = client.get("/requests/")
    assert first.status_code == 200
    page = first.context["page"]
    assert page.paginator.count == N and len(page.object_list) == 50 and page.paginator.num_pages == 5
    text = first.content.decode()
    assert "Showing 1–50 of 250" in text and 'rel="next"' in text and 'rel="prev"' not in text
    last = client.get("/requests/?page=5&page_size=100")
    assert last.context["page"].number == 3  # 250 rows at 100 a page: page 5 is past the end, so the last
    assert "Showing 201–250 of 250" in last.content.decode()
    seen = set()
    for number in range(1, 6):
        seen |= {fr.reference for fr in client.get(f"/requests/?page={number}").context["page"].object_list}
    assert len(seen) == N


def test_search_and_filters_narrow_the_list_and_the_links_keep_them(cast):
    many_requests(cast, orders=10)
    client = web(cast.requester)
    got = client.get("/requests/?q=harbour+wall&status=approved")
    rows = list(got.context["filter"].qs)
    assert rows and all("harbour wall" in r.site_name and r.status == "approved" for r in rows)
    assert len(rows) == len([i for i in range(N) if i % 5 == 0 and i % 3 == 0])
    assert client.get("/requests/?q=LST-0007").context["page"].paginator.count == 1
    # purpose by its words, supplier by name (through the orders), lot, outcome, window dates
    assert client.get("/requests/?q=structure+insp").context["page"].paginator.count == N // 2
    assert client.get("/requests/?q=Skyview").context["page"].paginator.count == 10
    assert client.get(f"/requests/?supplier={cast.supplier.pk}").context["page"].paginator.count == 10
    assert client.get("/requests/?policy_outcome=pass").context["page"].paginator.count == 84
    assert client.get(f"/requests/?lot={cast.lot.pk}").context["page"].paginator.count == N
    day = (timezone.localdate() + timedelta(days=7)).isoformat()
    narrowed = client.get(f"/requests/?date_to={day}").context["page"].paginator.count
    assert 0 < narrowed < N
    page2 = client.get("/requests/?q=Site&ordering=-cost")
    assert "q=Site" in page2.context["kept_query"] and "ordering=-cost" in page2.content.decode()


def test_orderings_are_whitelisted(cast):
    many_requests(cast, n=30)
    client = web(cast.requester)
    by_cost = [fr.estimated_cost for fr in client.get("/requests/?ordering=-cost").context["page"].object_list]
    assert by_cost == sorted(by_cost, reverse=True)
    refs = [fr.reference for fr in client.get("/requests/?ordering=reference").context["page"].object_list]
    assert refs == sorted(refs)
    # a field that is not offered (e.g. through a relation to the requester's password) is refused
    bad = client.get("/requests/?ordering=requester__password")
    assert bad.status_code == 200 and bad.context["filter"].errors.get("ordering")
    assert api(cast.requester).get("/api/v1/requests/?ordering=requester__password").status_code == 400
    assert "aria-sort" in client.get("/requests/?ordering=reference").content.decode()


def test_visibility_stays_as_the_selectors_decide(cast):
    many_requests(cast, n=20)
    many_requests(cast, n=7, organisation=cast.other_organisation, prefix="OTH")
    assert web(cast.requester).get("/requests/").context["page"].paginator.count == 20
    assert web(cast.outsider).get("/requests/?q=LST").context["page"].paginator.count == 0
    assert api(cast.outsider).get("/api/v1/requests/").json()["count"] == 7
    csv_text = web(cast.outsider).get("/requests/export.csv").content.decode()
    assert "OTH-0001" in csv_text and "LST-" not in csv_text
    # a contractor searching by a rival's name learns nothing about the rival's orders
    assert web(cast.contractor).get(f"/requests/?q={cast.other_supplier.name}").context["page"].paginator.count == 0


def test_the_api_pages_with_count_next_previous_and_page_size(cast):
    many_requests(cast, orders=120)
    client = api(cast.procurement)
    body = client.get("/api/v1/requests/?page_size=100").json()
    assert body["count"] == N and len(body["results"]) == 100 and body["previous"] is None
    assert "page=2" in body["next"]
    last = client.get("/api/v1/requests/?page_size=100&page=3").json()
    assert len(last["results"]) == 50 and last["next"] is None and last["previous"]
    assert len(client.get("/api/v1/requests/?page_size=5000").json()["results"]) == 200  # the most a page holds
    orders = client.get("/api/v1/orders/?q=PO-LST-000&ordering=-value").json()
    values = [Decimal(o["value"]) for o in orders["results"]]
    assert orders["count"] == 10 and values == sorted(values, reverse=True)
    assert client.get("/api/v1/requests/?q=harbour&policy_outcome=pass").json()["count"] == 17


def test_exports_hold_every_filtered_row_as_csv_and_xlsx(cast):
    made = many_requests(cast, orders=30)
    made[0].site_name = "=HYPERLINK(\"http://evil.example\",\"x\")"
    made[0].save(update_fields=["site_name"])
    client = web(cast.procurement)
    rows = list(csv.reader(io.StringIO(client.get("/requests/export.csv?status=approved").content.decode())))
    assert rows[0][0] == "Reference" and len(rows) - 1 == 84
    evil = next(r for r in rows if r[0] == "LST-0000")
    assert evil[1].startswith("'=HYPERLINK")  # not a formula in a spreadsheet
    response = client.get("/requests/export.xlsx?status=approved")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert len(values) - 1 == 84 and values[0][0] == "Reference"
    cell = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "LST-0000")[1]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"  # the exact text, as text
    orders = load_workbook(io.BytesIO(client.get("/orders/export.xlsx?q=PO-LST-001").content)).active
    got = list(orders.values)
    assert got[0][:2] == ("PO", "Reference") and len(got) - 1 == 10
    assert {row[6] for row in got[1:]} == {2510.5 + i for i in range(10)}  # values as numbers
    spend = load_workbook(io.BytesIO(client.get("/spend/export.xlsx").content))
    by_lot = list(spend["Spend by lot"].values)
    assert by_lot[1][2] == 30 and by_lot[1][3] == float(sum(Decimal("2500.50") + i for i in range(30)))
    assert web(cast.requester).get("/spend/export.csv").status_code == 404


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_would_be_formulas_are_quoted(value):
    assert csv_safe(value) == "'" + value
    assert csv_safe("Oban") == "Oban" and csv_safe(-2) == -2


# ---- a bounded number of queries whatever the length ------------------------------------------------

WEB_LISTS = ["/requests/", "/requests/?q=Site&status=draft&ordering=-cost", "/orders/", "/flights/",
             "/requests/export.csv", "/requests/export.xlsx", "/orders/export.csv", "/spend/export.csv"]  # fmt: skip
API_LISTS = ["/api/v1/requests/?page_size=200", "/api/v1/orders/?page_size=200", "/api/v1/flights/?page_size=200"]


@pytest.mark.parametrize("url", WEB_LISTS)
def test_web_lists_and_exports_run_a_bounded_number_of_queries(cast, url, django_assert_max_num_queries):
    many_requests(cast, orders=N, flights=True)
    client = web(cast.procurement)
    client.get("/")  # the session and the user are loaded once
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", API_LISTS)
def test_api_lists_run_a_bounded_number_of_queries(cast, url, django_assert_max_num_queries):
    many_requests(cast, orders=N, flights=True)
    client = api(cast.procurement)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
