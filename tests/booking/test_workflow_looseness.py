"""Regressions for two workflow gaps (issue 15): a contractor could open a survey (a delivery) on a request that
was not yet flown or was already delivered or completed; a requester could place a request on a lot of another
framework than the one in force."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from booking import services
from booking.errors import FieldError
from booking.models import Flight, FlightStatus, Framework, Lot, RequestStatus
from surveys import services as surveys
from surveys.models import Survey

pytestmark = pytest.mark.django_db
S = RequestStatus
API = "/api/v1"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# ---------------------------------------------------------------- a survey only while the delivery is open


@pytest.mark.parametrize("state", [S.DELIVERED, S.COMPLETED])
def test_no_new_survey_once_the_request_is_delivered_or_completed(cast, make_request, state):
    fr = make_request(state)
    before = Survey.objects.filter(flight_request=fr).count()
    response = client_for(cast.contractor).post(f"{API}/surveys/", {"flight_request": fr.pk}, format="json")
    assert response.status_code == 400, response.content
    assert fr.get_status_display().lower() in response.json()["flight_request"][0]
    with pytest.raises(surveys.SurveyError) as err:
        surveys.survey_create(flight_request=fr, by=cast.admin)
    assert err.value.field == "flight_request"
    with pytest.raises(surveys.SurveyError):
        surveys.survey_open(flight_request=fr, by=cast.contractor)
    web = APIClient()
    web.force_login(cast.contractor)
    page = web.post(f"/requests/{fr.pk}/survey/", follow=True)
    assert "is delivered once it is flown" in page.content.decode()
    assert Survey.objects.filter(flight_request=fr).count() == before


def test_no_survey_on_a_request_not_flown_even_with_a_flight_marked_flown(cast, make_request):
    """The flight table and the request can disagree (an admin edit, an import): the request's own state
    decides. A scheduled request whose flight reads "flown" still takes no delivery."""
    fr = make_request(S.SCHEDULED)
    Flight.objects.filter(flight_request=fr).update(status=FlightStatus.FLOWN)
    response = client_for(cast.contractor).post(f"{API}/surveys/", {"flight_request": fr.pk}, format="json")
    assert response.status_code == 400, response.content
    assert "scheduled" in response.json()["flight_request"][0]
    with pytest.raises(surveys.SurveyError):
        surveys.survey_open(flight_request=fr, by=cast.contractor)
    assert not fr.surveys.exists()


@pytest.mark.parametrize("state", [S.FLOWN, S.REWORK])
def test_a_survey_opens_while_the_delivery_is_open(cast, make_request, state):
    fr = make_request(S.FLOWN)
    if state == S.REWORK:
        fr = make_request(S.DELIVERED)
        services.flight_request_return_delivery(actor=cast.requester, flight_request=fr, now=fr.window_end,
                                                reason="Half the site is missing")
        fr.refresh_from_db()
    assert fr.status == state
    response = client_for(cast.contractor).post(f"{API}/surveys/", {"flight_request": fr.pk}, format="json")
    assert response.status_code == 201, response.content


# ---------------------------------------------------------------- a lot of the framework in force only


@pytest.fixture
def old_lot(cast) -> Lot:
    today = Lot.objects.select_related("framework").get(pk=cast.lot.pk).framework.start_date
    expired = Framework.objects.create(reference="OLD-FW-2019", title="Drone services 2019-2022",
                                       start_date=today - timedelta(days=2000),
                                       end_date=today - timedelta(days=200), ceiling_value=Decimal(100000))
    return Lot.objects.create(framework=expired, number=2, title="Mapping (old framework)")


def test_placing_a_request_on_another_frameworks_lot_is_refused(cast, now, old_lot):
    with pytest.raises(FieldError) as err:
        services.flight_request_create(actor=cast.requester, now=now, **cast.request_fields(now=now, lot=old_lot))
    assert err.value.field == "lot"
    assert "OLD-FW-2019" in err.value.message and "framework in force" in err.value.message

    from tests.booking.test_api import payload

    response = client_for(cast.requester).post(f"{API}/requests/", payload(cast, now, lot=old_lot.pk),
                                               format="json")
    assert response.status_code == 400, response.content
    assert "OLD-FW-2019" in str(response.json()["lot"])
    # A lot of the framework in force is taken.
    fr = services.flight_request_create(actor=cast.requester, now=now,
                                        **cast.request_fields(now=now, lot=cast.lot))
    assert fr.lot == cast.lot


def test_editing_a_draft_onto_another_frameworks_lot_is_refused(cast, now, make_request, old_lot):
    fr = make_request(S.DRAFT)
    with pytest.raises(FieldError) as err:
        services.flight_request_update(actor=cast.requester, flight_request=fr, now=now, lot=old_lot)
    assert err.value.field == "lot"
    fr.refresh_from_db()
    assert fr.lot.framework_id != old_lot.framework_id


def test_a_draft_whose_lot_is_no_longer_in_force_is_not_submitted(cast, now, make_request, old_lot):
    fr = make_request(S.DRAFT)
    type(fr).objects.filter(pk=fr.pk).update(lot=old_lot)  # drafted under a framework that has since ended
    fr.refresh_from_db()
    with pytest.raises(FieldError) as err:
        services.flight_request_submit(actor=cast.requester, flight_request=fr, now=now)
    assert err.value.field == "lot"
    fr.refresh_from_db()
    assert fr.status == S.DRAFT
