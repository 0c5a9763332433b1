"""REG: Operator ID, Flyer ID, A2 CofC, GVC or RPC-L1, Operational Authorisation, PfCO.

Findings about a pilot carry the pilot's name and Flyer ID (`pilot`, `flyer_id`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..types import Pilot, Severity
from ..wording import Words
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
                a.add("REG-02", B, f"{who} has no Flyer ID on file.", pilot=p.name, flyer_id=None)
            elif p.flyer_id_expiry is None or expired(p.flyer_id_expiry, on):
                a.add("REG-02", B, f"{who}'s Flyer ID {p.flyer_id} is not valid on the flight date "
                      f"(expiry {p.flyer_id_expiry or 'not on file'}).", **_who(p), expiry=p.flyer_id_expiry)

    if a.category == "A2":
        a.check("REG-03")
        for p in plan.pilots or ():
            if not p.a2_cofc or expired(p.a2_cofc_expiry, on):
                a.add("REG-03", B, f"{p.name or 'The pilot'} has no valid A2 CofC.", **_who(p),
                      expiry=p.a2_cofc_expiry)
        if not plan.pilots:
            a.add("REG-03", B, "A2 operations need a pilot with an A2 CofC; none is named.")

    if a.category == SPECIFIC:
        a.check("REG-04", "REG-05")
        reg04_competence(a)
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
            unnamed = [p for p in plan.pilots if not names or not ({p.name.lower(), p.flyer_id.lower()} & names)]
            gaps += [f"pilot {p.name or p.flyer_id} is not named on it" for p in unnamed]
            model = plan.aircraft.model.lower() if plan.aircraft else ""
            if not model or model not in {m.lower() for m in auth.aircraft}:
                gaps.append(f"aircraft {model or '(unknown)'} is not named on it")
            if gaps:
                a.add("REG-05", A, f"Operational Authorisation {auth.reference}: " + "; ".join(gaps) + ".",
                      reference=auth.reference, type=auth.type, expiry=auth.expiry, gaps=gaps,
                      flyer_ids=[p.flyer_id for p in plan.pilots],
                      pilots_not_named=[p.flyer_id or p.name for p in unnamed], aircraft=model or None)

    if op.pfco_reference and not (op.authorisation and op.authorisation.reference):
        a.add("REG-06", A, f"PfCO {op.pfco_reference} is not evidence: PfCOs ended on {s.pfco_ended}.",
              pfco=op.pfco_reference, operator_id=op.operator_id or None)


def _who(p: Pilot) -> dict[str, str | None]:
    """The identifying facts of a finding about a pilot."""
    return {"pilot": p.name or None, "flyer_id": p.flyer_id or None}


def reg04_competence(a: Assessment) -> None:
    """REG-04 (revised 2026-12): every remote pilot of a Specific operation holds a valid GVC (5 years) or its
    successor, the RPC-L1. GVCs are issued until `gvc_issuance_ends` (secondary source: unverified); one issued
    before then stays valid to its expiry."""
    s, on = a.s, a.end_date
    for p in a.plan.pilots:
        gvc_ok = bool(p.gvc) and not expired(p.gvc_expiry, on)
        rpc_ok = bool(p.rpc_l1) and not expired(p.rpc_l1_expiry, on)
        if gvc_ok or rpc_ok:
            continue
        held = []  # whatever is on file has expired by the flight date
        if p.gvc:
            held.append(f"GVC {p.gvc} expired {p.gvc_expiry}")
        if p.rpc_l1:
            held.append(f"RPC-L1 {p.rpc_l1} expired {p.rpc_l1_expiry}")
        a.add("REG-04", B, f"{p.name or 'The pilot'} has no valid GVC or RPC-L1"
              + (f" ({'; '.join(held)})" if held else "")
              + f"; GVCs are issued until {s.gvc_issuance_ends}, then the RPC-L1.", **_who(p),
              gvc_expiry=p.gvc_expiry if p.gvc else None, rpc_l1_expiry=p.rpc_l1_expiry if p.rpc_l1 else None)
    if not a.plan.pilots:
        a.add("REG-04", B, "Specific operations need a pilot with a GVC or RPC-L1; none is named.")


# ---- the findings in words (policy.core.wording)
def _pilot(ev: Mapping[str, Any]) -> str:
    name, flyer = ev.get("pilot"), ev.get("flyer_id")
    if name and flyer:
        return f"{name} (Flyer ID {flyer})"
    return str(name or (f"the pilot with Flyer ID {flyer}" if flyer else "the pilot"))


def _expiry(value: Any, w: Words) -> str:
    return f"expires on {w.day(value)}" if value else "has no expiry date on file"


def explain(rule: str, ev: Mapping[str, Any], w: Words) -> str:
    """A REG finding's evidence in one sentence: whose credential, and its dates."""
    if rule == "REG-01":
        if ev.get("expiry"):
            return f"Operator ID {ev.get('operator_id')} {_expiry(ev['expiry'], w)}."
        if ev.get("holder_age") is not None:
            return f"The Operator ID holder is {ev['holder_age']}."
        if ev.get("mass_g") is not None:
            return f"The aircraft weighs {w.mass(ev['mass_g'])}, so the operator needs an Operator ID."
        return ""
    if rule == "REG-02" and ("pilot" in ev or "flyer_id" in ev):
        if not ev.get("flyer_id"):
            return f"{_pilot(ev)[:1].upper()}{_pilot(ev)[1:]} has no Flyer ID on file."
        return f"The Flyer ID of {_pilot(ev)} {_expiry(ev.get('expiry'), w)}."
    if rule == "REG-03" and ("pilot" in ev or "flyer_id" in ev):
        return (f"A2 CofC of {_pilot(ev)}: " + (f"expired on {w.day(ev['expiry'])}." if ev.get("expiry")
                                                 else "none on file."))
    if rule == "REG-04" and ("pilot" in ev or "flyer_id" in ev):
        held = []
        if ev.get("gvc_expiry"):
            held.append(f"GVC expired on {w.day(ev['gvc_expiry'])}")
        if ev.get("rpc_l1_expiry"):
            held.append(f"RPC-L1 expired on {w.day(ev['rpc_l1_expiry'])}")
        return f"{_pilot(ev)}: " + ("; ".join(held) if held else "no GVC or RPC-L1 on file") + "."
    if rule == "REG-05" and ev.get("reference"):
        kind = f" ({ev['type']})" if ev.get("type") else ""
        sentence = f"Operational Authorisation {ev['reference']}{kind} {_expiry(ev.get('expiry'), w)}."
        if ev.get("pilots_not_named"):
            sentence += f" Not named on it: {w.listing(ev['pilots_not_named'])}."
        return sentence
    if rule == "REG-06" and ev.get("pfco"):
        return f"PfCO {ev['pfco']}" + (f" held by operator {ev['operator_id']}" if ev.get("operator_id") else "") + \
            "; an Operational Authorisation is needed instead."
    return ""
