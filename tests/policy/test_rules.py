"""Every rule of the catalogue, table-driven: inside, outside and on the threshold (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from shapely.geometry import shape

from policy.core import evaluate
from policy.core.catalogue import RULES

from .plans import DELETE, OPEN_COUNTRY, context, good_plan, offset, rules_of, square, zone

LON, LAT = OPEN_COUNTRY
AREA_EDGE_M = 100  # good_plan's area is a 200 m square


def at_distance(metres: float) -> dict[str, Any]:
    """A point zone `metres` east of the area's east edge."""
    x, y = offset(LON, LAT, 90, AREA_EDGE_M + metres)
    return {"type": "Point", "coordinates": [x, y]}


OVER = square(LON, LAT, 400)  # a zone covering the whole area
A3 = {"operation.category": "A3", "aircraft.class_mark": "UK3", "aircraft.mass_g": 3000}
A2 = {"operation.category": "A2", "aircraft.class_mark": "UK2", "aircraft.mass_g": 1500}
PDRA = {"operation.category": "specific", "aircraft.class_mark": "UK3", "aircraft.mass_g": 3000,
        "operator.authorisation": {"type": "PDRA01", "reference": "UAS-OA-1", "expiry": "2027-01-01",
                                   "pilots": ["Pat Pilot"], "aircraft": ["Skyview One"]}}
Y2028 = {"start": "2028-01-01T10:00:00+00:00", "end": "2028-01-01T11:00:00+00:00"}
GVC_ONLY_EXPIRED = {"name": "Pat Pilot", "flyer_id": "GBR-RP-5678", "flyer_id_expiry": "2030-01-01",
                    "gvc": "GVC-12", "gvc_expiry": "2026-01-01"}
NIGHT = {"start": "2026-12-15T23:00:00+00:00", "end": "2026-12-15T23:30:00+00:00",
         "submitted_at": "2026-11-01T09:00:00+00:00"}
DEC_CTX = {"data_date": date(2026, 12, 1), "now": datetime(2026, 11, 1, tzinfo=UTC)}

