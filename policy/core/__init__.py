"""The pure policy engine: no Django, no clock, no network. Callers pass `now`, zones and settings."""

from .engine import evaluate, outcome_of
from .plan import PlanError, parse_area, parse_plan
from .rules.base import Context
from .settings import DEFAULT_SETTINGS, PolicySettings, SettingsError
from .types import Decision, Finding, Outcome, Plan, Severity, Stage
from .zones import Aerodrome, ZoneHit, ZoneIndex, ZoneKind, ZoneRecord

__all__ = [
    "DEFAULT_SETTINGS",
    "Aerodrome",
    "Context",
    "Decision",
    "Finding",
    "Outcome",
    "Plan",
    "PlanError",
    "PolicySettings",
    "SettingsError",
    "Severity",
    "Stage",
    "ZoneHit",
    "ZoneIndex",
    "ZoneKind",
    "ZoneRecord",
    "evaluate",
    "outcome_of",
    "parse_area",
    "parse_plan",
]
