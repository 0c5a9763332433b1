"""AIR: Flight Restriction Zones, prohibited/restricted/danger areas, temporary restrictions, NOTAMs,
prisons, controlled airspace, currency of the airspace data."""

from __future__ import annotations

from ..types import Permission, Severity
from ..zones import ZoneHit, ZoneKind
from .base import Assessment

B, A, W = Severity.BLOCK, Severity.APPROVAL, Severity.WARN


def permission_for(a: Assessment, kind: str, hit: ZoneHit) -> Permission | None:
    """A permission with a reference, for this kind of zone, naming this zone (or any), valid on the day."""
    name = hit.zone.name.lower()
    aerodrome = str(hit.zone.attributes.get("aerodrome", "")).lower()
    for p in a.plan.permissions:
        if p.kind != kind or not p.reference:
            continue
        if p.zone and p.zone.lower() not in (name, aerodrome) and p.zone.lower() not in name:
            continue
        if p.valid_from and p.valid_from > a.flight_date or p.valid_to and p.valid_to < a.end_date:
            continue
        return p
    return None


def check(a: Assessment) -> None:
    s = a.s
    a.check("AIR-01", "AIR-02", "AIR-03", "AIR-04", "AIR-05", "AIR-06", "AIR-07", "AIR-08", "AIR-10")
    for h in a.hits_of(ZoneKind.FRZ):
        perm = permission_for(a, "frz", h)
        who = h.zone.attributes.get("permission_from") or "ATC, else the flight information unit, else the aerodrome operator"
        if perm:
            a.add("AIR-01", A, f"Inside the Flight Restriction Zone {h.zone.name}; permission {perm.reference} is on "
                  "file and must be confirmed.", **h.evidence(), permission=perm.reference)
        else:
            a.add("AIR-01", B, f"Inside the Flight Restriction Zone {h.zone.name} with no permission reference "
                  f"(permission from {who}).", **h.evidence())
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
