from django.contrib import admin
from django.utils import timezone

from . import services
from .models import Notification, OutboxEmail, OutboxState


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["id", "subject", "state", "attempts", "created_at", "next_attempt_at", "sent_at"]
    list_filter = ["state"]
    search_fields = ["subject", "recipients", "last_error"]
    readonly_fields = [f.name for f in OutboxEmail._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Try the selected failed e-mails again")
    def retry(self, request, queryset) -> None:
        ids = list(queryset.filter(state=OutboxState.FAILED).values_list("id", flat=True))
        changed = services.outbox_retry(email_ids=ids, now=timezone.now())
        self.message_user(request, f"{changed} e-mail(s) queued again.")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "subject", "created_at", "read_at"]
    list_filter = ["read_at"]
    search_fields = ["subject", "user__username"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
