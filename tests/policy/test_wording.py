"""The findings in words (policy.core.wording and each family's `explain`), on real evaluations: zone names not
ids, areas in hectares, distances in m/km, heights in m, money in pounds, dates as "Thu 10 Dec 2026, 10:00"."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from shapely.geometry import Point, shape

from policy.core import ZoneIndex, ZoneRecord, evaluate
from policy.core import wording as words
from policy.core.explain import explain
from policy.core.wording import technical_details

from .plans import (
    DELETE,
    FASLANE,
    OBAN_AIRPORT,
    OPEN_COUNTRY,
    context,
    good_plan,
    offset,
    square,
    zone,
)
from .test_real_data import _beyond_threshold
from .test_rules import A2, A3, DEC_CTX, GVC_ONLY_EXPIRED, NIGHT, OVER, PDRA, at_distance

LON, LAT = OPEN_COUNTRY
HECTARES = re.compile(r"\d[\d,]*\.\d ha\b")


def sentences(plan, ctx=None) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """{rule: [each finding's sentence]} of a real evaluation, through the stored (JSON) form of the findings."""
    out: dict[str, list[str]] = {}
    for f in evaluate(plan, ctx or context()).findings:
        out.setdefault(f.rule, []).append(explain(f.to_json()))
    return out


def one(plan, rule: str, ctx=None) -> str:  # type: ignore[no-untyped-def]
    found = sentences(plan, ctx)
    assert rule in found, found
    return found[rule][0]


# ---- the formats
def test_number_and_date_formats():
    assert words.hectares(445986.7) == "44.6 ha" and words.hectares(445) == "445 m²"
    assert words.hectares(12_345_678) == "1,234.6 ha"
    assert words.distance(850) == "850 m" and words.distance(2345) == "2.3 km" and words.distance(3000) == "3 km"
    assert words.height(120) == "120 m" and words.height(45.25) == "45.2 m"
    assert words.mass(600) == "600 g" and words.mass(1250) == "1.25 kg" and words.mass(25000) == "25 kg"
    assert words.money(12345.5) == "£12,345.50" and words.money("-12") == "−£12.00" and words.money(None) == ""
    assert words.when("2026-12-10T10:00:00+00:00") == "Thu 10 Dec 2026, 10:00"  # GMT in December
    assert words.when("2026-06-15T09:00:00+00:00") == "Mon 15 Jun 2026, 10:00"  # BST in June
    assert words.when(datetime(2026, 12, 10, 10, 0, tzinfo=UTC)) == "Thu 10 Dec 2026, 10:00"
    assert words.when(date(2026, 12, 10)) == "Thu 10 Dec 2026" and words.when("2026-12-10") == "Thu 10 Dec 2026"
    assert words.when("not a date") == "not a date" and words.when(None) == ""
    assert words.listing(["a", "b", "c"]) == "a, b and c" and words.listing(["a"]) == "a"


def test_unknown_rules_and_odd_evidence_give_no_sentence():
    assert explain({"rule": "XYZ-01", "evidence": {"zone": "A"}}) == ""
    assert explain({"rule": "AIR-02", "evidence": "zone_id: 3"}) == ""
    assert explain({"rule": "WX-05", "evidence": {"visibility_km": "fog"}}) == ""  # an old, odd value: no crash
    assert explain({"rule": "CAT-09", "evidence": {}}) == ""  # the message says it all


def test_technical_details_keep_the_structured_evidence():
    details = dict(technical_details({"zone": "OBAN", "zone_id": 7, "zone_ids": [7, 8], "night": [["a", "b"]],
                                      "parts": ["x", "y"], "site_flag": True}))
    assert details == {"zone": "OBAN", "zone_id": "7", "parts": "x; y", "site_flag": "yes"}


# ---- AIR, on the real airspace and runway data
@pytest.fixture(scope="module")
def named_ctx(real_data):  # type: ignore[no-untyped-def]
    """The real data named as `import_aerodromes` names it: each runway-derived aerodrome after the ATZ circle
    (from the airspace data) around its mid-point, and its zones "OBAN (EGEO RPZ 01)"."""
    atz = [(shape(z.geometry), z.name) for z in real_data.index.zones
           if z.kind == "frz" and z.source.startswith("yaixm:")]
    names = {}
    for a in real_data.index.aerodromes:
        found = [name for geom, name in atz if geom.contains(Point(a.lon, a.lat))]
        if found:
            names[a.ident] = found[0]
    zones = [replace(z, name=f"{names[z.attributes['aerodrome']]} ({z.name})")
             if z.attributes.get("aerodrome") in names else z for z in real_data.index.zones]
    aeros = [replace(a, name=names[a.ident].title()) if a.ident in names else a for a in real_data.index.aerodromes]
    return context(index=ZoneIndex(zones, aeros))


def test_air01_runway_protection_zone_names_the_aerodrome_in_hectares(named_ctx):  # type: ignore[no-untyped-def]
    point = _beyond_threshold(4300)  # outside the 2 nm circle: the runway protection zone alone
    sentence = one(good_plan(point), "AIR-01", named_ctx)
    assert sentence.startswith("The area overlaps the runway protection zone 01 of Oban (EGEO) by "), sentence
    assert HECTARES.search(sentence) and "zone_id" not in sentence and "m2" not in sentence


def test_air01_several_pieces_are_one_sentence(named_ctx):  # type: ignore[no-untyped-def]
    sentence = one(good_plan(OBAN_AIRPORT), "AIR-01", named_ctx)
    assert "the Flight Restriction Zone of Oban (EGEO) by at least 4.0 ha" in sentence  # the 200 m square
    assert "the 2.0 nm circle about the runway mid-point" in sentence and "aerodrome traffic zone OBAN" in sentence
    with_permission = good_plan(OBAN_AIRPORT, permissions=[{"kind": "frz", "zone": "OBAN", "reference": "EGEO-ATC-7"}])
    assert one(with_permission, "AIR-01", named_ctx).endswith("Permission EGEO-ATC-7 is on file.")


def test_air01_unnamed_aerodrome_falls_back_to_its_identifier(real_data):  # type: ignore[no-untyped-def]
    sentence = one(good_plan(_beyond_threshold(4300)), "AIR-01", context(index=real_data.index))
    assert sentence.startswith("The area overlaps the runway protection zone 01 of EGEO by ") and "ha." in sentence


def test_air02_prohibited_area_by_name_and_area(real_data):  # type: ignore[no-untyped-def]
    sentence = one(good_plan(FASLANE), "AIR-02", context(index=real_data.index))
    assert sentence == "The area overlaps prohibited area P611 COULPORT/FASLANE by 4.0 ha."


def test_air_zone_rules_by_name_with_distance_and_times():
    notam = zone("notam", at_distance(1500), name="Air display H1234/26", zid=3)
    assert one(good_plan(), "AIR-06", context([notam])) == "The area is 1.5 km from NOTAM Air display H1234/26."
    temporary = zone("temporary", OVER, name="RA(T) Games", zid=4,
                     valid_from=datetime(2026, 6, 15, 8, 0, tzinfo=UTC), valid_to=datetime(2026, 6, 15, 17, 0, tzinfo=UTC))
    sentence = one(good_plan(), "AIR-05", context([temporary]))
    assert sentence.startswith("The area overlaps temporary restriction RA(T) Games by 4.0 ha.")
    assert "It applies from Mon 15 Jun 2026, 09:00 to Mon 15 Jun 2026, 18:00." in sentence  # BST
    plan = good_plan(permissions=[{"kind": "restricted", "reference": "R-77"}])
    restricted = zone("restricted", square(*offset(LON, LAT, 90, 110), 20), name="EGR999 Test range", zid=5)
    sentence = one(plan, "AIR-03", context([restricted]))
    assert sentence.startswith("The area overlaps restricted area EGR999 Test range by ")
    assert re.search(r" by \d{3} m²\.", sentence) and sentence.endswith("Permission R-77 is on file.")


def test_air10_old_airspace_data_in_dates():
    sentence = one(good_plan(), "AIR-10", context(data_date=date(2026, 4, 1)))
    assert sentence == "The airspace data is of Wed 1 Apr 2026; the flight is on Mon 15 Jun 2026."


# ---- CAT
def test_cat_sentences():
    assert one(good_plan(max_height_m=130), "CAT-03") == \
        "The plan goes up to 130 m above the ground; the limit here is 120 m."
    assert one(good_plan(**{"aircraft.mass_g": 25400}), "CAT-02") == \
        "The aircraft weighs 25.4 kg at take-off; it must be under 25 kg."
    assert one(good_plan(**{**A3, "aircraft.class_mark": "UK5"}), "CAT-01") == \
        "Assessed as Open A3, flown with a class UK5 aircraft of 3 kg."
    assert one(good_plan(**{**A2, "operation.min_distance_people_m": 10}), "CAT-07") == \
        "In A2, 30 m from uninvolved people is needed; the plan keeps 10 m."
    pdra = good_plan(**{**PDRA, "operation.max_distance_from_pilot_m": 700,
                        "operation.min_distance_people_takeoff_m": 20})
    found = sentences(pdra)
    assert "The remote pilot may be at most 500 m from the aircraft; the plan says 700 m." in found["CAT-04"]
    assert "Under PDRA01, 30 m from people during take-off and landing is needed; the plan keeps 20 m." in \
        found["CAT-10"]
    legacy = good_plan(**{"aircraft.class_mark": "LEGACY", "aircraft.mass_g": 300,
                          "aircraft.placed_on_market": "2026-03-01", "operation.category": "A1"})
    assert one(legacy, "CAT-06").startswith("Flown with a legacy aircraft of 300 g, placed on the market Sun 1 Mar 2026")


# ---- ENV
def test_env_sentences_name_the_zone_and_say_how_far():
    assert one(good_plan(), "ENV-01", context([zone("protected_site", OVER, name="Loch Awe SSSI")])) == \
        "The area overlaps protected site Loch Awe SSSI by 4.0 ha."
    seal = one(good_plan(), "ENV-02", context([zone("seal_haulout", at_distance(450), name="Eilean Mor")]))
    assert seal == "The area is 450 m from seal haul-out Eilean Mor. The policy keeps flights 500 m from it at " \
        "this time of year."
    nest = one(good_plan(), "ENV-03", context([zone("bird_nest", at_distance(400), name="Secret eyrie")]))
    assert nest == "The area is 400 m from a Schedule 1 nest site." and "eyrie" not in nest  # never named
    hes = good_plan(**{"documents.hes_permission": "HES-9"})
    assert one(hes, "ENV-06", context([zone("hes_property", OVER, name="Kilchurn Castle")])) == \
        "The area overlaps Historic Environment Scotland property Kilchurn Castle by 4.0 ha. HES permission HES-9 " \
        "is on file."


# ---- GOV
def test_gov_sentences():
    incomplete = good_plan(takeoff_points=[], contingency_buffer_m=DELETE, pilots=[])
    assert one(incomplete, "GOV-01") == \
        "Missing from the application: take-off/landing points, contingency buffer and remote pilot."
    late = good_plan(submitted_at="2026-06-10T09:00:00+00:00")
    assert one(late, "GOV-06", context(now=datetime(2026, 6, 10, tzinfo=UTC))) == \
        "Submitted 3 working days before the flight; the policy asks for 10."
    roads = good_plan(**{"site.roads": True})
    assert one(roads, "GOV-05") == "The request says the site is by a road."
    by_roads = context([zone("road", OVER, name="A85", zid=1), zone("road", OVER, name="A816", zid=2)])
    assert one(good_plan(), "GOV-05", by_roads) == "Next to the area: roads A816 and A85."
    assert one(good_plan(approver="rita"), "GOV-04") == \
        "The requester (rita) and the approver (rita) are the same person."
    consent = good_plan(**{"documents.landowner_consent": DELETE, "site.land_owner": "hes"})
    assert one(consent, "GOV-03") == \
        "The take-off land belongs to Historic Environment Scotland; 1 take-off and landing point planned."


def test_gov07_aerodrome_distance_in_km(real_data):  # type: ignore[no-untyped-def]
    plan = good_plan(offset(*OBAN_AIRPORT, 90, 4500), **{"documents.notifications.aerodrome": False})
    assert re.fullmatch(r"Aerodrome EGEO is \d\.\d km from the area\.",
                        one(plan, "GOV-07", context(index=real_data.index)))


# ---- INS
def test_ins_sentences_in_pounds_sdr_and_dates():
    plan = good_plan(**{"insurance.public_liability_gbp": 2_000_000, "insurance.third_party_cover_sdr": 500_000,
                        "insurance.expiry": "2026-06-14", "insurance.named_operator": "Other Ltd"})
    found = sentences(plan)
    assert "Public liability cover is £2,000,000.00; the council asks for at least £5,000,000.00." in found["INS-02"]
    assert any(s.startswith("Third-party cover is 500,000 SDR; at least 750,000 SDR is needed") for s in found["INS-01"])
    assert "Insurance policy AV-1 ends on Sun 14 Jun 2026; the flight window ends on Mon 15 Jun 2026." in \
        found["INS-01"]
    assert found["INS-03"] == ["The certificate names Other Ltd; the operator is Highland Aerial Ltd (GBR-OP-1234)."]


# ---- LGT
def test_lgt01_night_in_local_time():
    sentence = one(good_plan(**NIGHT), "LGT-01", context(**DEC_CTX))
    assert sentence == ("The window holds night from Tue 15 Dec 2026, 23:00 to Tue 15 Dec 2026, 23:30, by the stricter "
                        "of the ANO 2016 and UK SERA definitions: 30 minutes of night in all.")
    summer = good_plan(start="2026-06-15T22:00:00+01:00", end="2026-06-16T06:00:00+01:00")
    sentence = one(summer, "LGT-01")
    assert re.match(r"The window holds night from Mon 15 Jun 2026, 2\d:\d\d to Tue 16 Jun 2026, 0\d:\d\d", sentence)
    assert re.search(r": \d h \d\d min of night in all\.$", sentence)


# ---- PRIV
def test_priv_sentences():
    school = zone("school", OVER, name="Oban High School")
    plan = good_plan(**{"documents.dpia": DELETE})
    assert one(plan, "PRIV-01", context([school])) == "School in the area: Oban High School."
    no_programme = good_plan(**{"organisation.programme_dpia": False, "people_in_view": True})
    assert one(no_programme, "PRIV-03") == "For Estates: people are likely in view, and this flight's DPIA is DPIA-1."
    long_keep = good_plan(**{"documents.retention_days": 90, "people_in_view": True})
    assert one(long_keep, "PRIV-04") == "The footage would be kept for 90 days."


# ---- REG
def test_reg_sentences_name_the_pilot_and_the_dates():
    plan = good_plan(**{**PDRA, "operator.authorisation.pilots": ["Someone Else"], "pilots": [{**GVC_ONLY_EXPIRED}],
                        "operator.operator_id_expiry": "2026-06-01", "operator.pfco_reference": "PfCO-1",
                        "operator.authorisation.reference": ""})
    found = sentences(plan)
    assert "Pat Pilot (Flyer ID GBR-RP-5678): GVC expired on Thu 1 Jan 2026." in found["REG-04"]
    assert "Operator ID GBR-OP-1234 expires on Mon 1 Jun 2026." in found["REG-01"]
    assert found["REG-06"] == ["PfCO PfCO-1 held by operator GBR-OP-1234; an Operational Authorisation is needed "
                               "instead."]
    unnamed = good_plan(**{**PDRA, "operator.authorisation.pilots": ["Someone Else"]})
    assert one(unnamed, "REG-05") == ("Operational Authorisation UAS-OA-1 (PDRA01) expires on Fri 1 Jan 2027. "
                                      "Not named on it: GBR-RP-5678.")
    expired = good_plan(pilots=[{"name": "Pat", "flyer_id": "GBR-RP-1", "flyer_id_expiry": "2026-01-01"}])
    assert one(expired, "REG-02") == "The Flyer ID of Pat (Flyer ID GBR-RP-1) expires on Thu 1 Jan 2026."


# ---- TECH
def test_tech_sentences():
    old_data = good_plan(**{"aircraft.geo_awareness_data_date": "2026-01-10"})
    assert one(old_data, "TECH-04") == \
        "The geo-awareness data of the class UK1 Skyview One is of Sat 10 Jan 2026, 156 days before the flight."
    other_id = good_plan(**{"aircraft.operator_id_in_remote_id": "GBR-OP-9999"})
    assert one(other_id, "TECH-05") == "The Remote ID unit broadcasts GBR-OP-9999; the operator's ID is GBR-OP-1234."
    dark = good_plan(**{**NIGHT, "aircraft.green_light": False})
    assert one(dark, "TECH-02", context(**DEC_CTX)) == \
        "Night falls in the window from Tue 15 Dec 2026, 23:00 to Tue 15 Dec 2026, 23:30."


# ---- WX
@pytest.mark.parametrize("weather,rule,expected", [
    ({"mean_wind_ms": 10}, "WX-01", "Mean wind 10 m/s against the aircraft's limit of 12 m/s (83% of it)."),
    ({"gust_ms": 15.5}, "WX-02", "Gusts of 15.5 m/s; the aircraft is rated to 12 m/s."),
    ({"precipitation_mmh": 3}, "WX-03", "Rain or snow at 3 mm an hour; the aircraft is rated IP54."),
    ({"temperature_c": -12}, "WX-04", "Temperature -12 °C; the aircraft flies from -10 °C to 40 °C."),
    ({"visibility_km": 0.8}, "WX-05", "Visibility 800 m."),
    ({"cloud_base_m": 100}, "WX-06", "Cloud base 100 m; the flight needs 120 m (its maximum height plus the margin)."),
    ({"kp": 7}, "WX-07", "Geomagnetic activity: Kp index 7."),
])
def test_wx_sentences(weather, rule, expected):  # type: ignore[no-untyped-def]
    plan = good_plan(weather=weather, **{"operation.rtk_survey": True})
    assert one(plan, rule, context(stage="day_of_flight")) == expected


def test_every_finding_with_evidence_of_a_failing_plan_reads_without_raw_keys(real_data):  # type: ignore[no-untyped-def]
    """A plan that trips many rules at once: no sentence shows a raw key or square metres as a number."""
    plan = good_plan(OBAN_AIRPORT, approver=DELETE, **{
        **PDRA, "operator.authorisation.expiry": "2026-06-01", "insurance.named_operator": "Other Ltd",
        "documents.landowner_consent": DELETE, "site.roads": True, "max_height_m": 130})
    for f in evaluate(plan, context(index=real_data.index)).findings:
        sentence = explain(f.to_json())
        assert not re.search(r"\b[a-z]+_[a-z_]+\b|\bm2\b|\{|\[", sentence), (f.rule, sentence)


def test_old_stored_air01_evidence_still_reads():
    """A check stored before `aerodrome_name` existed: the ident, the hectares."""
    stored = {"rule": "AIR-01", "evidence": {
        "zone": "OBAN (EGEO FRZ)", "zone_id": 12, "kind": "frz", "distance_m": 0.0, "overlap_m2": 40117.5,
        "aerodrome": "EGEO", "zones": ["OBAN (EGEO FRZ)", "OBAN"], "zone_ids": [12, 7],
        "parts": ["the 2.0 nm circle about the runway mid-point (OBAN (EGEO FRZ))",
                  "the aerodrome traffic zone OBAN (airspace data)"], "permission": "FRZ-123"}}
    assert explain(stored) == ("The area overlaps the Flight Restriction Zone of EGEO by at least 4.0 ha, through the "
                               "2.0 nm circle about the runway mid-point and the aerodrome traffic zone OBAN. "
                               "Permission FRZ-123 is on file.")


def test_zone_record_fixture_is_unchanged_by_naming(named_ctx, real_data):  # type: ignore[no-untyped-def]
    assert all(isinstance(z, ZoneRecord) for z in named_ctx.zones.zones)
    assert any(z.name == "EGEO RPZ 01" for z in real_data.index.zones)  # the session fixture is not renamed
