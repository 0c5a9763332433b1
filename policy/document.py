"""What the policy document shows: the current version's rules in plain English, what changed since the
previous version, the unverified items and the evidence a contractor supplies."""

from __future__ import annotations

from typing import Any

from policy.core.catalogue import FAMILIES, rendered_catalogue
from policy.core.daylight import DEFINITIONS
from policy.core.settings import PolicySettings

from . import selectors, services


def settings_diff(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": k, "old": old.get(k), "new": new.get(k)}
            for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]


NIGHT_NAMES = {"ano": "ANO 2016", "civil": "UK SERA (civil twilight)", "stricter": "the stricter of the two"}
NIGHT_SOURCES = {"ano": "Air Navigation Order 2016 (SI 2016/765), Schedule 1, definition of night",
                 "civil": "UK SERA (Regulation (EU) No 923/2012 as retained in UK law), art. 2, definition of night"}


def night_context(settings: PolicySettings) -> dict[str, Any]:
    """The two definitions of night with their sources, and the one this policy version applies."""
    current = settings.night_definition
    return {
        "definitions": [{"key": k, "name": NIGHT_NAMES[k], "label": DEFINITIONS[k], "source": NIGHT_SOURCES[k]}
                        for k in ("ano", "civil")],
        "current": current, "current_name": NIGHT_NAMES[current], "current_label": DEFINITIONS[current],
    }


def policy_document_context() -> dict[str, Any]:
    version = services.ensure_default_policy()
    settings = selectors.policy_settings(version)
    previous = selectors.previous_policy_version(version)
    rules = rendered_catalogue(settings)
    families = [{"code": code, "name": name, "rules": [r for r in rules if r["family"] == code]}
                for code, name in FAMILIES.items()]
    changes = (settings_diff(selectors.policy_settings(previous).to_dict(), settings.to_dict())
               if previous else [])
    return {
        "version": version, "previous": previous, "settings": settings, "families": families,
        "changes": changes, "unverified": [r for r in rules if r["unverified"]],
        "evidence": [r for r in rules if r["evidence"]],
        "night": night_context(settings),
    }
