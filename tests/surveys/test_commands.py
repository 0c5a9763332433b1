"""The demo loader (idempotent, through the upload ingestion) against the real Caliterra photos."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from demo.management.commands.load_demo_survey import SITE_NAME
from surveys.models import Asset, Survey

from .helpers import make_delivery

pytestmark = pytest.mark.django_db


def test_load_demo_survey_is_idempotent_and_checks_the_delivery(cast, shared_data):
    delivered = make_delivery(cast, status="delivered")
    delivered.flight_request.description = "[demo:moleigh-landfill] Demo request."
    delivered.flight_request.save(update_fields=["description"])
    out = io.StringIO()
    call_command("load_demo_survey", str(shared_data), "--limit", "3", stdout=out)
    survey = Survey.objects.get(site__name=SITE_NAME)
    assert survey.flight_request_id == delivered.flight_request_id and survey.supplier_id == cast.supplier.pk
    assert survey.assets.count() == 3 and all(a.has_location for a in survey.assets.all())
    # Texas photos against an Argyll request: the report says so and the survey is flagged.
    checks = {c["name"]: c["status"] for c in survey.conformance["checks"]}
    assert checks["location"] == "fail" and survey.flagged_for_review
    assert "3 photo(s) added" in out.getvalue()

    again = io.StringIO()
    call_command("load_demo_survey", str(shared_data), "--limit", "3", stdout=again)
    assert Survey.objects.filter(site__name=SITE_NAME).count() == 1
    assert Asset.objects.count() == 3 and "0 photo(s) added, 3 already there" in again.getvalue()


def test_load_demo_survey_without_a_seeded_request(cast, shared_data, tmp_path):
    call_command("load_demo_survey", str(shared_data), "--limit", "2", stdout=io.StringIO())
    survey = Survey.objects.get(site__name=SITE_NAME)
    assert survey.flight_request is None and survey.assets.count() == 2
    with pytest.raises(Exception, match="no photos"):
        call_command("load_demo_survey", str(tmp_path), stdout=io.StringIO())