# (case id, plan changes, zones [(kind, geometry, extra)], settings, context kwargs, rule, expected severity)
CASES: list[tuple[str, dict, list, dict, dict, str, str | None]] = [
    # CAT
    ("cat01-specific-without-oa", {**A3, "operation.category": DELETE, "operation.min_distance_built_up_m": 100},
     [], {}, {}, "CAT-01", "block"),
    ("cat01-derived-a3", {**A3, "operation.category": DELETE}, [], {}, {}, "CAT-01", None),
    ("cat01-specific-with-oa", {**PDRA}, [], {}, {}, "CAT-01", None),
    # CAT-01 revised 2026-12: UK5/UK6 Specific only; the A3 aircraft
    ("cat01-uk5-in-open", {**A3, "aircraft.class_mark": "UK5"}, [], {}, {}, "CAT-01", "block"),
    ("cat01-uk6-derived-specific", {**A3, "operation.category": DELETE, "aircraft.class_mark": "UK6"},
     [], {}, {}, "CAT-01", "block"),
    ("cat01-uk5-with-oa", {**PDRA, "aircraft.class_mark": "UK5"}, [], {}, {}, "CAT-01", None),
    ("cat01-a3-c2-2027", {**A3, "aircraft.class_mark": "C2"}, [], {}, {}, "CAT-01", None),
    ("cat01-a3-c2-2028", {**A3, **Y2028, "aircraft.class_mark": "C2"}, [], {}, {}, "CAT-01", "block"),
    ("cat01-a3-uk4", {**A3, "aircraft.class_mark": "UK4"}, [], {}, {}, "CAT-01", None),
    ("cat01-a3-home-built", {**A3, "aircraft.class_mark": "home_built", "aircraft.mass_g": 24999},
     [], {}, {}, "CAT-01", None),
    ("cat01-a3-legacy-25kg", {**A3, "aircraft.class_mark": "legacy", "aircraft.mass_g": 25000},
     [], {}, {}, "CAT-01", "block"),
    ("cat02-25kg", {"aircraft.mass_g": 25000}, [], {}, {}, "CAT-02", "block"),
    ("cat02-under", {"aircraft.mass_g": 24999}, [], {}, {}, "CAT-02", None),
    ("cat03-121m", {"max_height_m": 121}, [], {}, {}, "CAT-03", "block"),
    ("cat03-120m", {"max_height_m": 120}, [], {}, {}, "CAT-03", None),
    ("cat03-150m", {"max_height_m": 150}, [], {}, {}, "CAT-03", "block"),
    ("cat03-obstacle-allowance", {"max_height_m": 135, "operation.obstacle":
                                  {"height_m": 120, "distance_m": 50, "owner_request": True}}, [], {}, {}, "CAT-03", None),
    ("cat03-obstacle-too-high", {"max_height_m": 136, "operation.obstacle":
                                 {"height_m": 120, "distance_m": 50, "owner_request": True}}, [], {}, {}, "CAT-03", "block"),
    ("cat03-obstacle-no-request", {"max_height_m": 130, "operation.obstacle":
                                   {"height_m": 120, "distance_m": 10, "owner_request": False}}, [], {}, {}, "CAT-03", "block"),
    ("cat03-setting", {"max_height_m": 100}, [], {"max_height_m": 90}, {}, "CAT-03", "block"),
    ("cat04-bvlos", {"operation.vlos": False}, [], {}, {}, "CAT-04", "block"),
    ("cat04-pdra-501m", {**PDRA, "operation.max_distance_from_pilot_m": 501}, [], {}, {}, "CAT-04", "block"),
    ("cat04-pdra-500m", {**PDRA, "operation.max_distance_from_pilot_m": 500}, [], {}, {}, "CAT-04", None),
    ("cat06-uk2-in-a1", {"operation.category": "A1", "aircraft.class_mark": "UK2", "aircraft.mass_g": 1500},
     [], {}, {}, "CAT-06", "block"),
    ("cat06-legacy-before-cutoff", {"operation.category": "A1", "aircraft.class_mark": "legacy", "aircraft.mass_g": 249,
                                    "aircraft.placed_on_market": "2025-12-31"}, [], {}, {}, "CAT-06", None),
    ("cat06-legacy-on-cutoff", {"operation.category": "A1", "aircraft.class_mark": "legacy", "aircraft.mass_g": 249,
                                "aircraft.placed_on_market": "2026-01-01"}, [], {}, {}, "CAT-06", "block"),
    ("cat06-legacy-250g", {"operation.category": "A1", "aircraft.class_mark": "legacy", "aircraft.mass_g": 250,
                           "aircraft.placed_on_market": "2020-01-01"}, [], {}, {}, "CAT-06", "block"),
    ("cat06-under-100g", {"operation.category": "A1", "aircraft.class_mark": "legacy", "aircraft.mass_g": 99},
     [], {}, {}, "CAT-06", None),
    # CAT-06 revised 2026-12: C0 and anything under 250 g; the legacy market date is a setting (unverified)
    ("cat06-c0-2028", {**Y2028, "operation.category": "A1", "aircraft.class_mark": "C0", "aircraft.mass_g": 240},
     [], {}, {}, "CAT-06", None),
    ("cat06-home-built-249g", {"operation.category": "A1", "aircraft.class_mark": "home_built",
                               "aircraft.mass_g": 249}, [], {}, {}, "CAT-06", None),
    ("cat06-uk2-249g", {"operation.category": "A1", "aircraft.class_mark": "UK2", "aircraft.mass_g": 249},
     [], {}, {}, "CAT-06", None),
    ("cat06-legacy-no-market-date", {"operation.category": "A1", "aircraft.class_mark": "legacy",
                                     "aircraft.mass_g": 249}, [], {}, {}, "CAT-06", "block"),
    ("cat06-legacy-2026-market-date-off", {"operation.category": "A1", "aircraft.class_mark": "legacy",
                                           "aircraft.mass_g": 249, "aircraft.placed_on_market": "2026-01-01"},
     [], {"a1_legacy_market_date_applies": False}, {}, "CAT-06", None),
    ("cat06-uk5", {"operation.category": "A1", "aircraft.class_mark": "UK5", "aircraft.mass_g": 200},
     [], {}, {}, "CAT-06", "block"),
    ("cat06-c1-2027", {"operation.category": "A1", "aircraft.class_mark": "C1", "start": "2027-12-31T10:00:00+00:00",
                       "end": "2027-12-31T11:00:00+00:00"}, [], {}, {}, "CAT-06", None),
    ("cat06-c1-2028", {"operation.category": "A1", "aircraft.class_mark": "C1", "start": "2028-01-01T10:00:00+00:00",
                       "end": "2028-01-01T11:00:00+00:00"}, [], {}, {}, "CAT-06", "block"),
    ("cat07-29m", {**A2, "operation.min_distance_people_m": 29}, [], {}, {}, "CAT-07", "block"),
    ("cat07-30m", {**A2, "operation.min_distance_people_m": 30}, [], {}, {}, "CAT-07", None),
    ("cat07-low-speed-5m", {**A2, "aircraft.low_speed_mode": True, "operation.min_distance_people_m": 5},
     [], {}, {}, "CAT-07", None),
    ("cat07-low-speed-4m", {**A2, "aircraft.low_speed_mode": True, "operation.min_distance_people_m": 4},
     [], {}, {}, "CAT-07", "block"),
    ("cat07-legacy-50m", {**A2, "aircraft.class_mark": "legacy", "aircraft.mass_g": 1999,
                          "operation.min_distance_people_m": 50}, [], {}, {}, "CAT-07", None),
    ("cat07-legacy-49m", {**A2, "aircraft.class_mark": "legacy", "aircraft.mass_g": 1999,
                          "operation.min_distance_people_m": 49}, [], {}, {}, "CAT-07", "block"),
    ("cat07-uk3", {**A2, "aircraft.class_mark": "UK3"}, [], {}, {}, "CAT-07", "block"),
    ("cat08-149m", {**A3, "operation.min_distance_built_up_m": 149}, [], {}, {}, "CAT-08", "block"),
    ("cat08-150m", {**A3, "operation.min_distance_built_up_m": 150}, [], {}, {}, "CAT-08", None),
    ("cat08-people-49m", {**A3, "operation.min_distance_people_m": 49}, [], {}, {}, "CAT-08", "block"),
    ("cat08-built-up-zone-near", {**A3}, [("built_up", at_distance(140), {})], {}, {}, "CAT-08", "block"),
    ("cat08-built-up-zone-far", {**A3}, [("built_up", at_distance(160), {})], {}, {}, "CAT-08", None),
    ("cat09-assembly", {"operation.overflies_assemblies": True}, [], {}, {}, "CAT-09", "block"),
    ("cat10-49m", {**PDRA, "operation.min_distance_people_m": 49}, [], {}, {}, "CAT-10", "block"),
    ("cat10-50m", {**PDRA, "operation.min_distance_people_m": 50}, [], {}, {}, "CAT-10", None),
    ("cat10-takeoff-29m", {**PDRA, "operation.min_distance_people_takeoff_m": 29}, [], {}, {}, "CAT-10", "block"),
    ("cat10-takeoff-30m", {**PDRA, "operation.min_distance_people_takeoff_m": 30}, [], {}, {}, "CAT-10", None),
    ("cat11-height", {**PDRA, "operator.authorisation.max_height_m": 60}, [], {}, {}, "CAT-11", "block"),
    ("cat11-height-equal", {**PDRA, "operator.authorisation.max_height_m": 90}, [], {}, {}, "CAT-11", None),
    ("cat11-day-only", {**PDRA, **NIGHT, "operator.authorisation.night": False}, [], {}, DEC_CTX, "CAT-11", "block"),
    # REG
    ("reg01-missing", {"operator.operator_id": DELETE}, [], {}, {}, "REG-01", "block"),
    ("reg01-expired", {"operator.operator_id_expiry": "2026-06-14"}, [], {}, {}, "REG-01", "block"),
    ("reg01-expires-on-day", {"operator.operator_id_expiry": "2026-06-15"}, [], {}, {}, "REG-01", None),
    ("reg01-249g-no-camera", {"operator.operator_id": DELETE, "aircraft.mass_g": 249, "aircraft.camera": False},
     [], {}, {}, "REG-01", None),
    ("reg01-100g-camera", {"operator.operator_id": DELETE, "aircraft.mass_g": 100}, [], {}, {}, "REG-01", "block"),
    ("reg02-missing", {"pilots": [{"name": "Pat"}]}, [], {}, {}, "REG-02", "block"),
    ("reg02-expired", {"pilots": [{"name": "Pat", "flyer_id": "X", "flyer_id_expiry": "2026-01-01"}]},
     [], {}, {}, "REG-02", "block"),
    ("reg02-under-100g", {"pilots": [{"name": "Pat"}], "aircraft.mass_g": 99}, [], {}, {}, "REG-02", None),
    ("reg03-no-cofc", {**A2, "operation.min_distance_people_m": 40,
                       "pilots": [{"name": "Pat Pilot", "flyer_id": "F", "flyer_id_expiry": "2030-01-01"}]},
     [], {}, {}, "REG-03", "block"),
    ("reg03-cofc", {**A2, "operation.min_distance_people_m": 40}, [], {}, {}, "REG-03", None),
    ("reg04-no-gvc", {**PDRA, "pilots": [{"name": "Pat Pilot", "flyer_id": "F", "flyer_id_expiry": "2030-01-01"}]},
     [], {}, {}, "REG-04", "block"),
    ("reg04-gvc", {**PDRA}, [], {}, {}, "REG-04", None),
    # REG-04 revised 2026-12: a GVC or its successor RPC-L1
    ("reg04-rpc-l1", {**PDRA, "pilots": [{"name": "Pat Pilot", "flyer_id": "F", "flyer_id_expiry": "2030-01-01",
                                          "rpc_l1": "RPC-L1-7", "rpc_l1_expiry": "2031-01-01"}]},
     [], {}, {}, "REG-04", None),
    ("reg04-gvc-expired-rpc-l1-valid", {**PDRA, "pilots": [{**GVC_ONLY_EXPIRED, "rpc_l1": "RPC-L1-7"}]},
     [], {}, {}, "REG-04", None),
    ("reg04-gvc-expired", {**PDRA, "pilots": [GVC_ONLY_EXPIRED]}, [], {}, {}, "REG-04", "block"),
    ("reg04-rpc-l1-expired", {**PDRA, "pilots": [{**GVC_ONLY_EXPIRED, "gvc": None, "rpc_l1": "R",
                                                  "rpc_l1_expiry": "2026-06-14"}]}, [], {}, {}, "REG-04", "block"),
    ("reg05-expired", {**PDRA, "operator.authorisation.expiry": "2026-06-01"}, [], {}, {}, "REG-05", "approval"),
    ("reg05-pilot-not-named", {**PDRA, "operator.authorisation.pilots": ["Someone Else"]}, [], {}, {}, "REG-05",
     "approval"),
    ("reg05-complete", {**PDRA}, [], {}, {}, "REG-05", None),
    ("reg06-pfco-only", {"operator.pfco_reference": "PfCO-1"}, [], {}, {}, "REG-06", "approval"),
    ("reg06-pfco-with-oa", {**PDRA, "operator.pfco_reference": "PfCO-1"}, [], {}, {}, "REG-06", None),
    # TECH
    ("tech01-uk1-no-rid", {"aircraft.remote_id": False}, [], {}, {}, "TECH-01", "block"),
    ("tech01-uk0-99g", {"aircraft.class_mark": "UK0", "aircraft.mass_g": 99, "aircraft.remote_id": False},
     [], {}, {}, "TECH-01", None),
    ("tech01-uk0-100g", {"aircraft.class_mark": "UK0", "aircraft.mass_g": 100, "aircraft.remote_id": False},
     [], {}, {}, "TECH-01", "block"),
    ("tech01-legacy-2027", {"aircraft.class_mark": "legacy", "aircraft.remote_id": False,
                            "start": "2027-12-31T10:00:00+00:00", "end": "2027-12-31T11:00:00+00:00"},
     [], {}, {}, "TECH-01", None),
    ("tech01-legacy-2028", {"aircraft.class_mark": "legacy", "aircraft.remote_id": False,
                            "start": "2028-01-01T10:00:00+00:00", "end": "2028-01-01T11:00:00+00:00"},
     [], {}, {}, "TECH-01", "block"),
    ("tech02-night-no-light", {**NIGHT, "aircraft.green_light": False}, [], {}, DEC_CTX, "TECH-02", "block"),
    ("tech02-day-no-light", {"aircraft.green_light": False}, [], {}, {}, "TECH-02", None),
    ("tech03-uk1-low-speed", {"aircraft.low_speed_mode": True}, [], {}, {}, "TECH-03", "block"),
    ("tech03-uk2-low-speed", {**A2, "aircraft.low_speed_mode": True, "operation.min_distance_people_m": 30},
     [], {}, {}, "TECH-03", None),
    # TECH-04 new 2026-12 (warn): geo-awareness on UK1-UK3, data current
    ("tech04-uk1-without", {"aircraft.geo_awareness": False}, [], {}, {}, "TECH-04", "warn"),
    ("tech04-uk4-without", {"aircraft.class_mark": "UK4", "aircraft.geo_awareness": False}, [], {}, {},
     "TECH-04", None),
    ("tech04-data-29-days", {"aircraft.geo_awareness_data_date": "2026-05-17"}, [], {}, {}, "TECH-04", "warn"),
    ("tech04-data-28-days", {"aircraft.geo_awareness_data_date": "2026-05-18"}, [], {}, {}, "TECH-04", None),
    ("tech04-no-date-at-scheduling", {"aircraft.geo_awareness_data_date": DELETE}, [], {}, {"stage": "scheduling"},
     "TECH-04", None),
    ("tech04-no-date-on-the-day", {"aircraft.geo_awareness_data_date": DELETE}, [], {},
     {"stage": "day_of_flight"}, "TECH-04", "warn"),
    # TECH-05 new 2026-12: Operator ID loaded into the Remote ID unit where TECH-01 requires Remote ID
    ("tech05-not-loaded", {"aircraft.operator_id_in_remote_id": False}, [], {}, {}, "TECH-05", "block"),
    ("tech05-other-id", {"aircraft.operator_id_in_remote_id": "GBR-OP-9999"}, [], {}, {}, "TECH-05", "block"),
    ("tech05-same-id-written-differently", {"aircraft.operator_id_in_remote_id": "gbr op 1234 xyz"}, [], {}, {},
     "TECH-05", None),
    ("tech05-loaded-yes", {"aircraft.operator_id_in_remote_id": True}, [], {}, {}, "TECH-05", None),
    ("tech05-not-stated", {"aircraft.operator_id_in_remote_id": DELETE}, [], {}, {}, "TECH-05", "warn"),
    ("tech05-not-required", {"aircraft.class_mark": "UK0", "aircraft.mass_g": 99, "aircraft.remote_id": False,
                             "aircraft.operator_id_in_remote_id": False}, [], {}, {}, "TECH-05", None),
    # INS
    ("ins01-missing", {"insurance": None}, [], {}, {}, "INS-01", "block"),
    ("ins01-expires-before", {"insurance.expiry": "2026-06-14"}, [], {}, {}, "INS-01", "block"),
    ("ins01-expires-on-day", {"insurance.expiry": "2026-06-15"}, [], {}, {}, "INS-01", None),
    ("ins01-cover-low", {"insurance.third_party_cover_sdr": 749_999}, [], {}, {}, "INS-01", "block"),
    ("ins01-cover-equal", {"insurance.third_party_cover_sdr": 750_000}, [], {}, {}, "INS-01", None),
    ("ins01-gbp", {"insurance.third_party_cover_sdr": DELETE, "insurance.third_party_cover_gbp": 700_000},
     [], {"gbp_per_sdr": 0.9}, {}, "INS-01", None),
    ("ins01-private-use", {"insurance.commercial_use": False}, [], {}, {}, "INS-01", "block"),
    ("ins02-low", {"insurance.public_liability_gbp": 4_999_999}, [], {}, {}, "INS-02", "block"),
    ("ins02-equal", {"insurance.public_liability_gbp": 5_000_000}, [], {}, {}, "INS-02", None),
    ("ins02-council-10m", {}, [], {"public_liability_min_gbp": 10_000_000}, {}, "INS-02", "block"),
    ("ins03-other-name", {"insurance.named_operator": "Highland Aerial Limited"}, [], {}, {}, "INS-03", "approval"),
    # AIR
    ("air01-frz", {}, [("frz", OVER, {})], {}, {}, "AIR-01", "block"),
    ("air01-frz-permission", {"permissions": [{"kind": "frz", "zone": "Test zone", "reference": "ATC-1"}]},
     [("frz", OVER, {})], {}, {}, "AIR-01", "approval"),
    ("air01-frz-outside", {}, [("frz", at_distance(5), {})], {}, {}, "AIR-01", None),
    ("air02-prohibited", {}, [("prohibited", OVER, {})], {}, {}, "AIR-02", "block"),
    ("air02-outside", {}, [("prohibited", at_distance(5), {})], {}, {}, "AIR-02", None),
    ("air03-restricted", {}, [("restricted", OVER, {})], {}, {}, "AIR-03", "approval"),
    ("air04-danger", {}, [("danger", OVER, {})], {}, {}, "AIR-04", "approval"),
    ("air04-danger-inactive", {}, [("danger", OVER, {"valid_from": datetime(2026, 7, 1, tzinfo=UTC),
                                                     "valid_to": datetime(2026, 7, 2, tzinfo=UTC)})],
     {}, {}, "AIR-04", None),
    ("air04-danger-above", {}, [("danger", OVER, {"lower_m": 500})], {}, {}, "AIR-04", None),
    ("air05-temporary", {}, [("temporary", OVER, {"valid_from": datetime(2026, 6, 15, tzinfo=UTC),
                                                  "valid_to": datetime(2026, 6, 16, tzinfo=UTC)})],
     {}, {}, "AIR-05", "block"),
    ("air05-temporary-later", {}, [("temporary", OVER, {"valid_from": datetime(2026, 6, 16, tzinfo=UTC)})],
     {}, {}, "AIR-05", None),
    ("air06-notam-near", {}, [("notam", at_distance(4990), {})], {}, {}, "AIR-06", "warn"),
    ("air06-notam-far", {}, [("notam", at_distance(5010), {})], {}, {}, "AIR-06", None),
    ("air07-prison-near", {"site.country": "england"}, [("prison", at_distance(395), {})], {}, {}, "AIR-07", "block"),
    ("air07-prison-far", {"site.country": "england"}, [("prison", at_distance(405), {})], {}, {}, "AIR-07", None),
    ("air07-scotland", {}, [("prison", at_distance(100), {})], {}, {}, "AIR-07", None),
    ("air08-ctr", {}, [("controlled", OVER, {})], {}, {}, "AIR-08", "warn"),
    ("air08-cta-above", {}, [("controlled", OVER, {"lower_m": 457})], {}, {}, "AIR-08", None),
    # AIR-09 new 2026-12: space-site restriction zones (a council layer)
    ("air09-space-site", {}, [("space_site", OVER, {})], {}, {}, "AIR-09", "approval"),
    ("air09-permission", {"permissions": [{"kind": "space_site", "reference": "SPACE-1"}]},
     [("space_site", OVER, {})], {}, {}, "AIR-09", "approval"),
    ("air09-outside", {}, [("space_site", at_distance(5), {})], {}, {}, "AIR-09", None),
    ("air10-28-days", {}, [], {}, {"data_date": date(2026, 5, 18)}, "AIR-10", None),
    ("air10-29-days", {}, [], {}, {"data_date": date(2026, 5, 17)}, "AIR-10", "block"),
    ("air10-no-data", {}, [], {}, {"data_date": None}, "AIR-10", "block"),
    # GOV
    ("gov01-no-takeoff", {"takeoff_points": DELETE}, [], {}, {}, "GOV-01", "block"),
    ("gov01-no-contingency", {"contingency_buffer_m": DELETE}, [], {}, {}, "GOV-01", "block"),
    ("gov02-no-rams", {"documents.rams": DELETE}, [], {}, {}, "GOV-02", "block"),
    ("gov03-no-consent", {"documents.landowner_consent": DELETE}, [], {}, {}, "GOV-03", "approval"),
    ("gov04-no-approver", {"approver": DELETE}, [], {}, {}, "GOV-04", "approval"),
    ("gov04-self-approval", {"approver": "rita"}, [], {}, {}, "GOV-04", "approval"),
    ("gov04-not-required", {"approver": DELETE}, [], {"officer_signoff_required": False}, {}, "GOV-04", None),
    ("gov05-park", {}, [("park", OVER, {})], {}, {}, "GOV-05", "approval"),
    ("gov05-park-consent", {"documents.parks_consent": "P-1"}, [("park", OVER, {})], {}, {}, "GOV-05", None),
    ("gov05-road-site", {"site.roads": True}, [], {}, {}, "GOV-05", "approval"),
    ("gov06-9-days", {"submitted_at": "2026-06-02T09:00:00+00:00"}, [], {}, {}, "GOV-06", "warn"),
    ("gov06-10-days", {"submitted_at": "2026-06-01T09:00:00+00:00"}, [], {}, {}, "GOV-06", None),
    ("gov07-police", {"site.built_up": True, "documents.notifications.police": False}, [], {}, {}, "GOV-07", "warn"),
    ("gov07-aerodrome", {"documents.notifications.aerodrome": False}, [], {}, {}, "GOV-07", None),
    ("gov08-no-log", {"documents.flight_log_commitment": False}, [], {}, {}, "GOV-08", "warn"),
    # PRIV
    ("priv01-people-no-dpia", {"people_in_view": True, "documents.dpia": DELETE}, [], {}, {}, "PRIV-01", "block"),
    ("priv01-no-people-no-dpia", {"documents.dpia": DELETE}, [], {}, {}, "PRIV-01", None),
    ("priv01-school", {"documents.dpia": DELETE}, [("school", OVER, {})], {}, {}, "PRIV-01", "block"),
    # PRIV-02 new 2026-12 (warn): a privacy notice for the programme; people on site told where possible
    ("priv02-no-privacy-notice", {"organisation.privacy_notice": DELETE}, [], {}, {}, "PRIV-02", "warn"),
    ("priv02-people-not-told", {"people_in_view": True, "operation.public_notice": False}, [], {}, {},
     "PRIV-02", "warn"),
    ("priv02-people-not-stated", {"people_in_view": True}, [], {}, {}, "PRIV-02", "warn"),
    ("priv02-people-told", {"people_in_view": True, "operation.public_notice": ["signage", "high_visibility"]},
     [], {}, {}, "PRIV-02", None),
    ("priv02-no-camera", {"aircraft.camera": False, "organisation.privacy_notice": DELETE}, [], {}, {},
     "PRIV-02", None),
    # PRIV-03 new 2026-12: programme-wide DPIA (approval when none; warn when not stated)
    ("priv03-none", {"organisation.programme_dpia": False}, [], {}, {}, "PRIV-03", "approval"),
    ("priv03-not-stated", {"organisation.programme_dpia": DELETE}, [], {}, {}, "PRIV-03", "warn"),
    ("priv03-on-file", {}, [], {}, {}, "PRIV-03", None),
    ("priv04-no-retention", {"documents.retention_days": DELETE}, [], {}, {}, "PRIV-04", "warn"),
    ("priv04-long", {"people_in_view": True, "documents.retention_days": 31}, [], {}, {}, "PRIV-04", "warn"),
    ("priv04-equal", {"people_in_view": True, "documents.retention_days": 30}, [], {}, {}, "PRIV-04", None),
    ("priv05-no-blur", {"documents.blurring": False}, [], {}, {}, "PRIV-05", "warn"),
    ("priv06-covert", {"covert_surveillance": True}, [], {}, {}, "PRIV-06", "block"),
    ("priv06-authorised", {"covert_surveillance": True, "documents.ripsa_authorisation": "RIPSA-1"},
     [], {}, {}, "PRIV-06", None),
]

