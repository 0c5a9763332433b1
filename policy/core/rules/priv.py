"""PRIV: DPIA, retention, blurring, surveillance."""

from __future__ import annotations

from ..types import Severity
from ..zones import ZoneKind
from .base import Assessment

B, W = Severity.BLOCK, Severity.WARN


def check(a: Assessment) -> None:
    s, plan, docs = a.s, a.plan, a.plan.documents
    a.check("PRIV-01", "PRIV-04", "PRIV-05", "PRIV-06")
    camera = plan.aircraft.camera if plan.aircraft else True
    schools = a.hits_of(ZoneKind.SCHOOL)
    people = plan.people_in_view or plan.site.built_up or plan.site.residential_nearby or bool(schools)
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
