"""Reads of in-app notifications: a user sees only their own."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Notification


def notifications_of(user: object) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def unread_count(user: object) -> int:
    return notifications_of(user).filter(read_at__isnull=True).count()