WX: list[tuple[str, dict, str, str | None]] = [
    ("wx01-65pc", {"mean_wind_ms": 7.8}, "WX-01", None),
    ("wx01-above-65pc", {"mean_wind_ms": 7.9}, "WX-01", "warn"),
    ("wx01-85pc", {"mean_wind_ms": 10.2}, "WX-01", "warn"),
    ("wx01-above-85pc", {"mean_wind_ms": 10.3}, "WX-01", "block"),
    ("wx02-gust-equal", {"gust_ms": 12}, "WX-02", None),
    ("wx02-gust-above", {"gust_ms": 12.1}, "WX-02", "block"),
    ("wx03-heavy", {"precipitation_mmh": 1.1}, "WX-03", "block"),
    ("wx03-1mm-ip54", {"precipitation_mmh": 1.0}, "WX-03", "warn"),
    ("wx03-0.1mm", {"precipitation_mmh": 0.1}, "WX-03", None),
    ("wx04-cold", {"temperature_c": -11}, "WX-04", "block"),
    ("wx04-min", {"temperature_c": -10}, "WX-04", None),
    ("wx04-hot", {"temperature_c": 41}, "WX-04", "block"),
    ("wx04-icing", {"temperature_c": 1.9, "precipitation_mmh": 0.05}, "WX-04", "block"),
    ("wx04-no-icing-at-2c", {"temperature_c": 2, "precipitation_mmh": 0.05}, "WX-04", None),
    ("wx05-fog", {"visibility_km": 1.4}, "WX-05", "block"),
    ("wx05-1.5km", {"visibility_km": 1.5}, "WX-05", "warn"),
    ("wx05-5km", {"visibility_km": 5}, "WX-05", None),
    ("wx06-low-cloud", {"cloud_base_m": 119}, "WX-06", "block"),
    ("wx06-margin", {"cloud_base_m": 120}, "WX-06", None),
    ("wx07-kp4.9", {"kp": 4.9}, "WX-07", None),
    ("wx07-kp5", {"kp": 5}, "WX-07", "warn"),
    ("wx07-kp7", {"kp": 7}, "WX-07", "block"),
]


