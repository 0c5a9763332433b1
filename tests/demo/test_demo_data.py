"""The demo reads as real: named pilots with credentials in the CAA's formats, aircraft by model, requests from
the council's services and its partners; the demo survey's page says where its photos really come from."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from booking.models import Aircraft, FlightRequest, OperatorRegistration, Pilot
from demo.records import DEMO_SURVEY_SITE
from demo.seed import PARTNERS
from notify.models import Notification
from surveys.models import Site, Survey
from tests.factories import load_test_airspace

# The CAA's Flyer ID: GBR-RP- and 12 upper-case characters, none of A, E, I, O, U, 1, 0 (AMC2 UAS.OPEN.020(4)(b)).
FLYER_ID = re.compile(r"GBR-RP-[B-DF-HJ-NP-TV-Z2-9]{12}")
OPERATOR_ID = re.compile(r"GBR-OP-[A-Z0-9]{12}")


@pytest.mark.django_db
def test_demo_crews_aircraft_and_requests_read_as_real():
    load_test_airspace(today=timezone.localdate())
    call_command("seed_demo")
    pilots = list(Pilot.objects.all())
    assert len(pilots) >= 6
    for p in pilots:
        assert "pilot" not in p.name.lower() and len(p.name.split()) >= 2, p.name
        assert FLYER_ID.fullmatch(p.flyer_id), p.flyer_id
        assert p.a2_cofc_reference.startswith("A2CofC-") and p.a2_cofc_expires_on
    assert all(OPERATOR_ID.fullmatch(o) for o in OperatorRegistration.objects.values_list("operator_id", flat=True))
    models = " ".join(Aircraft.objects.values_list("name", flat=True))
    for model in ("Matrice 350 RTK", "Mavic 3 Enterprise", "Matrice 30T"):
        assert model in models
    orgs = set(FlightRequest.objects.values_list("organisation__name", flat=True))
    assert set(PARTNERS) <= orgs and len(orgs - set(PARTNERS)) >= 4  # services and both partners
    # the seeded workflow's mail is not sent, but its words wait in the officers' notification lists
    assert Notification.objects.filter(user__username="policy").exists()


@pytest.mark.django_db
def test_the_demo_survey_page_says_its_photos_are_from_abroad():
    from tests.factories import make_cast

    cast = make_cast(airspace=False)
    demo = Site.objects.create(name=DEMO_SURVEY_SITE, geometry={"type": "Polygon", "coordinates": [[
        [-98.0, 30.2], [-97.99, 30.2], [-97.99, 30.21], [-98.0, 30.2]]]}, organisation=cast.organisation)
    other = Site.objects.create(name="Oban seafront", geometry=demo.geometry, organisation=cast.organisation)
    client = Client()
    client.force_login(cast.admin)
    page = client.get(f"/surveys/{Survey.objects.create(site=demo).pk}/").content.decode()
    assert 'id="demo-photos-notice"' in page and "not of Argyll and Bute" in page and "Texas" in page
    plain = client.get(f"/surveys/{Survey.objects.create(site=other).pk}/").content.decode()
    assert 'id="demo-photos-notice"' not in plain
