"""evaluate(plan, context) -> Decision: run every rule family over the plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .plan import check_window, parse_plan
from .rules import air, cat, env, gov, ins, lgt, priv, reg, tech, wx
from .rules.base import SPECIFIC, Assessment, Context
from .types import Decision, Finding, Outcome, Plan, Severity
from .zones import to_metres

FAMILIES: tuple[Callable[[Assessment], None], ...] = (
    cat.check, reg.check, tech.check, ins.check, air.check, gov.check, priv.check, wx.check, lgt.check,
    env.check,
)
_ORDER = {Severity.BLOCK: 0, Severity.APPROVAL: 1, Severity.WARN: 2}


def outcome_of(findings: list[Finding] | tuple[Finding, ...]) -> Outcome:
    severities = {f.severity for f in findings}
    if Severity.BLOCK in severities:
        return Outcome.BLOCKED
    if Severity.APPROVAL in severities:
        return Outcome.NEEDS_APPROVAL
    return Outcome.PASS


def evaluate(plan: Plan | dict[str, Any], context: Context) -> Decision:
    """The decision for a plan (a Plan, or plan JSON which is parsed and may raise PlanError). The policy's
    input bounds (the window's length) apply to a Plan too, before any rule runs."""
    if not isinstance(plan, Plan):
        plan = parse_plan(plan, context.settings)
    else:
        check_window(plan.start, plan.end, context.settings)
    a = Assessment(plan, context, to_metres(plan.area))
    a.category = cat.derive_category(a)
    for family in FAMILIES:
        family(a)
    findings = sorted(a.findings, key=lambda f: (_ORDER[f.severity], _rule_key(f.rule)))
    label = "Specific" if a.category == SPECIFIC else f"Open {a.category}"
    return Decision(outcome_of(findings), tuple(findings), label, tuple(a.checked), context.now)


def _rule_key(rule: str) -> tuple[str, int]:
    family, _, number = rule.partition("-")
    return (family, int(number) if number.isdigit() else 0)
