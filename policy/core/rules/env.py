"""ENV: protected sites, seal haul-outs, Schedule 1 nests, seabird colonies, HES properties."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..types import Severity
from ..wording import Words, zone_label
from ..zones import ZoneKind
from .base import Assessment

B, A, W = Severity.BLOCK, Severity.APPROVAL, Severity.WARN


def check(a: Assessment) -> None:
    s, docs = a.s, a.plan.documents
    a.check("ENV-01", "ENV-02", "ENV-03", "ENV-04", "ENV-06")
    for h in a.hits_of(ZoneKind.PROTECTED_SITE):
        a.add("ENV-01", A, f"The area is in protected site {h.zone.name}: NatureScot consultation"
              + (f" {docs.naturescot_consent} on file." if docs.naturescot_consent else " is needed."),
              **h.evidence(), consent=docs.naturescot_consent or None)
    pupping = bool(a.months() & set(s.seal_pupping_months))
    buffer = s.seal_pupping_buffer_m if pupping else s.seal_buffer_m
    for h in a.hits_of(ZoneKind.SEAL_HAULOUT, buffer):
        a.add("ENV-02", A, f"Seal haul-out {h.zone.name} is {h.distance_m:.0f} m away (buffer {buffer:.0f} m"
              + (", grey seal pupping season)." if pupping else ")."), **h.evidence(), buffer_m=buffer)
    for h in a.hits_of(ZoneKind.BIRD_NEST, s.bird_nest_buffer_m):
        if docs.species_licence:
            a.add("ENV-03", W, f"Schedule 1 nest site within {s.bird_nest_buffer_m:.0f} m; licence "
                  f"{docs.species_licence} on file.", **h.evidence())
        else:
            a.add("ENV-03", B, f"Schedule 1 nest site within {s.bird_nest_buffer_m:.0f} m and no licence is on file.",
                  **h.evidence())
    if a.months() & set(s.seabird_season_months):
        for h in a.hits_of(ZoneKind.SEABIRD_COLONY, s.seabird_buffer_m):
            a.add("ENV-04", W, f"Seabird colony {h.zone.name} is {h.distance_m:.0f} m away in the breeding season.",
                  **h.evidence())
    for h in a.hits_of(ZoneKind.HES_PROPERTY):
        a.add("ENV-06", A, f"Historic Environment Scotland property {h.zone.name}: HES permission for take-off and "
              "landing" + (f" ({docs.hes_permission})." if docs.hes_permission else " is needed."),
              **h.evidence(), permission=docs.hes_permission or None)


# ---- the findings in words (policy.core.wording)
ZONE_WORDS = {"ENV-01": "protected site", "ENV-02": "seal haul-out", "ENV-04": "seabird colony",
              "ENV-06": "Historic Environment Scotland property"}


def explain(rule: str, ev: Mapping[str, Any], w: Words) -> str:
    """An ENV finding's evidence in one sentence. Schedule 1 nest sites are not named in the sentence (their
    places are kept out of what is widely read; the technical details hold the record)."""
    if rule == "ENV-03":
        sentence = w.where(ev, "a Schedule 1 nest site")
    elif rule in ZONE_WORDS:
        sentence = w.where(ev, zone_label(ev, ZONE_WORDS[rule]))
    else:
        return ""
    if rule == "ENV-02" and ev.get("buffer_m") is not None:
        sentence += f" The policy keeps flights {w.distance(ev['buffer_m'])} from it at this time of year."
    if ev.get("consent"):
        sentence += f" NatureScot consent {ev['consent']} is on file."
    if ev.get("permission"):
        sentence += f" HES permission {ev['permission']} is on file."
    return sentence