def _ctx(zones: list, settings: dict, ctx_kw: dict):  # type: ignore[no-untyped-def]
    records = [zone(kind, geom, zid=i + 1, **extra) for i, (kind, geom, extra) in enumerate(zones)]
    return context(records, settings=settings, **ctx_kw)


@pytest.mark.parametrize("case,changes,zones,overrides,ctx_kw,rule,expected", CASES, ids=[c[0] for c in CASES])
def test_rule(case, changes, zones, overrides, ctx_kw, rule, expected):  # type: ignore[no-untyped-def]
    found = rules_of(good_plan(**changes), _ctx(zones, overrides, ctx_kw))
    assert found.get(rule) == expected, found


@pytest.mark.parametrize("case,weather,rule,expected", WX, ids=[c[0] for c in WX])
def test_weather_rule(case, weather, rule, expected):  # type: ignore[no-untyped-def]
    plan = good_plan(weather=weather, **{"operation.rtk_survey": True})
    found = rules_of(plan, context(stage="day_of_flight"))
    assert found.get(rule) == expected, found


def test_wx03_light_rain_blocks_below_ip54():
    plan = good_plan(weather={"precipitation_mmh": 0.5}, **{"aircraft.ip_rating": "IP43"})
    assert rules_of(plan)["WX-03"] == "block"


