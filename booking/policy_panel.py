"""The request page's policy panel in plain words: what blocks the request now, what needs an officer,
and what the supplier's records will supply at scheduling, under a heading that agrees with the
request's state. Pure: takes the state and the findings, returns what to show."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Rules about the supplier's evidence: at submission no supplier is chosen yet (see transitions.py).
SUPPLIER_WORDS = {
    "REG": "Operator ID and pilot credentials",
    "INS": "insurance",
    "TECH": "the aircraft's equipment",
    "CAT": "the aircraft and how it is flown",
    "GOV": "the aircraft details",
}

HEADINGS = {
    "draft": ("Not checked yet", "The policy check runs when the request is submitted."),
    "submitted": ("Being checked", ""),
    "blocked": ("Blocked by the policy", "Fix what is listed under “Blocking now”, then revise and submit again."),
    "referred": ("Waiting for a policy officer", "An officer must approve what is listed under “Needs an officer”."),
    "refused": ("Refused by a policy officer", "Revise the request and submit it again."),
    "approved": ("Approved", "The whole policy is checked again on the scheduled slot, with the supplier's records."),
    "ordered": ("Approved", "The whole policy is checked again on the scheduled slot, with the supplier's records."),
    "confirmed": ("Approved", "The whole policy is checked again on the scheduled slot, with the supplier's records."),
    "scheduled": ("Scheduled: cleared to fly", "The pilot records the day's conditions before flying."),
    "flown": ("Flown", ""),
    "delivered": ("Flown and delivered", ""),
    "rework": ("Flown; delivery returned for rework", ""),
    "completed": ("Completed", ""),
    "cancelled": ("Cancelled", ""),
}


@dataclass(frozen=True)
class PolicyPanel:
    heading: str
    explanation: str
    blocking: list[dict[str, Any]] = field(default_factory=list)
    officer: list[dict[str, Any]] = field(default_factory=list)
    supplier: list[dict[str, Any]] = field(default_factory=list)
    supplier_summary: str = ""
    awaiting_signoff: bool = False


def policy_panel(
    *,
    status: str,
    stage: str | None,
    findings: Iterable[Mapping[str, Any]],
    supplier_rules: frozenset[str],
    awaiting: Iterable[Mapping[str, Any]] = (),
) -> PolicyPanel:
    """`findings`: the latest stored check's; `awaiting`: the scheduled flight's findings that wait
    for a sign-off (booking.signoff items), if any."""
    heading, explanation = HEADINGS.get(status, (status.title(), ""))
    awaiting = list(awaiting)
    blocking, officer, supplier = [], [], []
    for f in findings:
        severity = f.get("severity")
        if severity not in {"block", "approval"}:
            continue
        if stage == "submission" and f.get("rule") in supplier_rules:
            supplier.append(dict(f))
        elif severity == "block":
            blocking.append(dict(f))
        elif status in {"referred", "submitted", "blocked"}:
            officer.append(dict(f))
    if status == "scheduled" and awaiting:
        heading = "Scheduled: awaiting a policy officer's sign-off"
        explanation = ("The scheduled slot raised what no officer has signed off yet; the flight may "
                       "not be flown or recorded until a policy officer signs it off.")
        officer = [dict(item) for item in awaiting]
    if status not in {"draft", "submitted", "blocked"}:
        blocking = [] if status != "scheduled" else blocking
    families = sorted({SUPPLIER_WORDS.get(str(f.get("rule", "")).split("-")[0], "records") for f in supplier})
    summary = ""
    if supplier:
        summary = ("No supplier is chosen yet: these are checked against the supplier's records ("
                   + ", ".join(families) + ") when the flight is scheduled.")
    return PolicyPanel(heading, explanation, blocking, officer, supplier, summary, bool(awaiting))
