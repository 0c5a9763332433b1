"""`gbp`: money with thousands separators and pence, e.g. 12345.5 → "12,345.50" (templates write the £).
Kept here rather than adding django.contrib.humanize to INSTALLED_APPS."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def gbp(value: object) -> str:
    """A money amount as 1,234.50; anything that is not a number is shown as it is."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "" if value is None else str(value)
    if not amount.is_finite():
        return str(value)
    return f"{amount.quantize(Decimal('0.01')):,}"
