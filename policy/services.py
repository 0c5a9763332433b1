"""Writes: policy versions, stored policy checks, zone and aerodrome imports."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction

from policy.core import Context, Decision, PolicySettings, ZoneIndex, evaluate, parse_plan
from policy.core.rules.base import max_buffer
from policy.core.zones import to_metres

from . import selectors
from .models import Aerodrome, CheckStage, PolicyCheck, PolicyVersion, Zone

DEFAULT_CHANGE_NOTE = ("First version: every rule of the council's Drone Usage Policy with the thresholds of the "
                       "rule catalogue.")


def ensure_default_policy() -> PolicyVersion:
    """The current policy version, creating v1 from the defaults when there is none."""
    current = selectors.current_policy_version()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            return PolicyVersion.objects.create(number=1, settings=PolicySettings().to_dict(),
                                                change_note=DEFAULT_CHANGE_NOTE)
    except IntegrityError:  # created concurrently, or v1 exists but is inactive
        current = selectors.current_policy_version()
        if current is None:
            raise
        return current


def policy_version_create(*, settings: Mapping[str, Any], change_note: str, user=None) -> PolicyVersion:  # type: ignore[no-untyped-def]
    """A new version: the current settings overlaid with `settings` (validated), with a change note."""
    if not change_note.strip():
        raise ValueError("change_note: say what changed and why")
    with transaction.atomic():
        current = ensure_default_policy()
        merged = {**current.settings, **settings}
        full = PolicySettings.from_dict(merged).to_dict()  # raises SettingsError for bad keys/values
        number = (PolicyVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        return PolicyVersion.objects.create(number=number, settings=full, change_note=change_note.strip(),
                                            created_by=user)


def _jsonable(value: Mapping[str, Any]) -> dict[str, Any]:
    """A plain-JSON copy (tuples become lists, dates strings), as a JSONField gives it back."""
    return json.loads(json.dumps(value, default=str))


def policy_evaluate(*, plan: Mapping[str, Any], now: datetime, stage: str = CheckStage.SUBMISSION,
                    version: PolicyVersion | None = None) -> tuple[Decision, PolicyVersion, selectors.ZoneData]:
    """Evaluate without storing (API, command line). Raises PlanError for a malformed plan (checked against the
    version's input bounds, e.g. max_window_days, before anything is computed)."""
    version = version or ensure_default_policy()
    settings = selectors.policy_settings(version)
    parsed = parse_plan(plan, settings)
    data = selectors.zone_data()
    ctx = Context(now=now, settings=settings, zones=data.index,
                  airspace_data_date=data.airspace_data_date, stage=stage)
    return evaluate(parsed, ctx), version, data


def decision_json(decision: Decision, version: PolicyVersion, zone_version: str) -> dict[str, Any]:
    return {**decision.to_json(), "policy_version": version.number, "zone_data_version": zone_version}


def check_flight_request(*, flight_request, plan: dict, stage: str, now: datetime,  # type: ignore[no-untyped-def]
                         supplier_id: int | None = None) -> PolicyCheck:
    """Evaluate `plan` with the current policy and zone data and store the decision with everything needed
    to re-run it; `supplier_id`: the supplier whose records the plan holds (only they, of the suppliers, see
    the check). Raises policy.core.PlanError (a ValueError with `.field`) for a malformed plan."""
    if stage not in CheckStage.values:
        raise ValueError(f"stage: must be one of {', '.join(CheckStage.values)}")
    snapshot_plan = _jsonable(plan)
    decision, version, data = policy_evaluate(plan=snapshot_plan, now=now, stage=stage)
    settings = selectors.policy_settings(version)
    parsed = parse_plan(snapshot_plan, settings)
    context = data.index.snapshot(to_metres(parsed.area), max_buffer(settings), settings.notify_aerodrome_within_m)
    context["airspace_data_date"] = data.airspace_data_date.isoformat() if data.airspace_data_date else None
    out = decision.to_json()
    return PolicyCheck.objects.create(
        flight_request=flight_request, stage=stage, outcome=out["outcome"], category=out["category"],
        findings=out["findings"], rules_checked=out["rules_checked"], policy_version=version,
        plan=snapshot_plan, context_snapshot=context, zone_data_version=data.version, evaluated_at=now,
        supplier_id=supplier_id,
    )


def policy_check_rerun(*, check: PolicyCheck) -> Decision:
    """Re-evaluate a stored check from its own snapshot: same plan, policy version, zones and time."""
    snap = check.context_snapshot or {}
    data_date = snap.get("airspace_data_date")
    ctx = Context(now=check.evaluated_at, settings=selectors.policy_settings(check.policy_version),
                  zones=ZoneIndex.from_snapshot(snap),
                  airspace_data_date=date.fromisoformat(data_date) if data_date else None, stage=check.stage)
    return evaluate(parse_plan(check.plan, ctx.settings), ctx)


# ---- imports (idempotent: identity is (source, external_id); a re-import replaces that source's zones)

def _save_if_changed(obj: Zone | Aerodrome, fields: Mapping[str, Any]) -> int:
    """Save `obj` with `fields` only when one differs (so an unchanged re-import touches nothing); 1 if saved."""
    if all(getattr(obj, k) == v for k, v in fields.items()):
        return 0
    for k, v in fields.items():
        setattr(obj, k, v)
    obj.save()
    return 1


def zones_replace_source(*, source: str, zones: Iterable[Mapping[str, Any]], data_date: date) -> dict[str, int]:
    """Create or update every zone of `source` and delete the ones no longer in it, atomically."""
    created = updated = 0
    seen: set[str] = set()
    with transaction.atomic():
        existing = {z.external_id: z for z in Zone.objects.filter(source=source)}
        for item in zones:
            ext = str(item["external_id"])
            if ext in seen:
                continue
            seen.add(ext)
            fields = {
                "kind": item["kind"], "name": item["name"][:200], "geometry": _jsonable(item["geometry"]),
                "lower_m": item.get("lower_m"), "upper_m": item.get("upper_m"),
                "lower_ref": item.get("lower_ref", "")[:40], "upper_ref": item.get("upper_ref", "")[:40],
                "valid_from": item.get("valid_from"), "valid_to": item.get("valid_to"),
                "attributes": _jsonable(item.get("attributes") or {}), "data_date": data_date,
            }
            zone = existing.get(ext)
            if zone is None:
                Zone.objects.create(source=source, external_id=ext, **fields)
                created += 1
            else:
                updated += _save_if_changed(zone, fields)
        stale = [ext for ext in existing if ext not in seen]
        deleted = Zone.objects.filter(source=source, external_id__in=stale).delete()[0] if stale else 0
    return {"created": created, "updated": updated, "deleted": deleted, "total": len(seen)}


def aerodromes_upsert(*, aerodromes: Iterable[Mapping[str, Any]], source: str, data_date: date) -> dict[str, int]:
    created = updated = 0
    with transaction.atomic():
        for item in aerodromes:
            defaults = {k: item.get(k) for k in ("name", "lat", "lon", "longest_runway_m", "frz_radius_m")}
            defaults.update(has_thresholds=bool(item.get("has_thresholds")), source=source, data_date=data_date,
                            attributes=item.get("attributes") or {})
            obj = Aerodrome.objects.filter(ident=item["ident"]).first()
            if obj is None:
                Aerodrome.objects.create(ident=item["ident"], **defaults)
                created += 1
            else:
                updated += _save_if_changed(obj, defaults)
    return {"created": created, "updated": updated}
