"""What an officer's sign-off covers: the approval-level findings it was shown, rule *and* facts.

Pure (no Django): findings are the policy engine's dicts (`rule`, `severity`, `message`, `evidence`).
A later check (at scheduling, at every reschedule) needs a fresh sign-off for any approval-level
finding the officer did not see: a new rule, or the same rule with new facts (a zone not in the signed
finding, night minutes outside the night that was signed off, a greater height, another pilot).

Facts per finding (`finding_facts`):
- zone rules (evidence with `zone_id`: AIR-*, ENV-*): the zone, by id;
- LGT-01 (night): the night intervals of the checked slot;
- height (`max_height_m` / `height_m` in the evidence): the height;
- anything else: the evidence without measurements that move with the geometry's rounding
  (`distance_m`, `overlap_m2`) and without the message.

Night is special: approving a *request window* (days long, so always holding some night) is not
approval of a night flight. Night is covered only by a sign-off of a *flight slot* whose night
intervals contain the new slot's night (`Seen.from_flight`); a request approval never covers LGT-01.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

NIGHT_RULE = "LGT-01"
#: Evidence keys that describe the geometry's measurement, not what the officer decided on.
VOLATILE_KEYS = frozenset({"distance_m", "overlap_m2", "zone_source", "night", "night_minutes",
                           "lat", "lon", "message"})
HEIGHT_KEYS = ("max_height_m", "height_m")


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _canonical(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_canonical(v) for v in value)
    return value


def _parse(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _intervals(raw: Any) -> list[tuple[datetime, datetime]]:
    out = []
    for pair in raw or []:
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            a, b = _parse(pair[0]), _parse(pair[1])
            if a is not None and b is not None and b > a:
                out.append((a, b))
    return out


def finding_facts(finding: Mapping[str, Any]) -> dict[str, Any]:
    """The facts an officer decides on for one finding (JSON-friendly, stored with the flight)."""
    evidence = dict(finding.get("evidence") or {})
    rule = str(finding.get("rule", ""))
    if rule == NIGHT_RULE:
        return {"night": [[a.isoformat(), b.isoformat()] for a, b in _intervals(evidence.get("night"))],
                "night_minutes": evidence.get("night_minutes")}
    if "zone_id" in evidence:
        return {"zone_id": evidence["zone_id"], "zone": evidence.get("zone")}
    facts = {k: v for k, v in evidence.items() if k not in VOLATILE_KEYS}
    return facts


def signoff_item(finding: Mapping[str, Any]) -> dict[str, Any]:
    """What is kept of a finding that needs (or had) a sign-off: rule, message and facts (a finding
    from a booking check summary already carries its `facts`)."""
    facts = finding["facts"] if "facts" in finding else finding_facts(finding)
    return {"rule": finding.get("rule"), "message": finding.get("message", ""), "facts": dict(facts)}


@dataclass
class Seen:
    """Everything officers have signed off for one request so far."""

    items: list[dict[str, Any]] = field(default_factory=list)  # signoff_item dicts
    night: list[tuple[datetime, datetime]] = field(default_factory=list)

    def add_request_approval(self, findings: Iterable[Mapping[str, Any]]) -> None:
        """The findings a request approval covered (never night: see the module docstring)."""
        for f in findings:
            item = signoff_item(f)
            if item.get("rule") != NIGHT_RULE:
                self.items.append(item)

    def add_flight_signoff(self, items: Iterable[Mapping[str, Any]]) -> None:
        """The findings a policy officer signed off for a scheduled slot."""
        for item in items:
            if item.get("rule") == NIGHT_RULE:
                self.night.extend(_intervals((item.get("facts") or {}).get("night")))
            else:
                self.items.append(dict(item))

    def covers(self, item: Mapping[str, Any]) -> bool:
        rule, facts = item.get("rule"), dict(item.get("facts") or {})
        if rule == NIGHT_RULE:
            wanted = _intervals(facts.get("night"))
            return bool(wanted) and all(_inside(iv, self.night) for iv in wanted)
        for seen in self.items:
            if seen.get("rule") != rule:
                continue
            if _facts_cover(dict(seen.get("facts") or {}), facts):
                return True
        return False


def _inside(interval: tuple[datetime, datetime], union: list[tuple[datetime, datetime]]) -> bool:
    a, b = interval
    cursor = a
    for x, y in sorted(union):
        if x <= cursor < y:
            cursor = y
        if cursor >= b:
            return True
    return cursor >= b


def _facts_cover(seen: dict[str, Any], new: dict[str, Any]) -> bool:
    for key in HEIGHT_KEYS:
        if key in new or key in seen:
            try:
                if float(new.get(key)) > float(seen.get(key)):  # type: ignore[arg-type]
                    return False
            except (TypeError, ValueError):
                return False
    rest_seen = {k: v for k, v in seen.items() if k not in HEIGHT_KEYS}
    rest_new = {k: v for k, v in new.items() if k not in HEIGHT_KEYS}
    if "zone_id" in rest_new or "zone_id" in rest_seen:
        return rest_new.get("zone_id") == rest_seen.get("zone_id")
    return _canonical(rest_seen) == _canonical(rest_new)


def unseen(findings: Iterable[Mapping[str, Any]], seen: Seen) -> list[dict[str, Any]]:
    """The approval-level findings of a check that no earlier sign-off covers, one item each."""
    out: list[dict[str, Any]] = []
    for f in findings:
        if f.get("severity") != "approval":
            continue
        item = signoff_item(f)
        if not seen.covers(item) and item not in out:
            out.append(item)
    return out
