"""PRIV: DPIA, telling the public, the programme-wide DPIA, retention, blurring, surveillance."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..types import Severity
from ..wording import Words
from ..zones import ZoneKind
from .base import Assessment

B, A, W = Severity.BLOCK, Severity.APPROVAL, Severity.WARN


def people_likely(a: Assessment) -> bool:
    """The per-flight screening: people, gardens or number plates likely in view (what PRIV-01 asks a DPIA for)."""
    site = a.plan.site
    return a.plan.people_in_view or site.built_up or site.residential_nearby or bool(a.hits_of(ZoneKind.SCHOOL))


def _camera(a: Assessment) -> bool:
    return a.plan.aircraft.camera if a.plan.aircraft else True


def priv02_public_told(a: Assessment) -> None:
    """PRIV-02 (new 2026-12, warn; ICO video-surveillance guidance, UAS section): the drone programme has a
    privacy notice (`organisation.privacy_notice`), and where people are likely in view they are told on site
    where possible (`operation.public_notice`: website, signage, high-visibility clothing, ...)."""
    if not _camera(a):
        return
    org, notice = a.plan.organisation, a.plan.operation.public_notice
    if not org.privacy_notice:
        a.add("PRIV-02", W, "No privacy notice for the drone programme is "
              + ("recorded" if org.privacy_notice == "" else "stated")
              + f"{f' for {org.name}' if org.name else ''}: the ICO expects one (e.g. on the website).",
              organisation=org.name or None)
    if people_likely(a) and not notice:
        a.add("PRIV-02", W, "People are likely in view and "
              + ("they are not told on site" if notice == () else "how they are told on site is not stated")
              + ": tell them where possible (website, signage, high-visibility clothing).",
              public_notice=list(notice) if notice is not None else None)


def priv03_programme_dpia(a: Assessment) -> None:
    """PRIV-03 (new 2026-12): the ICO expects a DPIA for the drone use as a whole, with each flight screened
    (PRIV-01's per-flight DPIA follows from the screening). Stated as not held: approval. Not stated (no
    organisation record holds it yet): a warning asking for the reference."""
    if not _camera(a):
        return
    org = a.plan.organisation
    if org.programme_dpia:
        return
    facts = {"organisation": org.name or None, "programme_dpia": None, "people_likely": people_likely(a),
             "flight_dpia": a.plan.documents.dpia or None}
    who = f" for {org.name}" if org.name else ""
    if org.programme_dpia == "":
        a.add("PRIV-03", A, f"No programme-wide DPIA is on file{who}: the ICO expects a DPIA for the drone use as a "
              "whole, with each flight screened; an officer must accept the flight without it.", **facts)
    else:
        a.add("PRIV-03", W, f"The programme-wide DPIA{who} is not stated: record its reference (the ICO expects a "
              "DPIA for the drone use as a whole, with each flight screened).", **facts)


def check(a: Assessment) -> None:
    s, plan, docs = a.s, a.plan, a.plan.documents
    a.check("PRIV-01", "PRIV-02", "PRIV-03", "PRIV-04", "PRIV-05", "PRIV-06")
    camera = _camera(a)
    schools = a.hits_of(ZoneKind.SCHOOL)
    people = people_likely(a)
    priv02_public_told(a)
    priv03_programme_dpia(a)
    if camera and people and not docs.dpia:
        a.add("PRIV-01", B, "People, gardens or number plates are likely in view and no DPIA is on file.",
              schools=[h.zone.name for h in schools])
    if camera:
        if docs.retention_days is None:
            a.add("PRIV-04", W, f"No retention period is stated (default {s.retention_days_default} days for "
                  "incidental footage).")
        elif docs.retention_days > s.retention_days_default and people:
            a.add("PRIV-04", W, f"Retention of {docs.retention_days} days is longer than the "
                  f"{s.retention_days_default} days for incidental footage.", retention_days=docs.retention_days)
        if s.blurring_required and not docs.blurring:
            a.add("PRIV-05", W, "Faces and number plates must be blurred before footage is shared or published.")
    if plan.covert_surveillance and not docs.ripsa_authorisation:
        a.add("PRIV-06", B, "Covert or targeted surveillance needs a RIP(S)A authorisation; none is on file.")


# ---- the findings in words (policy.core.wording)
NOTICE_WORDS = {"website": "the website", "signage": "signs on site", "high_visibility": "high-visibility clothing"}


def explain(rule: str, ev: Mapping[str, Any], w: Words) -> str:
    """A PRIV finding's evidence in one sentence: the schools near, the DPIAs on file, how long footage is kept."""
    if rule == "PRIV-01" and ev.get("schools"):
        schools = ev["schools"]
        return f"School{'s' if len(schools) > 1 else ''} in the area: {w.listing(schools)}."
    if rule == "PRIV-02" and ev.get("public_notice"):
        return "People are told through " + w.listing(NOTICE_WORDS.get(n, n) for n in ev["public_notice"]) + "."
    if rule == "PRIV-03" and "people_likely" in ev:
        who = f"For {ev['organisation']}: " if ev.get("organisation") else ""
        people = "people are likely in view" if ev["people_likely"] else "people are not expected in view"
        dpia = f"this flight's DPIA is {ev['flight_dpia']}" if ev.get("flight_dpia") else "this flight has no DPIA on file"
        return f"{who}{people}, and {dpia}."
    if rule == "PRIV-04" and ev.get("retention_days") is not None:
        return f"The footage would be kept for {ev['retention_days']} days."
    return ""