def test_wx07_only_for_survey_work():
    assert "WX-07" not in rules_of(good_plan(weather={"kp": 8}))
    assert rules_of(good_plan(weather={"kp": 8}, purpose="mapping"))["WX-07"] == "block"


def test_day_of_flight_without_weather_is_blocked():
    assert rules_of(good_plan(), context(stage="day_of_flight"))["WX-01"] == "block"
    assert "WX-01" not in rules_of(good_plan(), context(stage="submission"))


def test_env_rules():
    june = good_plan()
    october = good_plan(start="2026-10-12T10:00:00+01:00", end="2026-10-12T11:00:00+01:00",
                        submitted_at="2026-09-01T09:00:00+00:00")
    oct_ctx = {"data_date": date(2026, 10, 1), "now": datetime(2026, 9, 1, tzinfo=UTC)}
    assert rules_of(june, _ctx([("protected_site", OVER, {})], {}, {}))["ENV-01"] == "approval"
    assert rules_of(june, _ctx([("seal_haulout", at_distance(490), {})], {}, {}))["ENV-02"] == "approval"
    assert "ENV-02" not in rules_of(june, _ctx([("seal_haulout", at_distance(510), {})], {}, {}))
    # grey seal pupping season: the wider buffer
    assert rules_of(october, _ctx([("seal_haulout", at_distance(900), {})], {}, oct_ctx))["ENV-02"] == "approval"
    assert rules_of(june, _ctx([("bird_nest", at_distance(400), {})], {}, {}))["ENV-03"] == "block"
    licensed = good_plan(**{"documents.species_licence": "NS-LIC-1"})
    assert rules_of(licensed, _ctx([("bird_nest", at_distance(400), {})], {}, {}))["ENV-03"] == "warn"
    assert "ENV-03" not in rules_of(june, _ctx([("bird_nest", at_distance(600), {})], {}, {}))
    assert rules_of(june, _ctx([("seabird_colony", at_distance(400), {})], {}, {}))["ENV-04"] == "warn"
    assert "ENV-04" not in rules_of(october, _ctx([("seabird_colony", at_distance(400), {})], {}, oct_ctx))
    assert rules_of(june, _ctx([("hes_property", OVER, {})], {}, {}))["ENV-06"] == "approval"
    assert "ENV-06" not in rules_of(june, _ctx([("hes_property", at_distance(10), {})], {}, {}))


