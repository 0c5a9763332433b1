"""The e-mail outbox: mail is a row written with the change; senders claim rows, retry with back-off, give up."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from notify import services
from notify.models import OutboxEmail, OutboxState
from notify.tasks import send_outbox as send_outbox_task

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def queue(n: int = 1, *, now=None) -> list[OutboxEmail]:
    now = now or timezone.now()
    return [
        services.outbox_queue(to=[f"officer{i}@council.example", "planner@council.example"],
                              subject=f"[DR-{i}] Oban: Referred", body=f"Request DR-{i} needs a look.", now=now)
        for i in range(n)
    ]


@pytest.mark.django_db
def test_queueing_writes_a_pending_row_and_talks_to_no_mail_server(dead_smtp_server, mailoutbox):
    now = timezone.now()
    email = services.outbox_queue(to=["b@x.example", "a@x.example", "a@x.example", " "],
                                  subject="Line one\nline two", body="Body", now=now)
    email.refresh_from_db()
    assert email.state == OutboxState.PENDING and email.attempts == 0 and email.next_attempt_at == now
    assert email.recipients == ["a@x.example", "b@x.example"]
    assert email.subject == "Line one line two"  # a mail header holds one line
    assert mailoutbox == []
    assert services.outbox_queue(to=[], subject="nobody", body="", now=now) is None


@pytest.mark.django_db
def test_a_rolled_back_change_leaves_no_mail():
    with pytest.raises(RuntimeError), transaction.atomic():
        queue()
        raise RuntimeError("the change failed")
    assert not OutboxEmail.objects.exists()


@pytest.mark.django_db
def test_a_dead_smtp_server_is_retried_with_back_off_and_the_mail_goes_out_later(
    dead_smtp_server, settings, mailoutbox
):
    settings.EMAIL_RETRY_SECONDS = 60
    (email,) = queue()
    now = timezone.now()
    report = services.outbox_send_due(now=now)
    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    email.refresh_from_db()
    assert email.state == OutboxState.PENDING and email.attempts == 1
    assert email.last_error.startswith("SMTPServerDisconnected")
    assert email.next_attempt_at == now + timedelta(seconds=60) and email.last_attempt_at == now

    assert services.outbox_send_due(now=now + timedelta(seconds=59)).retrying == 0  # not due yet
    report = services.outbox_send_due(now=now + timedelta(seconds=60))
    email.refresh_from_db()
    assert report.retrying == 1 and email.attempts == 2
    assert email.next_attempt_at == now + timedelta(seconds=180)  # 60 s, then 120 s

    settings.EMAIL_BACKEND = LOCMEM  # the server is back
    later = now + timedelta(seconds=180)
    assert services.outbox_send_due(now=later).sent == 1
    email.refresh_from_db()
    assert email.state == OutboxState.SENT and email.sent_at == later and email.attempts == 3
    assert email.last_error == ""
    (mail,) = mailoutbox
    assert mail.subject == "[DR-0] Oban: Referred" and mail.body == "Request DR-0 needs a look."
    assert mail.to == ["officer0@council.example", "planner@council.example"]
    assert mail.from_email == settings.DEFAULT_FROM_EMAIL
    assert services.outbox_send_due(now=later + timedelta(days=1)).sent == 0  # sent once only
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_gives_up_after_the_max_attempts_and_an_admin_can_retry(dead_smtp_server, settings, mailoutbox,
                                                                 client):
    settings.EMAIL_MAX_ATTEMPTS = 3
    (email,) = queue()
    when = timezone.now()
    for attempt in (1, 2, 3):
        report = services.outbox_send_due(now=when)
        email.refresh_from_db()
        assert email.attempts == attempt
        when = email.next_attempt_at
    assert (report.retrying, report.failed) == (0, 1)
    assert email.state == OutboxState.FAILED and "SMTPServerDisconnected" in email.last_error
    settings.EMAIL_BACKEND = LOCMEM
    assert services.outbox_send_due(now=when + timedelta(days=30)).sent == 0  # failed rows stay failed
    assert mailoutbox == []

    admin = get_user_model().objects.create_superuser("root", "root@council.example", "pw")
    client.force_login(admin)
    page = client.get("/admin/notify/outboxemail/", {"state__exact": "failed"})
    assert page.status_code == 200 and "[DR-0] Oban: Referred" in page.content.decode()
    response = client.post("/admin/notify/outboxemail/", {"action": "retry", "_selected_action": [email.pk]})
    assert response.status_code == 302
    email.refresh_from_db()
    assert email.state == OutboxState.PENDING and email.attempts == 0
    assert services.outbox_send_due(now=timezone.now()).sent == 1 and len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("attempts", "seconds"), [(1, 60), (2, 120), (3, 240), (4, 480), (10, 6 * 3600), (500, 6 * 3600)]
)
def test_the_back_off_doubles_up_to_a_cap(attempts, seconds):
    assert services.retry_delay(attempts=attempts, first_delay_s=60) == timedelta(seconds=seconds)


@pytest.mark.django_db
def test_a_claim_is_taken_once_and_lapses_if_its_sender_dies(mailoutbox):
    (email,) = queue()
    now = timezone.now()
    assert services.outbox_claim(email_id=email.pk, seen_attempts=0, now=now)
    # A second sender that read the row before the claim gets nothing, and neither does one reading it after.
    assert not services.outbox_claim(email_id=email.pk, seen_attempts=0, now=now)
    assert not services.outbox_claim(email_id=email.pk, seen_attempts=1, now=now)
    assert services.outbox_send_due(now=now + timedelta(minutes=1)).sent == 0
    # The first sender died mid-way: once the lease lapses the row is due again.
    assert services.outbox_send_due(now=now + services.CLAIM_LEASE).sent == 1
    email.refresh_from_db()
    assert email.state == OutboxState.SENT and email.attempts == 2 and len(mailoutbox) == 1


class SlowBackend(LocmemBackend):
    """The locmem backend taking a while per message, so two senders' passes overlap."""

    def send_messages(self, messages):
        time.sleep(0.02)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_senders_never_send_one_mail_twice(settings, mailoutbox):
    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    queue(12)
    now = timezone.now()
    start = threading.Barrier(2)
    reports: list[services.SendReport] = []
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            start.wait()
            reports.append(services.outbox_send_due(now=now))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    subjects = [m.subject for m in mailoutbox]
    assert sorted(subjects) == sorted(f"[DR-{i}] Oban: Referred" for i in range(12))  # each exactly once
    assert sum(r.sent for r in reports) == 12
    assert set(OutboxEmail.objects.values_list("state", "attempts")) == {(OutboxState.SENT, 1)}


@pytest.mark.django_db
def test_the_limit_and_the_order_of_a_pass(mailoutbox):
    now = timezone.now()
    queue(3, now=now)
    assert services.outbox_send_due(now=now, limit=2).sent == 2
    assert [m.subject for m in mailoutbox] == ["[DR-0] Oban: Referred", "[DR-1] Oban: Referred"]
    assert services.outbox_send_due(now=now, limit=2).sent == 1


@pytest.mark.django_db
def test_the_command_the_job_runner_and_the_celery_task_send_the_outbox(mailoutbox, capsys):
    queue()
    call_command("send_outbox")
    assert "1 sent" in capsys.readouterr().out and len(mailoutbox) == 1
    queue(2)
    call_command("run_jobs", "--burst", "--quiet")  # the embedded runner sends mail on each poll
    assert len(mailoutbox) == 3
    queue()
    assert send_outbox_task.apply().get() == "1 sent, 0 to retry, 0 given up"
    assert len(mailoutbox) == 4
    assert OutboxEmail.objects.filter(state=OutboxState.SENT).count() == 4


def test_celery_beat_sends_the_outbox(settings):
    assert settings.CELERY_BEAT_SCHEDULE["send-outbox"]["task"] == send_outbox_task.name
