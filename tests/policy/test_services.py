"""Policy versions, stored checks and their re-runs, the cached zone index (database)."""

from __future__ import annotations

from datetime import date

import pytest

from policy import selectors, services
from policy.core import PlanError, SettingsError
from policy.models import PolicyCheck, PolicyVersion, Zone

from .plans import NOW, OBAN_AIRPORT, OPEN_COUNTRY, good_plan, malformed, square

pytestmark = pytest.mark.django_db


def test_default_policy_is_created_once():
    v1 = services.ensure_default_policy()
    assert v1.number == 1 and v1.settings["max_height_m"] == 120
    assert services.ensure_default_policy().pk == v1.pk
    assert PolicyVersion.objects.count() == 1


def test_new_version_merges_validates_and_becomes_current():
    services.ensure_default_policy()
    v2 = services.policy_version_create(settings={"public_liability_min_gbp": 10_000_000},
                                        change_note="North Somerset level of cover")
    assert v2.number == 2 and selectors.current_policy_version() == v2
    assert v2.settings["public_liability_min_gbp"] == 10_000_000 and v2.settings["max_height_m"] == 120
    with pytest.raises(SettingsError):
        services.policy_version_create(settings={"max_hieght_m": 100}, change_note="typo")
    with pytest.raises(SettingsError):
        services.policy_version_create(settings={"officer_signoff_required": "maybe"}, change_note="bad type")
    with pytest.raises(ValueError):
        services.policy_version_create(settings={}, change_note=" ")
    assert PolicyVersion.objects.count() == 2


def test_check_is_stored_and_rerun_gives_the_same_result(real_zones_in_db):  # type: ignore[no-untyped-def]
    check = services.check_flight_request(flight_request=None, plan=good_plan(OBAN_AIRPORT), stage="submission",
                                          now=NOW)
    check.refresh_from_db()
    assert check.outcome == "blocked" and check.policy_version.number == 1
    assert "AIR-01" in {f["rule"] for f in check.findings}
    assert check.plan["reference"] == "FR-TEST-1" and check.zone_data_version
    assert any(z["name"] == "EGEO FRZ" for z in check.context_snapshot["zones"])
    rerun = services.policy_check_rerun(check=check).to_json()
    assert rerun["outcome"] == check.outcome and rerun["findings"] == check.findings
    # Later changes to the zone data or the policy do not change a stored decision's re-run.
    Zone.objects.filter(name__contains="EGEO").delete()
    services.policy_version_create(settings={"frz_radius_m": 1000}, change_note="test")
    again = services.policy_check_rerun(check=check).to_json()
    assert again["findings"] == check.findings
    # ...but a new check sees them.
    fresh = services.check_flight_request(flight_request=None, plan=good_plan(OBAN_AIRPORT), stage="submission",
                                          now=NOW)
    assert "EGEO FRZ" not in {f["evidence"].get("zone") for f in fresh.findings}
    assert fresh.policy_version.number == 2


def test_check_of_a_passing_plan(real_zones_in_db):  # type: ignore[no-untyped-def]
    check = services.check_flight_request(flight_request=None, plan=good_plan(OPEN_COUNTRY), stage="scheduling",
                                          now=NOW)
    assert check.outcome == "pass" and check.findings == []
    assert check.context_snapshot["airspace_data_date"] == "2026-06-01"


def test_malformed_plan_stores_nothing():
    for case, changes, field, text in malformed():
        with pytest.raises(PlanError) as err:
            services.check_flight_request(flight_request=None, plan=good_plan(**changes), stage="submission", now=NOW)
        assert err.value.field == field and text in err.value.message, case
    with pytest.raises(ValueError):
        services.check_flight_request(flight_request=None, plan=good_plan(), stage="whenever", now=NOW)
    assert PolicyCheck.objects.count() == 0


def test_zone_index_is_cached_and_rebuilt_when_zones_change():
    first = selectors.zone_data()
    assert selectors.zone_data() is first
    services.zones_replace_source(source="test", data_date=date(2026, 6, 1), zones=[
        {"external_id": "p1", "kind": "park", "name": "Station Square", "geometry": square(*OPEN_COUNTRY, 50)}])
    second = selectors.zone_data()
    assert second is not first and len(second.index) == len(first.index) + 1
    assert selectors.zone_data() is second


def test_zone_import_is_idempotent_and_removes_stale_zones():
    zones = [{"external_id": "a", "kind": "park", "name": "A", "geometry": square(*OPEN_COUNTRY, 50)},
             {"external_id": "b", "kind": "park", "name": "B", "geometry": square(*OPEN_COUNTRY, 60)}]
    first = services.zones_replace_source(source="s", data_date=date(2026, 6, 1), zones=zones)
    again = services.zones_replace_source(source="s", data_date=date(2026, 6, 1), zones=zones)
    assert (first["created"], again["created"], again["updated"]) == (2, 0, 0)
    fewer = services.zones_replace_source(source="s", data_date=date(2026, 6, 2), zones=zones[:1])
    assert fewer["deleted"] == 1 and Zone.objects.filter(source="s").count() == 1
    assert Zone.objects.get(source="s").data_date == date(2026, 6, 2)


def test_current_policy_is_the_latest_active_version():
    services.ensure_default_policy()
    v2 = services.policy_version_create(settings={"notice_working_days": 5}, change_note="shorter notice")
    v3 = services.policy_version_create(settings={"notice_working_days": 20}, change_note="draft")
    PolicyVersion.objects.filter(pk=v3.pk).update(is_active=False)
    assert selectors.current_policy_version() == v2
    assert selectors.previous_policy_version(v2).number == 1