def test_lgt01_night_and_day():
    assert rules_of(good_plan(**NIGHT), context(**DEC_CTX))["LGT-01"] == "approval"
    day = {**NIGHT, "start": "2026-12-15T12:00:00+00:00", "end": "2026-12-15T13:00:00+00:00"}
    assert "LGT-01" not in rules_of(good_plan(**day), context(**DEC_CTX))


def test_complete_plan_passes_and_every_rule_is_checked():
    decision = evaluate(good_plan(), context())
    assert decision.outcome == "pass", decision.findings
    assert decision.category == "Open A1"
    # Category-specific rules run only for their category; the rest always run.
    always = {r.id for r in RULES} - {"CAT-06", "CAT-07", "CAT-08", "CAT-10", "CAT-11", "REG-03", "REG-04", "REG-05"}
    assert always <= set(decision.rules_checked) | {"CAT-06"}


def test_every_catalogue_rule_has_a_table_case():
    covered = {c[5] for c in CASES} | {c[2] for c in WX} | {"ENV-01", "ENV-02", "ENV-03", "ENV-04", "ENV-06",
                                                              "LGT-01"}
    assert {r.id for r in RULES} <= covered


def test_outcome_is_the_most_severe_finding():
    plan = good_plan(approver=DELETE, **{"documents.flight_log_commitment": False})
    assert evaluate(plan, context()).outcome == "needs_approval"
    plan["max_height_m"] = 150
    assert evaluate(plan, context()).outcome == "blocked"
    assert evaluate(good_plan(**{"documents.flight_log_commitment": False}), context()).outcome == "pass"


