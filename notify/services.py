"""Writes of the outbox: queue a mail in the caller's transaction; send due mail with claims and retries.

Queueing never talks to a mail server, so it cannot fail a request for SMTP reasons. Sending claims each row
with a conditional update (the row must still be pending, due and at the attempt count this sender read) and
moves `next_attempt_at` forward by a lease, so two senders never send one row at once, and a row whose sender
died mid-way becomes due again after the lease.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import F, Q

from .models import Notification, OutboxEmail, OutboxState

log = logging.getLogger(__name__)

#: How long a claimed row is kept from other senders (longer than EMAIL_TIMEOUT, so a slow send is not doubled).
CLAIM_LEASE = timedelta(minutes=5)
#: The longest wait between two attempts.
MAX_RETRY_DELAY = timedelta(hours=6)


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retrying} to retry, {self.failed} given up"


def retry_delay(*, attempts: int, first_delay_s: int) -> timedelta:
    """Back-off after the `attempts`-th failed attempt: first_delay, then doubling, at most MAX_RETRY_DELAY."""
    seconds = max(1, first_delay_s) * 2 ** max(0, min(attempts - 1, 20))
    return min(timedelta(seconds=seconds), MAX_RETRY_DELAY)


def outbox_queue(*, to: Iterable[str], subject: str, body: str,
                 now: datetime) -> OutboxEmail | None:
    """Write one mail to the outbox in the current transaction (a rollback discards it); None when `to` is empty.

    With a broker (`REDIS_URL`), a send is also requested once the transaction commits; without one the job
    runner's next poll sends it. Neither can raise to the caller."""
    recipients = sorted({str(addr).strip() for addr in to if str(addr).strip()})
    if not recipients:
        return None
    email = OutboxEmail.objects.create(
        subject=" ".join(subject.split()),  # one line: a mail header may not hold a line break
        body=body,
        recipients=recipients,
        created_at=now,
        next_attempt_at=now,
    )
    notifications_create(email=email, now=now)
    transaction.on_commit(outbox_dispatch)
    return email


def notifications_create(*, email: OutboxEmail, now: datetime) -> list[Notification]:
    """The mail's words as in-app notifications, one for each active user among its recipients (matched by
    e-mail address, case-insensitive; a supplier's shared inbox that is nobody's account gets none). The link
    is the mail's last line when it is an address in this app (SITE_URL), kept as a path."""
    from django.contrib.auth import get_user_model

    wanted = Q()
    for addr in email.recipients:
        wanted |= Q(email__iexact=addr)
    users = list(get_user_model().objects.filter(wanted, is_active=True).only("id")) if email.recipients else []
    lines = email.body.rstrip().splitlines()
    site = settings.SITE_URL.rstrip("/")
    link = ""
    if lines and lines[-1].strip().startswith(site + "/"):
        link = lines[-1].strip()[len(site):]
        lines = lines[:-1]
    body = "\n".join(lines)
    return Notification.objects.bulk_create(
        [Notification(user=u, email=email, subject=email.subject, body=body, link=link[:500], created_at=now)
         for u in users])


def notifications_mark_read(*, user: object, ids: Iterable[int] | None, now: datetime) -> int:
    """Mark the user's own notifications read (all unread ones when `ids` is None); another user's ids are
    ignored. Returns how many changed."""
    mine = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        mine = mine.filter(id__in=list(ids))
    return mine.update(read_at=now)


def outbox_dispatch() -> None:
    """Ask a Celery worker to send due mail now (only with `REDIS_URL`); beat and run_jobs catch up otherwise."""
    if not settings.REDIS_URL:
        return
    from celery import current_app  # only with a broker: Celery stays out of the embedded mode

    try:
        current_app.send_task("notify.send_outbox")  # by name: tasks.py calls this module
    except Exception:  # broker down: the rows stay pending and the next beat tick sends them
        log.exception("could not ask the broker to send the outbox")


def outbox_claim(*, email_id: int, seen_attempts: int, now: datetime) -> bool:
    """Take a due pending row for one attempt; False when another sender took it (or it is no longer due)."""
    changed = OutboxEmail.objects.filter(
        id=email_id, state=OutboxState.PENDING, attempts=seen_attempts, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, last_attempt_at=now, next_attempt_at=now + CLAIM_LEASE)
    return changed == 1


def outbox_send_due(*, now: datetime, limit: int = 100) -> SendReport:
    """Send up to `limit` due pending mails, oldest first; failures are recorded and retried with back-off,
    and a row that failed EMAIL_MAX_ATTEMPTS times is left `failed` (visible, and retryable, in the admin)."""
    due = list(
        OutboxEmail.objects.filter(state=OutboxState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", "attempts")[: max(0, limit)]
    )
    sent = retrying = failed = 0
    connection = None
    try:
        for email_id, seen in due:
            if not outbox_claim(email_id=email_id, seen_attempts=seen, now=now):
                continue  # another sender has it
            email = OutboxEmail.objects.get(id=email_id)
            mine = OutboxEmail.objects.filter(id=email_id, state=OutboxState.PENDING, attempts=email.attempts)
            try:
                if connection is None:
                    connection = get_connection(fail_silently=False)
                send_mail(email.subject, email.body, settings.DEFAULT_FROM_EMAIL, list(email.recipients),
                          fail_silently=False, connection=connection)
            except Exception as exc:  # SMTP errors are OSErrors; anything else is logged with its traceback
                if not isinstance(exc, OSError):
                    log.exception("sending outbox e-mail %s failed", email_id)
                error = f"{type(exc).__name__}: {exc}"[:2000]
                if email.attempts >= max(1, settings.EMAIL_MAX_ATTEMPTS):
                    mine.update(state=OutboxState.FAILED, last_error=error, next_attempt_at=now)
                    log.error("outbox e-mail %s gave up after %s attempts: %s", email_id, email.attempts, error)
                    failed += 1
                else:
                    delay = retry_delay(attempts=email.attempts, first_delay_s=settings.EMAIL_RETRY_SECONDS)
                    mine.update(last_error=error, next_attempt_at=now + delay)
                    log.warning("outbox e-mail %s attempt %s failed, retry in %s: %s",
                                email_id, email.attempts, delay, error)
                    retrying += 1
                if connection is not None:  # a broken connection is not reused for the next row
                    _close(connection)
                    connection = None
                continue
            mine.update(state=OutboxState.SENT, sent_at=now, last_error="")
            sent += 1
    finally:
        if connection is not None:
            _close(connection)
    return SendReport(sent=sent, retrying=retrying, failed=failed)


def _close(connection: object) -> None:
    try:
        connection.close()  # type: ignore[attr-defined]
    except Exception:
        log.warning("closing the mail connection failed", exc_info=True)


def outbox_retry(*, email_ids: list[int], now: datetime) -> int:
    """Give mails that were given up a fresh set of attempts, due now; returns how many rows changed.
    (Pending rows are left alone: one may be in a sender's hands right now.)"""
    return OutboxEmail.objects.filter(id__in=email_ids, state=OutboxState.FAILED).update(
        state=OutboxState.PENDING, attempts=0, next_attempt_at=now
    )
