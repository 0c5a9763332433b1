"""The e-mail outbox, and the same words as in-app notifications: both are rows written in the same transaction
as the change they report.

A sender (`notify.services.outbox_send_due`, run by `manage.py run_jobs`, Celery beat or `manage.py send_outbox`)
claims due rows with a conditional update and sends them, retrying with back-off. This app imports no other app
of the project, so any app may queue mail. No side effects here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class OutboxState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"


class OutboxEmail(models.Model):
    subject = models.TextField()
    body = models.TextField()
    recipients = models.JSONField(help_text="list of e-mail addresses")
    state = models.CharField(max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(help_text="not sent before this; a claim moves it forward")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "outbox e-mail"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="sent", sent_at__isnull=False) | (~Q(state="sent") & Q(sent_at__isnull=True)),
                name="outbox_sent_at_iff_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.recipients or [])} ({self.state})"


class Notification(models.Model):
    """What an e-mail said, kept in the app for the user it went to (one row per recipient who is a user), so
    that an officer without e-mail access still sees what waits for them. Seen only by `user`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    email = models.ForeignKey(OutboxEmail, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subject = models.TextField()
    body = models.TextField()
    link = models.CharField(max_length=500, blank=True, default="", help_text="a path in this app, or empty")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.subject} → {self.user_id}{'' if self.read_at else ' (unread)'}"
