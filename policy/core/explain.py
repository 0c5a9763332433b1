"""A finding's evidence as one plain-English sentence: each rule family's `explain` (beside its rules in
`policy.core.rules`), chosen by the rule's prefix, with the formats of `policy.core.wording`. Kept apart from
`wording` so that the rule modules can import the formats without an import cycle."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from .rules import air, cat, env, gov, ins, lgt, priv, reg, tech, wx
from .wording import LONDON, Explainer, Words


@cache
def families() -> dict[str, Explainer]:
    """Each rule family's `explain`, by the family's prefix."""
    return {"AIR": air.explain, "CAT": cat.explain, "ENV": env.explain, "GOV": gov.explain, "INS": ins.explain,
            "LGT": lgt.explain, "PRIV": priv.explain, "REG": reg.explain, "TECH": tech.explain, "WX": wx.explain}


def explain(finding: Mapping[str, Any], tz: str = LONDON) -> str:
    """The finding's evidence as one plain-English sentence ("" when the message already says it all). A
    finding is the engine's dict (`rule`, `evidence`, ...) or a Finding."""
    if not isinstance(finding, Mapping):
        finding = {"rule": getattr(finding, "rule", ""), "evidence": getattr(finding, "evidence", {})}
    rule = str(finding.get("rule") or "")
    evidence = finding.get("evidence") or {}
    family = families().get(rule.partition("-")[0])
    if family is None or not isinstance(evidence, Mapping):
        return ""
    try:
        return family(rule, evidence, Words(tz)).strip()
    except (TypeError, ValueError, KeyError, AttributeError):  # evidence stored by an older engine: no sentence
        return ""
