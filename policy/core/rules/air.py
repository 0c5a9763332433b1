"""AIR: Flight Restriction Zones, prohibited/restricted/danger areas, temporary restrictions, NOTAMs,
prisons, controlled airspace, space-site restriction zones, currency of the airspace data.

Every zone finding carries the zone's id and name (`zone_id`, `zone`: ZoneHit.evidence)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..importers.geodesy import NM
from ..types import Permission, Severity
from ..wording import Words, without_trailing_brackets, zone_label
from ..zones import ZoneHit, ZoneKind
from .base import Assessment

B, A, W = Severity.BLOCK, Severity.APPROVAL, Severity.WARN


def permission_for(a: Assessment, kind: str, hit: ZoneHit, aerodrome: str = "") -> Permission | None:
    """A permission with a reference, for this kind of zone, naming this zone or its aerodrome (or any zone),
    valid on the day."""
    name = hit.zone.name.lower()
    aerodrome = (aerodrome or str(hit.zone.attributes.get("aerodrome", ""))).lower()
    for p in a.plan.permissions:
        if p.kind != kind or not p.reference:
            continue
        if p.zone and p.zone.lower() not in (name, aerodrome) and p.zone.lower() not in name:
            continue
        if (p.valid_from and p.valid_from > a.flight_date) or (p.valid_to and p.valid_to < a.end_date):
            continue
        return p
    return None


def _frz_part(hit: ZoneHit) -> str:
    """Which piece of the aerodrome's Flight Restriction Zone a zone is, in words."""
    attrs = hit.zone.attributes
    if attrs.get("part") == "circle":
        radius_nm = float(attrs.get("radius_m", 0)) / NM
        return f"the {radius_nm:.1f} nm circle about the runway mid-point ({hit.zone.name})"
    if attrs.get("part") == "runway protection zone":
        return f"the runway protection zone {attrs.get('runway_end') or ''} ({hit.zone.name})"
    if attrs.get("type") == "ATZ":
        return f"the aerodrome traffic zone {hit.zone.name} (airspace data)"
    if attrs.get("localtype") == "NOATZ":
        return f"the 2 nm circle of {hit.zone.name}, an aerodrome without an ATZ (airspace data)"
    return hit.zone.name


def _frz(a: Assessment) -> None:
    """AIR-01: one finding per aerodrome. Its FRZ may reach the area through several pieces (the ATZ circle
    from the airspace data, the 2 nm circle and runway protection zones derived from the runways, a NATS
    boundary): they are one restriction needing one permission, so they are reported together."""
    groups: dict[str, list[ZoneHit]] = {}
    names: dict[str, str] = {}
    plain_names: dict[str, str] = {}
    for h in a.hits_of(ZoneKind.FRZ):
        aero = a.ctx.zones.aerodrome_of(h.zone)
        key = aero.ident if aero else h.zone.name
        groups.setdefault(key, []).append(h)
        if aero:
            names[key] = f"{aero.name} ({aero.ident})" if aero.name else aero.ident
            plain_names[key] = aero.name
    for key, hits in groups.items():
        label = names.get(key, key)
        perm = next((p for p in (permission_for(a, "frz", h, aerodrome=key) for h in hits) if p), None)
        who = next((h.zone.attributes["permission_from"] for h in hits if h.zone.attributes.get("permission_from")),
                   "ATC, else the flight information unit, else the aerodrome operator")
        parts = [_frz_part(h) for h in hits]
        evidence = {**hits[0].evidence(), "aerodrome": key if key in names else None,
                    "aerodrome_name": plain_names.get(key) or None,
                    "zones": [h.zone.name for h in hits], "zone_ids": [h.zone.id for h in hits], "parts": parts,
                    "overlap_m2": round(max(h.overlap_m2 for h in hits), 1)}
        if len(parts) > 1:
            within = f"Inside the Flight Restriction Zone of {label}, one restriction entered through {' and '.join(parts)}"
        else:
            within = f"Inside the Flight Restriction Zone of {label}: {parts[0]}"
        if perm:
            a.add("AIR-01", A, f"{within}. Permission {perm.reference} is on file and must be confirmed.",
                  **evidence, permission=perm.reference)
        else:
            a.add("AIR-01", B, f"{within}. No permission reference is on file (permission from {who}).", **evidence)


def air09_space_sites(a: Assessment) -> None:
    """AIR-09 (new 2026-12): a protected space-site restriction zone (ANO 2016 art. 94BA, added by SI 2021/879)
    needs the spaceport or site operator's permission: approval, naming the permission when one is on file.
    The zones are a council layer (`import_zones --kind space_site`); whether any affects Argyll and Bute is
    unverified."""
    for h in a.hits_of(ZoneKind.SPACE_SITE):
        perm = permission_for(a, "space_site", h)
        who = h.zone.attributes.get("permission_from") or "the spaceport or space-site operator"
        a.add("AIR-09", A, f"The area enters the space-site restriction zone {h.zone.name}: permission from {who}"
              + (f" ({perm.reference}) is on file and must be confirmed." if perm else " is needed; none is on file."),
              **h.evidence(), permission=perm.reference if perm else None)


