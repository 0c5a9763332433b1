"""Import commands on the real shared data, and check_flight's output and exit codes."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from policy.models import Aerodrome, Zone

from .plans import OBAN_AIRPORT, good_plan, malformed

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_import_airspace_and_aerodromes_real_data_idempotent(shared_data):  # type: ignore[no-untyped-def]
    airspace = str(shared_data / "airspace" / "airspace.yaml")
    rat = str(shared_data / "airspace" / "rat.yaml")
    runways = str(shared_data / "aerodromes" / "runways-EG.csv")
    run("import_airspace", airspace, rat, "--data-date", "2026-06-01")
    out = run("import_aerodromes", runways, "--data-date", "2026-06-01")
    count = Zone.objects.count()
    assert count > 1300 and "127 aerodromes" in out
    p611 = Zone.objects.get(name__startswith="P611")
    assert p611.kind == "prohibited" and p611.source == "yaixm:airspace.yaml" and p611.upper_ref == "2200 ft"
    assert str(p611.data_date) == "2026-06-01"
    oban = Aerodrome.objects.get(ident="EGEO")
    assert oban.name == "Oban" and oban.frz_radius_m == 3704
    assert Zone.objects.get(external_id="EGEO#rpz-01").name == "OBAN (EGEO RPZ 01)"
    # re-running changes nothing
    again = run("import_airspace", airspace, rat, "--data-date", "2026-06-01")
    assert "(0 new, 0 updated, 0 removed)" in again
    assert "(0 new, 0 updated)" in run("import_aerodromes", runways, "--data-date", "2026-06-01")
    assert Zone.objects.count() == count


def test_import_errors_are_clear(tmp_path):  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text("airspace:\n- name: X\n  type: P\n  geometry:\n  - upper: 1 ft\n    lower: SFC\n"
                   "    boundary:\n    - circle:\n        radius: 2 nm\n        centre: nowhere\n")
    with pytest.raises(CommandError, match="X volume 1: bad coordinate"):
        run("import_airspace", str(bad))
    with pytest.raises(CommandError, match="no such file"):
        run("import_aerodromes", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="--data-date"):
        run("import_airspace", str(bad), "--data-date", "June")
    assert Zone.objects.count() == 0


RELEASED = ("release:\n  airac_date: '2026-05-14T00:00:00Z'\n"
            "airspace:\n- name: TEST P\n  type: P\n  geometry:\n  - upper: 2000 ft\n    lower: SFC\n"
            "    boundary:\n    - circle:\n        radius: 1 nm\n        centre: 560000N 0050000W\n")


def test_data_date_comes_from_the_file_else_the_option_else_its_modification_date(tmp_path):  # type: ignore[no-untyped-def]
    from policy import selectors

    released = tmp_path / "released.yaml"
    released.write_text(RELEASED)
    out = run("import_airspace", str(released))
    assert "data date 2026-05-14 from the file's release date" in out
    assert Zone.objects.get(name="TEST P").data_date == date(2026, 5, 14)
    with pytest.raises(CommandError, match="--data-date: 2026-06-01 contradicts the date 2026-05-14"):
        run("import_airspace", str(released), "--data-date", "2026-06-01")
    bare = tmp_path / "bare.yaml"
    bare.write_text(RELEASED.split("\n", 2)[2].replace("TEST P", "BARE P"))
    os.utime(bare, (datetime(2026, 3, 2, 12, tzinfo=UTC).timestamp(),) * 2)
    out = run("import_airspace", str(bare))
    assert "data date 2026-03-02 from the file's modification date" in out  # not today
    # AIR-10 uses the stalest airspace source
    assert selectors.airspace_data_date() == date(2026, 3, 2)
    assert "data date 2026-04-01 from --data-date" in run("import_airspace", str(bare), "--data-date", "2026-04-01")
    assert selectors.airspace_data_date() == date(2026, 4, 1)


def test_import_zones_geojson_and_kml(tmp_path):  # type: ignore[no-untyped-def]
    gj = tmp_path / "seals.geojson"
    gj.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Kerrera haul-out"},
         "geometry": {"type": "Point", "coordinates": [-5.52, 56.40]}}]}))
    assert "1 seal_haulout zones (1 new" in run("import_zones", str(gj), "--kind", "seal_haulout",
                                               "--data-date", "2026-06-01")
    assert "(0 new, 0 updated, 0 removed)" in run("import_zones", str(gj), "--kind", "seal_haulout",
                                                  "--data-date", "2026-06-01")
    kml = tmp_path / "notam.kml"
    kml.write_text('<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>Airshow</name><Point>'
                   '<coordinates>-5.47,56.41</coordinates></Point></Placemark></kml>')
    run("import_zones", str(kml), "--kind", "notam", "--valid-from", "2026-06-15T00:00:00+00:00",
        "--valid-to", "2026-06-16T00:00:00+00:00")
    notam = Zone.objects.get(kind="notam")
    assert notam.name == "Airshow" and notam.valid_from.day == 15 and notam.source == "notam:notam.kml"
    with pytest.raises(CommandError, match="--valid-to must be after"):
        run("import_zones", str(kml), "--kind", "notam", "--valid-from", "2026-06-16T00:00:00+00:00",
            "--valid-to", "2026-06-15T00:00:00+00:00")


def test_space_site_zones_are_an_importable_council_layer(tmp_path):  # type: ignore[no-untyped-def]
    """AIR-09 (new 2026-12): the council imports the space-site restriction zones as a layer."""
    from django.utils import timezone

    from policy import services

    from .plans import OPEN_COUNTRY, square

    gj = tmp_path / "space-sites.geojson"
    gj.write_text(json.dumps({"type": "Feature", "properties": {"name": "Test space site RZ"},
                              "geometry": square(*OPEN_COUNTRY, 1000)}))
    assert "1 space_site zones (1 new" in run("import_zones", str(gj), "--kind", "space_site",
                                             "--data-date", "2026-06-01")
    zone = Zone.objects.get(kind="space_site")
    decision, _, _ = services.policy_evaluate(plan=good_plan(), now=timezone.now())
    air09 = [f for f in decision.findings if f.rule == "AIR-09"]
    assert len(air09) == 1 and air09[0].severity == "approval"
    assert air09[0].evidence["zone_id"] == zone.pk and air09[0].evidence["zone"] == "Test space site RZ"


def test_check_flight_prints_the_decision_and_exits_0(tmp_path, real_zones_in_db, capsys):  # type: ignore[no-untyped-def]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(good_plan(OBAN_AIRPORT)))
    out = run("check_flight", str(path), "--now", "2026-05-25T09:00:00+00:00")
    decision = json.loads(out)
    assert decision["outcome"] == "blocked" and decision["policy_version"] == 1
    assert "AIR-01" in {f["rule"] for f in decision["findings"]}


@pytest.mark.parametrize("content,expected", [
    *[(json.dumps(good_plan(**changes)), (f"malformed plan: {field}: ", text)) for _, changes, field, text in malformed()],
    ("{not json", ("plan: not valid JSON",)),
    ("[1, 2]", ("malformed plan: plan: must be a JSON object",)),
])
def test_check_flight_exits_2_for_a_malformed_plan(tmp_path, content, expected):  # type: ignore[no-untyped-def]
    path = tmp_path / "plan.json"
    path.write_text(content)
    err = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("check_flight", str(path), stdout=StringIO(), stderr=err)
    assert exit_.value.code == 2
    assert all(part in err.getvalue() for part in expected), err.getvalue()


def test_policy_version_command():  # type: ignore[no-untyped-def]
    assert json.loads(run("policy_version"))["version"] == 1
    out = run("policy_version", "--set", "notice_working_days=15", "--set", "seal_pupping_months=[8,9,10]",
              "--note", "Earlier pupping on Mull")
    assert "Policy v2 is now current" in out
    settings = json.loads(run("policy_version"))["settings"]
    assert settings["notice_working_days"] == 15 and settings["seal_pupping_months"] == [8, 9, 10]
    with pytest.raises(CommandError, match="unknown policy setting"):
        run("policy_version", "--set", "no_such=1", "--note", "x")
    with pytest.raises(CommandError, match="--note"):
        run("policy_version", "--set", "notice_working_days=12")