def test_air01_one_finding_per_aerodrome_with_every_piece_as_evidence():
    from policy.core import Aerodrome, ZoneIndex

    here = Aerodrome("EGXX", "Testfield", LAT, LON, 900)
    there = Aerodrome("EGYY", "Otherfield", LAT + 0.01, LON, 900)
    atz = zone("frz", square(LON, LAT, 400), name="TESTFIELD", zid=1, attributes={"type": "ATZ"})
    rpz = zone("frz", square(LON, LAT, 300), name="EGXX RPZ 09", zid=2,
               attributes={"aerodrome": "EGXX", "part": "runway protection zone", "runway_end": "09"})
    other = zone("frz", square(LON, LAT + 0.01, 1500), name="EGYY FRZ", zid=3,
                 attributes={"aerodrome": "EGYY", "part": "circle", "radius_m": 3704})
    ctx = context(index=ZoneIndex([atz, rpz, other], [here, there]))
    findings = [f for f in evaluate(good_plan(), ctx).findings if f.rule == "AIR-01"]
    assert len(findings) == 2
    mine = next(f for f in findings if f.evidence["aerodrome"] == "EGXX")
    assert sorted(mine.evidence["zone_ids"]) == [1, 2] and set(mine.evidence["zones"]) == {"TESTFIELD", "EGXX RPZ 09"}
    assert "Testfield (EGXX)" in mine.message and "one restriction" in mine.message
    # one permission naming either piece (or the aerodrome) covers the aerodrome's whole FRZ
    plan = good_plan(permissions=[{"kind": "frz", "zone": "EGXX", "reference": "ATC-9"}])
    severities = {f.evidence["aerodrome"]: f.severity for f in evaluate(plan, ctx).findings if f.rule == "AIR-01"}
    assert severities == {"EGXX": "approval", "EGYY": "block"}


def test_snapshot_keeps_the_aerodrome_an_frz_belongs_to_even_beyond_the_notification_distance():
    from policy.core import Aerodrome, ZoneIndex
    from policy.core.rules.base import max_buffer
    from policy.core.zones import to_metres

    far = offset(LON, LAT, 0, 6000)  # the aerodrome 6 km north; its 7 km zone covers the area
    aero = Aerodrome("EGZZ", "Farfield", far[1], far[0], 2000)
    big = zone("frz", square(*far, 7000), name="FARFIELD", zid=5, attributes={"type": "ATZ"})
    index = ZoneIndex([big], [aero])
    plan = good_plan()
    s = context().settings
    snap = index.snapshot(to_metres(shape(plan["area"])), max_buffer(s), s.notify_aerodrome_within_m)
    assert [a["ident"] for a in snap["aerodromes"]] == ["EGZZ"]
    first = evaluate(plan, context(index=index))
    again = evaluate(plan, context(index=ZoneIndex.from_snapshot(snap)))
    assert first.to_json()["findings"] == again.to_json()["findings"]
    assert [f.evidence["aerodrome"] for f in again.findings if f.rule == "AIR-01"] == ["EGZZ"]


# ---- LGT-01 (revised 2026-12): the night definition is a policy setting; the evidence carries the facts

def _evening_between_the_definitions() -> tuple[str, str, dict]:
    """A 5-minute slot after the ANO's night has begun (sunset + 30 min) but before civil dusk, in December."""
    from datetime import timedelta

    from policy.core.daylight import day_summary

    s = day_summary(LAT, LON, date(2026, 12, 15), "ano")
    start = datetime.fromisoformat(s["sunset"]) + timedelta(minutes=35)
    end = start + timedelta(minutes=5)
    assert end < datetime.fromisoformat(day_summary(LAT, LON, date(2026, 12, 15), "civil")["night_starts"])
    return start.isoformat(), end.isoformat(), s


@pytest.mark.parametrize("definition,expected", [("ano", "approval"), ("civil", None), ("stricter", "approval")])
def test_lgt01_follows_the_night_definition_setting(definition, expected):
    start, end, _ = _evening_between_the_definitions()
    plan = good_plan(start=start, end=end, submitted_at="2026-11-01T09:00:00+00:00")
    ctx = context(settings={"night_definition": definition}, **DEC_CTX)
    assert rules_of(plan, ctx).get("LGT-01") == expected
    # TECH-02 uses the same night
    dark = good_plan(start=start, end=end, submitted_at="2026-11-01T09:00:00+00:00", **{"aircraft.green_light": False})
    assert rules_of(dark, ctx).get("TECH-02") == ("block" if expected else None)


