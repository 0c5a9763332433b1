"""Browser: the request list as a procurement officer uses it: 250 requests paged with counts, a search and a
status filter narrowing them, and the CSV and XLSX of what is shown downloaded and read back (csv, openpyxl)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from tests.booking.test_lists import many_requests
from tests.factories import PASSWORD, make_cast
from tests.web.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db(transaction=True)]


def _count(page) -> tuple[int, int, int]:
    text = page.locator(".pagination .count").first.inner_text()
    first, last, total = re.match(r"Showing (\d+)–(\d+) of (\d+)", text).groups()
    return int(first), int(last), int(total)


def test_page_search_filter_and_download_what_is_shown(page, live_server):
    cast = make_cast()
    many_requests(cast)
    login(page, live_server.url, cast.procurement.username, PASSWORD)
    page.goto(f"{live_server.url}/requests/")
    first, last, total = _count(page)
    assert (first, total) == (1, 250)
    size = last
    assert page.locator("table.requests tbody tr").count() == size
    page.locator(".pagination a[rel=next]").first.click()
    assert _count(page) == (size + 1, 2 * size, 250)
    page.locator(".pagination a[rel=prev]").first.click()
    assert _count(page)[0] == 1

    # search and filter: "harbour" and approved (every fifth site is the harbour wall, every third approved)
    page.fill("#id_q", "harbour")
    page.select_option("#id_status", "approved")
    page.locator("form.filters button[type=submit]").click()
    assert _count(page) == (1, 17, 17)
    sites = page.locator("table.requests tbody tr td:nth-child(2)").all_inner_texts()
    assert len(sites) == 17 and all("harbour" in s.lower() for s in sites)
    statuses = page.locator("table.requests tbody tr td:nth-child(6)").all_inner_texts()
    assert all(s.startswith("Approved") for s in statuses)
    shown = set(page.locator("table.requests tbody tr td:first-child").all_inner_texts())

    with page.expect_download() as got:
        page.locator("#export-csv").click()
    rows = list(csv.reader(io.StringIO(open(got.value.path(), encoding="utf-8-sig").read())))
    assert rows[0][0] == "Reference" and {r[0] for r in rows[1:]} == shown

    with page.expect_download() as got:
        page.locator("#export-xlsx").click()
    sheet = load_workbook(io.BytesIO(open(got.value.path(), "rb").read())).active
    assert got.value.suggested_filename.endswith(".xlsx")
    values = list(sheet.values)
    assert values[0][0] == "Reference" and {v[0] for v in values[1:]} == shown
    assert page.js_errors == []
