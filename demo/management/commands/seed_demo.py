from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from demo.seed import seed_reference, seed_requests
from notify.models import OutboxEmail


class Command(BaseCommand):
    help = "Seed the demo organisations, framework, suppliers, users and requests (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--send-mail",
            action="store_true",
            help="keep the workflow emails in the outbox for the job runner to send (default: dropped)",
        )

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        last_mail = OutboxEmail.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ref = seed_reference(today=timezone.localdate(now))
        requests = seed_requests(ref=ref, now=now)
        if not options["send_mail"]:  # the demo's own workflow mail is not for the console
            OutboxEmail.objects.filter(id__gt=last_mail, created_at__gte=now).delete()
        for fr in requests:
            self.stdout.write(f"{fr.reference:14} {fr.status:10} {fr.site_name}")
        self.stdout.write(self.style.SUCCESS(f"demo data ready: {len(requests)} requests"))