def test_lgt01_evidence_carries_the_night_intervals_minutes_and_definition():
    start, end, summary = _evening_between_the_definitions()
    plan = good_plan(start=start, end=end, submitted_at="2026-11-01T09:00:00+00:00",
                     **{"operation.night_procedures": False})
    finding = next(f for f in evaluate(plan, context(**DEC_CTX)).findings if f.rule == "LGT-01")
    ev = finding.evidence
    assert ev["definition"] == "stricter" and ev["night_minutes"] == 5
    assert ev["night"] == [[datetime.fromisoformat(start).isoformat(), datetime.fromisoformat(end).isoformat()]]
    assert all(datetime.fromisoformat(t).utcoffset().total_seconds() == 0 for t in ev["night"][0])
    assert "night procedures" in finding.message and "ANO 2016" in finding.message
    assert finding.source.startswith("ANO 2016") and "UK SERA" in finding.source
    # a window that starts before night: only the night part is in the evidence
    earlier = good_plan(start=summary["sunset"], end=end, submitted_at="2026-11-01T09:00:00+00:00")
    ev2 = next(f for f in evaluate(earlier, context(**DEC_CTX)).findings if f.rule == "LGT-01").evidence
    assert ev2["night"][0][0] == summary["night_starts"] and ev2["night_minutes"] == 10


def test_night_definition_setting_is_validated():
    from policy.core import PolicySettings, SettingsError

    assert PolicySettings().night_definition == "stricter"
    assert PolicySettings.from_dict({"night_definition": "ANO"}).night_definition == "ano"
    with pytest.raises(SettingsError, match="night_definition"):
        PolicySettings.from_dict({"night_definition": "dusk"})
    with pytest.raises(SettingsError, match="night_definition"):
        PolicySettings.from_dict({"night_definition": 6})
    with pytest.raises(SettingsError, match="max_window_days"):
        PolicySettings.from_dict({"max_window_days": 0})


def test_tech04_data_date_missing_is_advice_only_on_the_day():
    plan = good_plan(weather={"mean_wind_ms": 3}, **{"aircraft.geo_awareness_data_date": DELETE})
    finding = next(f for f in evaluate(plan, context(stage="day_of_flight")).findings if f.rule == "TECH-04")
    assert finding.severity == "warn" and "pre-flight check" in finding.message and "SI 2025/1284" in finding.source


# ---- every approval-level finding carries the facts that identify it ("same rule, same facts")

ZONES_OVER = [("restricted", "AIR-03"), ("danger", "AIR-04"), ("space_site", "AIR-09"), ("protected_site", "ENV-01"),
              ("hes_property", "ENV-06")]


@pytest.mark.parametrize("kind,rule", ZONES_OVER + [("frz", "AIR-01"), ("seal_haulout", "ENV-02")])
def test_zone_approval_findings_name_the_zone(kind, rule):
    plan = good_plan(permissions=[{"kind": "frz", "reference": "ATC-1"}])
    records = [zone(kind, OVER, name=f"Zone of {kind}", zid=41)]
    findings = [f for f in evaluate(plan, context(records)).findings if f.rule == rule]
    assert findings and findings[0].severity == "approval"
    assert findings[0].evidence["zone_id"] == 41 and findings[0].evidence["zone"] == f"Zone of {kind}"


def test_pilot_findings_carry_the_flyer_id():
    plan = good_plan(**{**PDRA, "operator.authorisation.pilots": ["Someone Else"],
                        "pilots": [{**GVC_ONLY_EXPIRED}]})
    found = {f.rule: f.evidence for f in evaluate(plan, context()).findings}
    assert found["REG-04"]["flyer_id"] == "GBR-RP-5678" and found["REG-04"]["pilot"] == "Pat Pilot"
    assert found["REG-05"]["flyer_ids"] == ["GBR-RP-5678"] and found["REG-05"]["pilots_not_named"] == ["GBR-RP-5678"]
    expired = good_plan(pilots=[{"name": "Pat", "flyer_id": "GBR-RP-1", "flyer_id_expiry": "2026-01-01"}])
    assert next(f for f in evaluate(expired, context()).findings if f.rule == "REG-02").evidence["flyer_id"] == \
        "GBR-RP-1"


def test_cat03_evidence_carries_the_height():
    finding = next(f for f in evaluate(good_plan(max_height_m=130), context()).findings if f.rule == "CAT-03")
    assert finding.evidence == {"max_height_m": 130, "limit_m": 120}


def test_every_approval_finding_has_identifying_evidence():
    """The approval-level rules, each triggered once: none comes without facts."""
    plan = good_plan(approver=DELETE, permissions=[], **{
        **PDRA, "operator.authorisation.expiry": "2026-06-01", "operator.pfco_reference": "PfCO-1",
        "insurance.named_operator": "Other Ltd", "documents.landowner_consent": DELETE, "site.roads": True,
        "organisation.programme_dpia": False, **NIGHT})
    records = [zone(kind, OVER, name=kind, zid=i + 1) for i, (kind, _) in enumerate(ZONES_OVER)]
    decision = evaluate(plan, context(records, **DEC_CTX))
    approvals = [f for f in decision.findings if f.severity == "approval"]
    rules = {f.rule for f in approvals}
    assert {"REG-05", "INS-03", "GOV-03", "GOV-04", "GOV-05", "PRIV-03", "LGT-01", "AIR-03", "AIR-04", "AIR-09",
            "ENV-01", "ENV-06"} <= rules
    for f in approvals:
        assert f.evidence, f.rule
