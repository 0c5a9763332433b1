"""A dead mail server fails no request and loses no notification: workflow mail goes through the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from booking.models import FlightRequest, RequestStatus
from notify.models import OutboxEmail, OutboxState
from notify.services import outbox_send_due

from .conftest import new_request

API = "/api/v1"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db(transaction=True)  # the request commits for real, as in production
def test_a_submit_with_the_mail_server_down_commits_and_the_mail_goes_out_once_it_is_back(
    cast, now, dead_smtp_server, settings, mailoutbox
):
    settings.EMAIL_RETRY_SECONDS = 60
    fr = new_request(cast, now)
    response = client_for(cast.requester).post(f"{API}/requests/{fr.reference}/submit/")
    assert response.status_code == 200, response.content
    assert FlightRequest.objects.get(pk=fr.pk).status == RequestStatus.REFERRED  # committed
    email = OutboxEmail.objects.get()
    assert email.recipients == [cast.policy_officer.email] and "Referred" in email.subject
    assert email.state == OutboxState.PENDING and email.attempts == 0

    call_command("run_jobs", "--burst", "--quiet")  # the runner's poll meets the dead server
    email.refresh_from_db()
    assert email.state == OutboxState.PENDING and email.attempts == 1
    assert "SMTPServerDisconnected" in email.last_error and email.next_attempt_at > timezone.now()
    assert mailoutbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    assert outbox_send_due(now=email.next_attempt_at + timedelta(seconds=1)).sent == 1
    email.refresh_from_db()
    assert email.state == OutboxState.SENT and email.sent_at is not None
    (mail,) = mailoutbox
    assert mail.to == [cast.policy_officer.email] and mail.subject == email.subject
    assert fr.reference in mail.body and f"/requests/{fr.pk}" in mail.body


@pytest.mark.django_db
def test_a_refused_action_queues_no_mail(cast, now, dead_smtp_server):
    fr = new_request(cast, now)
    response = client_for(cast.procurement).post(f"{API}/requests/{fr.reference}/submit/")
    assert response.status_code in (403, 404)
    assert FlightRequest.objects.get(pk=fr.pk).status == RequestStatus.DRAFT
    assert not OutboxEmail.objects.exists()
