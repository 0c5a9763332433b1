"""Findings in the words a council officer reads (pure: no Django, no clock).

Every rule family module has an `explain(rule, evidence, w)` function beside its rules: it turns the finding's
stored evidence (the JSON the engine writes: ISO dates, metres, square metres, grams, pounds) into one
plain-English sentence, e.g. "The area overlaps the runway protection zone 01 of Oban (EGEO) by 44.6 ha."
`explain(finding)` picks the family's function; the structured evidence stays as the technical details.

The sentence is worked out from the stored evidence when it is shown, so checks stored before a wording
changed read the same way as new ones. A rule with nothing to add to its message gives "".

The number formats (`Words`): areas in hectares (under 0.1 ha in m²), distances in m or km, heights in m, masses
in g or kg, money as £12,345.50, dates as "Thu 10 Dec 2026" and times as "Thu 10 Dec 2026, 10:00" in the
council's time zone (Europe/London unless told otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

LONDON = "Europe/London"

Explainer = Callable[[str, Mapping[str, Any], "Words"], str]


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        n = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return n if n.is_finite() else None


def _trim(text: str) -> str:
    """12.0 -> 12, 12.50 -> 12.5 (only after a decimal point)."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def hectares(square_metres: Any) -> str:
    """445986.7 -> "44.6 ha"; under a tenth of a hectare in square metres ("445 m²")."""
    area = _number(square_metres)
    if area is None:
        return ""
    if abs(area) < 1000:
        return f"{area:,.0f} m²"
    return f"{area / 10000:,.1f} ha"


def distance(metres: Any) -> str:
    """850 -> "850 m"; from a kilometre 2345 -> "2.3 km"."""
    length = _number(metres)
    if length is None:
        return ""
    if abs(length) < 1000:
        return f"{length:,.0f} m"
    return f"{_trim(f'{length / 1000:,.1f}')} km"


def num(value: Any) -> str:
    """A measured value as written: 9 -> "9", 9.25 -> "9.25", 1500000 -> "1,500,000" (to two decimals)."""
    n = _number(value)
    return "" if n is None else _trim(f"{n:,.2f}")


def height(metres: Any) -> str:
    """120 -> "120 m"; 45.5 -> "45.5 m" (to a tenth of a metre)."""
    h = _number(metres)
    return "" if h is None else f"{_trim(f'{h:,.1f}')} m"


def mass(grams: Any) -> str:
    """600 -> "600 g"; 1250 -> "1.25 kg"."""
    g = _number(grams)
    if g is None:
        return ""
    if abs(g) < 1000:
        return f"{g:,.0f} g"
    return f"{_trim(f'{g / 1000:,.2f}')} kg"


def money(pounds: Any) -> str:
    """12345.5 -> "£12,345.50"; a negative amount "−£12.00"; not a number: ""."""
    amount = _number(pounds)
    if amount is None:
        return ""
    text = f"£{abs(amount).quantize(Decimal('0.01')):,}"
    return f"−{text}" if amount < 0 else text


def listing(items: Iterable[Any], conjunction: str = "and") -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    words = [str(i) for i in items if i not in (None, "")]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_when(value: Any) -> date | datetime | None:
    """A date or date-time, or its ISO 8601 text as the stored evidence holds it; anything else None."""
    if isinstance(value, (date, datetime)):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        if "T" in value or " " in value.strip():
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        return date.fromisoformat(value)
    except ValueError:
        return None


def when(value: Any, tz: str = LONDON) -> str:
    """A date-time as "Thu 10 Dec 2026, 10:00" in `tz` (naive date-times are taken as already local); a date as
    "Thu 10 Dec 2026"; text that is neither is returned as it is."""
    parsed = parse_when(value)
    if parsed is None:
        return "" if value is None else str(value)
    if isinstance(parsed, datetime):
        local = parsed.astimezone(_zone(tz)) if parsed.tzinfo is not None else parsed
        return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"
    return f"{parsed:%a} {parsed.day} {parsed:%b %Y}"


@dataclass(frozen=True)
class Words:
    """The number and date formats, with the time zone dates are shown in."""

    tz: str = LONDON

    hectares = staticmethod(hectares)
    distance = staticmethod(distance)
    height = staticmethod(height)
    mass = staticmethod(mass)
    money = staticmethod(money)
    num = staticmethod(num)
    listing = staticmethod(listing)

    def when(self, value: Any) -> str:
        return when(value, self.tz)

    def day(self, value: Any) -> str:
        """Only the date of a date or date-time ("Thu 10 Dec 2026")."""
        parsed = parse_when(value)
        if isinstance(parsed, datetime):
            parsed = (parsed.astimezone(_zone(self.tz)) if parsed.tzinfo else parsed).date()
        return when(parsed, self.tz) if parsed is not None else ("" if value is None else str(value))

    # ---- zones
    def where(self, ev: Mapping[str, Any], what: str) -> str:
        """Where the area is relative to a zone (`what`, e.g. "prohibited area EGP611"), from ZoneHit.evidence:
        "The area overlaps prohibited area EGP611 by 1.2 ha." / "... touches ..." / "... is 850 m from ..."."""
        overlap = _number(ev.get("overlap_m2")) or Decimal(0)
        away = _number(ev.get("distance_m")) or Decimal(0)
        if overlap >= Decimal("0.5"):
            return f"The area overlaps {what} by {self.hectares(overlap)}."
        if away <= Decimal("0.5"):
            return f"The area touches {what}."
        return f"The area is {self.distance(away)} from {what}."


def zone_label(ev: Mapping[str, Any], kind_word: str) -> str:
    """"prohibited area EGP611" from a zone finding's evidence; the kind word alone when no name is stored."""
    name = str(ev.get("zone") or "").strip()
    return f"{kind_word} {name}" if name else kind_word


def _plain(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(_plain(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


HIDDEN_DETAILS = ("night", "zone_ids")


def technical_details(evidence: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """The structured evidence as (key, value) text pairs, for those who want them: lists joined with "; ",
    the raw night intervals and zone ids left out (the map and the sentence carry them)."""
    return [(str(k), _plain(v)) for k, v in (evidence or {}).items() if k not in HIDDEN_DETAILS]


_TRAILING_BRACKET = re.compile(r"\s*\((?:[^()]|\([^()]*\))*\)\s*$")


def without_trailing_brackets(text: str) -> str:
    """"the runway protection zone 01 (OBAN (EGEO RPZ 01))" -> "the runway protection zone 01"."""
    return _TRAILING_BRACKET.sub("", text).strip()
