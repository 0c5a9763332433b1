"""In-app notifications: what each e-mail says is also kept for each recipient who has an account, shown on
the notifications page with the unread count in the header, marked read one by one or all; only the recipient
sees or marks them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from booking import services
from notify import services as notify
from notify.models import Notification, OutboxEmail
from tests.factories import make_cast
from tests.web.conftest import draft_request


@pytest.fixture
def referred(db, settings):
    settings.SITE_URL = "https://surveys.example.gov.uk"
    cast = make_cast()
    fr = draft_request(cast, people_in_view=True)
    fr = services.flight_request_submit(actor=cast.requester, flight_request=fr, now=timezone.now())
    return cast, fr


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_each_email_becomes_a_notification_for_its_recipients(referred):
    cast, fr = referred
    (email,) = [e for e in OutboxEmail.objects.all() if cast.policy_officer.email in e.recipients]
    note = Notification.objects.get(user=cast.policy_officer)
    assert note.subject == email.subject and note.email_id == email.pk
    assert note.link == f"/requests/{fr.pk}/"
    assert note.body == email.body.rsplit("\n", 1)[0]  # the words, without the address line
    assert fr.reference in note.subject and note.read_at is None
    # nobody who was not mailed is notified
    assert not Notification.objects.filter(user__in=[cast.requester, cast.outsider, cast.contractor]).exists()


def test_addresses_that_are_no_account_get_none_and_case_does_not_matter(referred):
    cast, _ = referred
    Notification.objects.all().delete()
    notify.outbox_queue(to=[cast.planner.email.upper(), "shared-inbox@supplier.example"], subject="Hello",
                        body="Words.", now=timezone.now())
    assert list(Notification.objects.values_list("user", "body", "link")) == [(cast.planner.pk, "Words.", "")]


def test_the_page_shows_own_notifications_and_the_unread_count(referred):
    cast, fr = referred
    page = _client(cast.policy_officer).get("/notifications/").content.decode()
    assert fr.reference in page and 'id="unread-count"' in page
    assert 'aria-label="1 unread"' in page
    # another user sees neither the notification nor a count
    other = _client(cast.requester).get("/notifications/").content.decode()
    assert fr.reference not in other and 'id="unread-count"' not in other


def test_mark_read_one_open_and_all_only_for_the_recipient(referred):
    cast, fr = referred
    note = Notification.objects.get(user=cast.policy_officer)
    # someone else cannot mark it (404, nothing changes)
    assert _client(cast.requester).post(f"/notifications/{note.pk}/read/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None
    officer = _client(cast.policy_officer)
    opened = officer.post(f"/notifications/{note.pk}/read/", {"open": "1"})
    assert opened.status_code == 302 and opened["Location"] == f"/requests/{fr.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'id="unread-count"' not in officer.get("/notifications/").content.decode()
    # read-all marks only the user's own
    notify.outbox_queue(to=[cast.policy_officer.email, cast.procurement.email], subject="Two", body="B",
                        now=timezone.now())
    assert officer.post("/notifications/read-all/").status_code == 302
    assert not Notification.objects.filter(user=cast.policy_officer, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=cast.procurement, read_at__isnull=True).count() == 1


def test_a_rolled_back_change_leaves_no_notification(db):
    from django.db import transaction

    cast = make_cast(airspace=False)
    with pytest.raises(RuntimeError), transaction.atomic():
        notify.outbox_queue(to=[cast.planner.email], subject="S", body="B", now=timezone.now())
        raise RuntimeError("the change failed")
    assert not Notification.objects.exists()
