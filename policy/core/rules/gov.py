"""GOV: completeness, RAMS, consents, sign-off, notice, notifications, flight log."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from ..types import Severity
from ..wording import Words
from ..zones import ZoneKind
from .base import Assessment

B, A, W = Severity.BLOCK, Severity.APPROVAL, Severity.WARN


def working_days_between(first: date, last: date) -> int:
    """Working days (Mon-Fri) after `first` up to and including `last` (0 when `last` is not after `first`).
    Arithmetic, not a loop over the days: a submission date decades away costs nothing."""
    if last <= first:
        return 0
    total = (last - first).days
    weeks, rest = divmod(total, 7)
    days = weeks * 5
    for i in range(1, rest + 1):
        if (first + timedelta(days=weeks * 7 + i)).weekday() < 5:
            days += 1
    return days


def check(a: Assessment) -> None:
    s, plan, docs = a.s, a.plan, a.plan.documents
    a.check("GOV-01", "GOV-02", "GOV-03", "GOV-04", "GOV-05", "GOV-06", "GOV-07", "GOV-08")
    missing = []
    if not plan.takeoff_points:
        missing.append("take-off/landing points")
    if plan.contingency_buffer_m is None:
        missing.append("contingency buffer")
    if plan.aircraft is None or not plan.aircraft.class_mark or plan.aircraft.mass_g is None:
        missing.append("aircraft class mark and mass")
    if not plan.pilots:
        missing.append("remote pilot")
    if missing:
        a.add("GOV-01", B, "The application is incomplete: " + ", ".join(missing) + " missing.", missing=missing)
    if not docs.rams:
        a.add("GOV-02", B, "No site-specific RAMS is on file.")
    if not docs.landowner_consent:
        a.add("GOV-03", A, "No written landowner consent for take-off and landing is on file.",
              land_owner=plan.site.land_owner or None, takeoff_points=[list(p) for p in plan.takeoff_points])
    if s.officer_signoff_required:
        if not plan.approver:
            a.add("GOV-04", A, "Needs sign-off by an authorised officer.", requester=plan.requester or None)
        elif plan.requester and plan.approver.strip().lower() == plan.requester.strip().lower():
            a.add("GOV-04", A, "The approver cannot be the requester.", approver=plan.approver,
                  requester=plan.requester)
    roads = a.hits_of(ZoneKind.ROAD, s.road_park_buffer_m)
    parks = a.hits_of(ZoneKind.PARK, s.road_park_buffer_m)
    if (roads or plan.site.roads) and not docs.roads_consent:
        a.add("GOV-05", A, "The area is over or next to a road: roads team consent is needed.", kind="road",
              zones=[h.zone.name for h in roads], zone_ids=[h.zone.id for h in roads], site_flag=plan.site.roads)
    if (parks or plan.site.parks) and not docs.parks_consent:
        a.add("GOV-05", A, "The area is over or next to a park: parks team consent is needed.", kind="park",
              zones=[h.zone.name for h in parks], zone_ids=[h.zone.id for h in parks], site_flag=plan.site.parks)
    asked = (plan.submitted_at or a.ctx.now).date()
    notice = working_days_between(asked, a.flight_date)
    if notice < s.notice_working_days:
        a.add("GOV-06", W, f"{notice} working days' notice; the policy asks for {s.notice_working_days}.",
              working_days=notice, required=s.notice_working_days)
    urban = plan.site.built_up or bool(a.hits_of(ZoneKind.BUILT_UP))
    if s.notify_police_urban and urban and not docs.notify_police:
        a.add("GOV-07", W, "Public-facing urban work: tell Police Scotland on 101 before the flight.")
    if s.notify_residents and (plan.site.residential_nearby or urban) and not docs.notify_residents:
        a.add("GOV-07", W, "Residents nearby should be told about the flight.")
    near = a.ctx.zones.aerodromes_near(a.area_m, s.notify_aerodrome_within_m)
    if near and not docs.notify_aerodrome:
        aero, dist = near[0]
        a.add("GOV-07", W, f"Aerodrome {aero.name or aero.ident} is {dist:.0f} m away: tell it about the flight.",
              aerodrome=aero.ident, distance_m=dist)
    if not docs.flight_log_commitment:
        a.add("GOV-08", W, f"The flight log and any incidents must be delivered after the flight; the operator keeps "
              f"logs {s.log_retention_years} years.")


# ---- the findings in words (policy.core.wording)
OWNER_WORDS = {"council": "the council", "hes": "Historic Environment Scotland", "private": "a private owner"}


def explain(rule: str, ev: Mapping[str, Any], w: Words) -> str:
    """A GOV finding's evidence in one sentence: what is missing, who asked, the notice in working days."""
    if rule == "GOV-01" and ev.get("missing"):
        return f"Missing from the application: {w.listing(ev['missing'])}."
    if rule == "GOV-03":
        points = len(ev.get("takeoff_points") or ())
        owner = ev.get("land_owner")
        owner = (f"The take-off land belongs to {OWNER_WORDS.get(owner, owner)}" if owner
                 else "The owner of the take-off land is not stated")
        return f"{owner}; {points} take-off and landing point{'s' if points != 1 else ''} planned."
    if rule == "GOV-04" and (ev.get("requester") or ev.get("approver")):
        if ev.get("approver"):
            return f"The requester ({ev.get('requester')}) and the approver ({ev['approver']}) are the same person."
        return f"Requested by {ev['requester']}; no approving officer is named yet."
    if rule == "GOV-05":
        what = "road" if ev.get("kind") == "road" else "park"
        zones = ev.get("zones") or []
        sentences = [f"Next to the area: {what}{'s' if len(zones) > 1 else ''} {w.listing(zones)}." if zones else ""]
        if ev.get("site_flag"):
            sentences.append(f"The request says the site is by a {what}.")
        return " ".join(x for x in sentences if x)
    if rule == "GOV-06" and "working_days" in ev:
        days = ev["working_days"]
        return (f"Submitted {days} working day{'s' if days != 1 else ''} before the flight; the policy asks for "
                f"{ev['required']}.")
    if rule == "GOV-07" and ev.get("aerodrome"):
        return f"Aerodrome {ev['aerodrome']} is {w.distance(ev.get('distance_m'))} from the area."
    return ""
