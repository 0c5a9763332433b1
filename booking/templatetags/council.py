"""Words and numbers as a council officer reads them, and the sortable column headers of the lists.

`{% load council %}` then: `{{ value|money }}` → £12,345.50; `{{ dt|when }}` → Thu 10 Dec 2026, 10:00;
`{{ m2|hectares }}` → 44.6 ha; `{{ metres|distance }}` → 850 m / 2.3 km; `{{ bytes|filesize }}` → 20 GB;
`{{ metres|height }}` → 120 m; `{{ row|spend_used }}` → "83% used" (a spend row: limit and remaining);
`{% sort_header "reference" "Reference" %}` → a <th> whose link that sorts by that (whitelisted) key.

The number formats are policy.core.wording's (the policy evidence sentences use the same), so a hectare or a
pound reads the same on every page."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django import template
from django.utils import timezone
from django.utils.html import format_html

from policy.core import wording

register = template.Library()


def _number(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@register.filter
def money(value: object) -> str:
    """£12,345.50 (negative: −£12.00); not a number: shown as it is."""
    if _number(value) is None:
        return "" if value is None else str(value)
    return wording.money(value)


@register.filter
def when(value: object) -> str:
    """A date-time as "Thu 10 Dec 2026, 10:00" in local time (the site's TIME_ZONE, Europe/London); a date as
    "Thu 10 Dec 2026"; ISO 8601 text (as JSON and the spend summary hold dates) likewise; other text as it is."""
    if isinstance(value, str):
        value = wording.parse_when(value) or value
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"
    if isinstance(value, date):
        return f"{value:%a} {value.day} {value:%b %Y}"
    return "" if value is None else str(value)


@register.filter
def hectares(square_metres: object) -> str:
    """Square metres as hectares: 445986.7 → "44.6 ha"; under a tenth of a hectare in m²."""
    return wording.hectares(square_metres)


@register.filter
def distance(metres: object) -> str:
    """Metres as "850 m" or, from a kilometre, "2.3 km"."""
    return wording.distance(metres)


@register.filter
def height(metres: object) -> str:
    """Metres as "120 m" (to a tenth of a metre)."""
    return wording.height(metres)


@register.filter
def filesize(size: object) -> str:
    """Bytes in decimal units as a file manager shows them: 21474836480 → "21.5 GB"; 20 * 10**9 → "20 GB"."""
    n = _number(size)
    if n is None:
        return ""
    for unit, scale in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if abs(n) >= scale:
            text = f"{n / scale:,.1f}".removesuffix(".0")
            return f"{text} {unit}"
    return f"{n:,.0f} bytes"


@register.filter
def percent(value: object) -> str:
    n = _number(value)
    return "" if n is None else f"{n:.0f}%"


@register.filter
def spend_used(row: object) -> str:
    """A spend row (`limit`, `remaining`: a budget or framework of booking.money's summary) as "83% used": the
    share committed and spent, uncapped, so an overspent budget reads "130% used" though its bar stops full."""
    get = row.get if isinstance(row, dict) else (lambda k: getattr(row, k, None))
    limit, remaining = _number(get("limit")), _number(get("remaining"))
    if limit is None or remaining is None:
        return ""
    if limit <= 0:
        return "no limit set" if remaining >= 0 else "over a zero limit"
    return f"{(limit - remaining) * 100 / limit:.0f}% used"


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str, css: str = "") -> str:
    """A column header link sorting the list by `key` (one of the FilterSet's whitelisted orderings):
    ascending first, descending when already ascending; the page resets to 1, the filters stay."""
    request = context["request"]
    current = request.GET.get("ordering", "")
    descending = current == key
    target = f"-{key}" if descending else key
    kept = [(k, v) for k in request.GET for v in request.GET.getlist(k) if k not in {"ordering", "page"}]
    href = "?" + urlencode([*kept, ("ordering", target)])
    state = "ascending" if current == key else "descending" if current == f"-{key}" else None
    arrow = " ▲" if state == "ascending" else " ▼" if state == "descending" else ""
    if state:
        return format_html('<th class="{}" aria-sort="{}"><a href="{}" class="sort sorted">{}{}</a></th>',
                           css, state, href, label, arrow)
    return format_html('<th class="{}"><a href="{}" class="sort">{}</a></th>', css, href, label)