def check(a: Assessment) -> None:
    s = a.s
    a.check("AIR-01", "AIR-02", "AIR-03", "AIR-04", "AIR-05", "AIR-06", "AIR-07", "AIR-08", "AIR-09", "AIR-10")
    _frz(a)
    air09_space_sites(a)
    for h in a.hits_of(ZoneKind.PROHIBITED):
        a.add("AIR-02", B, f"The area enters prohibited area {h.zone.name}.", **h.evidence())
    for h in a.hits_of(ZoneKind.RESTRICTED):
        perm = permission_for(a, "restricted", h)
        a.add("AIR-03", A, f"The area enters restricted area {h.zone.name}: only within its conditions"
              + (f" (permission {perm.reference})." if perm else "; no permission is on file."),
              **h.evidence(), permission=perm.reference if perm else None)
    for h in a.hits_of(ZoneKind.DANGER):
        perm = permission_for(a, "danger", h)
        a.add("AIR-04", A, f"Danger area {h.zone.name} may be active in the window"
              + (f" (agreement {perm.reference})." if perm else "; check its activity and agree with the range."),
              **h.evidence(), permission=perm.reference if perm else None)
    for h in a.hits_of(ZoneKind.TEMPORARY):
        when = "in the window" if (h.zone.valid_from or h.zone.valid_to) else "(no activation times in the data)"
        a.add("AIR-05", B, f"Temporary restriction {h.zone.name} overlaps the area {when}.", **h.evidence(),
              valid_from=h.zone.valid_from, valid_to=h.zone.valid_to)
    for h in a.hits_of(ZoneKind.NOTAM, s.notam_radius_m):
        a.add("AIR-06", W, f"NOTAM {h.zone.name} is {h.distance_m:.0f} m from the area in the window.", **h.evidence())
    for h in a.hits_of(ZoneKind.PRISON, s.prison_buffer_m):
        if a.plan.site.country == "scotland" or h.zone.attributes.get("country", "").lower() == "scotland":
            continue  # SI 2023/1101 applies in England and Wales only
        a.add("AIR-07", B, f"Within {s.prison_buffer_m:.0f} m of prison {h.zone.name}.", **h.evidence())
    for h in a.hits_of(ZoneKind.CONTROLLED):
        a.add("AIR-08", W, f"Inside controlled airspace {h.zone.name}: check the authorisation's conditions "
              "and ATC agreement.", **h.evidence())
    data = a.ctx.airspace_data_date
    if data is None:
        a.add("AIR-10", B, "No airspace data has been imported, so airspace cannot be checked.")
    elif (a.flight_date - data).days > s.airac_days:
        a.add("AIR-10", B, f"The airspace data ({data}) is older than one AIRAC cycle ({s.airac_days} days) "
              f"on the flight date {a.flight_date}.", data_date=data, flight_date=a.flight_date)


# ---- the findings in words (policy.core.wording)
ZONE_WORDS = {"AIR-02": "prohibited area", "AIR-03": "restricted area", "AIR-04": "danger area",
              "AIR-05": "temporary restriction", "AIR-06": "NOTAM", "AIR-07": "prison",
              "AIR-08": "controlled airspace", "AIR-09": "the space-site restriction zone"}


def _explain_frz(ev: Mapping[str, Any], w: Words) -> str:
    """AIR-01: "The area overlaps the runway protection zone 01 of Oban (EGEO) by 44.6 ha." Several pieces: the
    largest overlap, "at least", since the pieces overlap one another."""
    ident, name = ev.get("aerodrome") or "", ev.get("aerodrome_name") or ""
    label = f"{name} ({ident})" if name and ident else ident
    zone = str(ev.get("zone") or "")
    parts = [p for p in (without_trailing_brackets(str(p)) for p in ev.get("parts") or ()) if p and p != zone]
    if label and len(parts) == 1 and parts[0].startswith("the ") and "aerodrome" not in parts[0]:
        sentence = w.where(ev, f"{parts[0]} of {label}")
    else:
        whole = f"the Flight Restriction Zone of {label}" if label else zone_label(ev, "the Flight Restriction Zone")
        sentence = w.where(ev, whole)
        if len(parts) > 1:
            sentence = sentence.replace(" by ", " by at least ", 1)
            sentence = sentence[:-1] + f", through {w.listing(parts)}."
        elif parts:
            sentence = sentence[:-1] + f" ({parts[0]})."
    if ev.get("permission"):
        sentence += f" Permission {ev['permission']} is on file."
    return sentence


def explain(rule: str, ev: Mapping[str, Any], w: Words) -> str:
    """An AIR finding's evidence in one sentence: the zone by name, the overlap in hectares or the distance."""
    if rule == "AIR-01":
        return _explain_frz(ev, w)
    if rule == "AIR-10":
        if not ev.get("data_date"):
            return ""
        return (f"The airspace data is of {w.day(ev['data_date'])}; the flight is on {w.day(ev.get('flight_date'))}.")
    if rule not in ZONE_WORDS:
        return ""
    sentence = w.where(ev, zone_label(ev, ZONE_WORDS[rule]))
    if ev.get("valid_from") or ev.get("valid_to"):
        sentence += (f" It applies from {w.when(ev.get('valid_from')) or 'the start of the data'}"
                     f" to {w.when(ev.get('valid_to')) or 'further notice'}.")
    if ev.get("permission"):
        sentence += f" Permission {ev['permission']} is on file."
    return sentence
