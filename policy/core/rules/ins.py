"""INS: aviation third-party liability, public liability, named operator."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..types import Severity
from ..wording import Words
from .base import Assessment

B, A = Severity.BLOCK, Severity.APPROVAL


def check(a: Assessment) -> None:
    s, plan = a.s, a.plan
    ins = plan.insurance
    a.check("INS-01", "INS-02", "INS-03")
    if ins is None:
        a.add("INS-01", B, "No insurance certificate is on file.")
        a.add("INS-02", B, "No public liability cover is on file.")
        return
    ref = ins.policy_number or ins.insurer
    if ins.expiry is None:
        a.add("INS-01", B, "The insurance expiry date is not on file.", policy=ref)
    elif ins.expiry < a.end_date:
        a.add("INS-01", B, f"The insurance expires on {ins.expiry}, before the end of the flight window "
              f"({a.end_date}).", policy=ref, expiry=ins.expiry, window_end=a.end_date)
    if ins.start is not None and ins.start > a.flight_date:
        a.add("INS-01", B, f"The insurance starts on {ins.start}, after the flight starts.", policy=ref, start=ins.start)
    cover = ins.third_party_cover_sdr
    if cover is None and ins.third_party_cover_gbp is not None and s.gbp_per_sdr > 0:
        cover = ins.third_party_cover_gbp / s.gbp_per_sdr
    if cover is None or cover < s.ins_min_sdr:
        a.add("INS-01", B, f"Third-party cover {f'{cover:,.0f} SDR' if cover is not None else 'not stated'} is under "
              f"{s.ins_min_sdr:,.0f} SDR.", cover_sdr=cover, minimum_sdr=s.ins_min_sdr)
    if not ins.commercial_use:
        a.add("INS-01", B, "The insurance does not cover commercial use.", policy=ref)
    model = plan.aircraft.model.lower() if plan.aircraft else ""
    if ins.aircraft and model not in {m.lower() for m in ins.aircraft}:
        a.add("INS-01", B, f"The insurance does not list this aircraft ({model or 'unknown'}).",
              aircraft_covered=list(ins.aircraft))
    pl = ins.public_liability_gbp
    if pl is None or pl < s.public_liability_min_gbp:
        a.add("INS-02", B, f"Public liability {f'GBP {pl:,.0f}' if pl is not None else 'not stated'} is under the "
              f"council's GBP {s.public_liability_min_gbp:,.0f}.", cover_gbp=pl, minimum_gbp=s.public_liability_min_gbp)
    if ins.named_operator.strip() != plan.operator.name.strip() or not ins.named_operator:
        a.add("INS-03", A, f"The certificate names {ins.named_operator or 'nobody'!r}, not the operator "
              f"{plan.operator.name or '(unknown)'!r}.", named=ins.named_operator, operator=plan.operator.name,
              operator_id=plan.operator.operator_id or None, policy=ins.policy_number or None)


# ---- the findings in words (policy.core.wording)
def explain(rule: str, ev: Mapping[str, Any], w: Words) -> str:
    """An INS finding's evidence in one sentence: the cover in SDR or pounds, the dates of the policy."""
    policy = f"Insurance policy {ev['policy']}" if ev.get("policy") else "The insurance"
    if rule == "INS-01":
        if "minimum_sdr" in ev:
            cover = ev.get("cover_sdr")
            return ("Third-party cover is " + (f"{w.num(round(cover))} SDR" if cover is not None else "not stated")
                    + f"; at least {w.num(ev['minimum_sdr'])} SDR is needed (SDR: the IMF's special drawing right).")
        if ev.get("expiry"):
            return f"{policy} ends on {w.day(ev['expiry'])}; the flight window ends on {w.day(ev.get('window_end'))}."
        if ev.get("start"):
            return f"{policy} starts on {w.day(ev['start'])}."
        if "aircraft_covered" in ev:
            return f"The insurance lists {w.listing(ev['aircraft_covered']) or 'no aircraft'}."
        return ""
    if rule == "INS-02" and "minimum_gbp" in ev:
        cover = ev.get("cover_gbp")
        return ("Public liability cover is " + (w.money(cover) if cover is not None else "not stated")
                + f"; the council asks for at least {w.money(ev['minimum_gbp'])}.")
    if rule == "INS-03" and "operator" in ev:
        return (f"The certificate names {ev.get('named') or 'nobody'}; the operator is "
                f"{ev.get('operator') or 'not named'}" + (f" ({ev['operator_id']})." if ev.get("operator_id") else "."))
    return ""
