"""REG: Operator ID, Flyer ID, A2 CofC, GVC, Operational Authorisation, PfCO."""

from __future__ import annotations

from ..types import Severity
from .base import SPECIFIC, Assessment, expired

B, A = Severity.BLOCK, Severity.APPROVAL


def check(a: Assessment) -> None:
    s, plan = a.s, a.plan
    on = a.end_date
    mass = a.mass
    camera = plan.aircraft.camera if plan.aircraft else True
    a.check("REG-01", "REG-02", "REG-06")

    needs_operator_id = mass is None or mass >= s.operator_id_mass_g or (camera and mass >= s.operator_id_camera_mass_g)
    op = plan.operator
    if needs_operator_id:
        if not op.operator_id:
            a.add("REG-01", B, "No Operator ID is on file.", mass_g=mass)
        elif op.operator_id_expiry is None:
            a.add("REG-01", B, f"Operator ID {op.operator_id} has no expiry date on file.",
                  operator_id=op.operator_id)
        elif expired(op.operator_id_expiry, on):
            a.add("REG-01", B, f"Operator ID {op.operator_id} expires on {op.operator_id_expiry}, before the flight.",
                  operator_id=op.operator_id, expiry=op.operator_id_expiry)
        if op.holder_age is not None and op.holder_age < 18:
            a.add("REG-01", B, "The Operator ID holder must be 18 or over.", holder_age=op.holder_age)

    threshold = s.flyer_id_mass_g if a.flight_date >= s.flyer_id_from else s.operator_id_mass_g
    if mass is None or mass >= threshold:
        if not plan.pilots:
            a.add("REG-02", B, "No remote pilot is named.")
        for p in plan.pilots:
            who = p.name or "a pilot"
            if not p.flyer_id:
                a.add("REG-02", B, f"{who} has no Flyer ID on file.", pilot=p.name)
            elif p.flyer_id_expiry is None or expired(p.flyer_id_expiry, on):
                a.add("REG-02", B, f"{who}'s Flyer ID {p.flyer_id} is not valid on the flight date "
                      f"(expiry {p.flyer_id_expiry or 'not on file'}).", pilot=p.name, expiry=p.flyer_id_expiry)

    if a.category == "A2":
        a.check("REG-03")
        for p in plan.pilots or ():
            if not p.a2_cofc or expired(p.a2_cofc_expiry, on):
                a.add("REG-03", B, f"{p.name or 'The pilot'} has no valid A2 CofC.", pilot=p.name,
                      expiry=p.a2_cofc_expiry)
        if not plan.pilots:
            a.add("REG-03", B, "A2 operations need a pilot with an A2 CofC; none is named.")

    if a.category == SPECIFIC:
        a.check("REG-04", "REG-05")
        for p in plan.pilots:
            if not p.gvc or expired(p.gvc_expiry, on):
                a.add("REG-04", B, f"{p.name or 'The pilot'} has no valid GVC.", pilot=p.name, expiry=p.gvc_expiry)
        if not plan.pilots:
            a.add("REG-04", B, "Specific operations need a pilot with a GVC; none is named.")
        auth = op.authorisation
        if auth is not None and auth.reference:
            gaps = []
            if not auth.type:
                gaps.append("its type is not stated")
            if auth.expiry is None:
                gaps.append("its expiry is not on file")
            elif expired(auth.expiry, on):
                gaps.append(f"it expires on {auth.expiry}, before the flight")
            names = {n.lower() for n in auth.pilots}
            for p in plan.pilots:
                if not names or not ({p.name.lower(), p.flyer_id.lower()} & names):
                    gaps.append(f"pilot {p.name or p.flyer_id} is not named on it")
            model = plan.aircraft.model.lower() if plan.aircraft else ""
            if not model or model not in {m.lower() for m in auth.aircraft}:
                gaps.append(f"aircraft {model or '(unknown)'} is not named on it")
            if gaps:
                a.add("REG-05", A, f"Operational Authorisation {auth.reference}: " + "; ".join(gaps) + ".",
                      reference=auth.reference, type=auth.type, expiry=auth.expiry)

    if op.pfco_reference and not (op.authorisation and op.authorisation.reference):
        a.add("REG-06", A, f"PfCO {op.pfco_reference} is not evidence: PfCOs ended on {s.pfco_ended}.",
              pfco=op.pfco_reference)
