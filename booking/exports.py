"""CSV and XLSX exports of what a list shows: the same selector (who may see what) and the same filters.

A spreadsheet opens a cell starting with =, +, -, @, a tab or a carriage return as a formula, so a site name
such as `=HYPERLINK(...)` typed into a request would run in the procurement officer's spreadsheet. CSV text
cells that start so get a leading apostrophe (OWASP's advice on CSV injection); XLSX text cells are written
as text (type "s"), never as formulas, and keep the exact value."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.utils import timezone

from .models import CallOffOrder, FlightRequest, OrderStatus

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: An export holds at most this many rows (the filters narrow it; the page says so when it is cut).
MAX_ROWS = 20000


def csv_safe(value: object) -> object:
    """A CSV cell that no spreadsheet runs as a formula: text starting with = + - @ tab or CR is prefixed
    with an apostrophe; numbers are left as they are (a negative amount is a number, not a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Sheet:
    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]


def _cell_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return csv_safe(value)


def to_csv(sheets: Sequence[Sheet]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for n, sheet in enumerate(sheets):
        if len(sheets) > 1:
            if n:
                writer.writerow([])
            writer.writerow([csv_safe(sheet.title)])
        writer.writerow(sheet.header)
        for row in sheet.rows:
            writer.writerow([_cell_text(v) for v in row])
    return out.getvalue()


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for sheet in sheets:
        ws = book.create_sheet(title=sheet.title[:31])
        ws.append(list(sheet.header))
        for row in sheet.rows:
            cells = []
            for value in row:
                if isinstance(value, datetime):
                    value = timezone.localtime(value).replace(tzinfo=None)
                cell = WriteOnlyCell(ws, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text, never a formula
                elif isinstance(value, Decimal):
                    cell.number_format = "#,##0.00"
                elif isinstance(value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                cells.append(cell)
            ws.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def response(sheets: Sequence[Sheet], *, stem: str, fmt: str) -> HttpResponse:
    """The export as an attachment; `fmt` is "csv" or "xlsx" (the URL allows nothing else)."""
    if fmt == "xlsx":
        resp = HttpResponse(to_xlsx(sheets), content_type=XLSX_TYPE)
    else:
        resp = HttpResponse(to_csv(sheets), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return resp


# ---- the sheets ------------------------------------------------------------------------------------

REQUEST_HEADER = ("Reference", "Site", "Purpose", "Service", "Window start", "Window end", "Status",
                  "Policy outcome", "Lot", "Budget code", "Cost (£)", "Created")  # fmt: skip


def request_sheet(requests: QuerySet[FlightRequest]) -> Sheet:
    """Requests as the list shows them; the cost is `cost_shown` (a contractor's own order value)."""

    def rows():
        for fr in requests[:MAX_ROWS].iterator(chunk_size=500):
            yield (fr.reference, fr.site_name, fr.get_purpose_display(), fr.organisation.name, fr.window_start,
                   fr.window_end, fr.get_status_display(), fr.get_policy_outcome_display(),
                   str(fr.lot) if fr.lot_id else "", fr.budget_code.code, fr.cost_shown, fr.created_at)  # fmt: skip

    return Sheet("Requests", REQUEST_HEADER, rows())


ORDER_HEADER = ("PO", "Reference", "Site", "Supplier", "Lot", "Budget code", "Value (£)", "Status", "Placed",
                "Delivered", "Override reason")  # fmt: skip


def order_sheet(orders: QuerySet[CallOffOrder]) -> Sheet:
    def rows():
        for o in orders[:MAX_ROWS].iterator(chunk_size=500):
            yield (o.po_number, o.flight_request.reference, o.flight_request.site_name, o.supplier.name,
                   str(o.lot), o.budget_code.code, o.value, o.get_status_display(), o.created_at,
                   o.delivered_at, o.override_reason)  # fmt: skip

    return Sheet("Orders", ORDER_HEADER, rows())


def _committed_actual() -> dict[str, Any]:
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    return {
        "committed": Coalesce(Sum("value", filter=Q(status__in=OrderStatus.committed())), zero),
        "actual": Coalesce(Sum("value", filter=Q(status__in=OrderStatus.actual())), zero),
        "orders": Coalesce(Sum(Value(1)), 0),
    }


def spend_by_lot(orders: QuerySet[CallOffOrder]) -> list[dict]:
    """Committed and actual spend of `orders` per lot, in one query."""
    return list(
        orders.order_by()
        .values("lot__framework__reference", "lot__number", "lot__title")
        .annotate(**_committed_actual())
        .order_by("lot__framework__reference", "lot__number")
    )


def spend_sheets(summary: dict, orders: QuerySet[CallOffOrder]) -> list[Sheet]:
    """Spend by budget (this financial year, as the spend page) and by lot (of the orders shown)."""
    budgets = [(b["code"], b["name"], b["organisation"], Decimal(b["limit"]), Decimal(b["committed"]),
                Decimal(b["actual"]), Decimal(b["remaining"]), b.get("percent")) for b in summary["budgets"]]  # fmt: skip
    lots = [(r["lot__framework__reference"], f"Lot {r['lot__number']}: {r['lot__title']}", r["orders"],
             r["committed"], r["actual"]) for r in spend_by_lot(orders)]  # fmt: skip
    return [
        Sheet(f"Budgets from {summary['financial_year_start']}",
              ("Budget code", "Name", "Organisation", "Budget (£)", "Committed (£)", "Actual (£)",
               "Remaining (£)", "Used (%)"), budgets),
        Sheet("Spend by lot", ("Framework", "Lot", "Orders", "Committed (£)", "Actual (£)"), lots),
    ]  # fmt: skip
