from __future__ import annotations

from django.core.management.base import BaseCommand
from django.test.utils import override_settings
from django.utils import timezone

from booking.demo import seed_reference, seed_requests


class Command(BaseCommand):
    help = "Seed the demo organisations, framework, suppliers, users and requests (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--send-mail",
            action="store_true",
            help="send the workflow emails (default: kept out of the console)",
        )

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        backend = None if options["send_mail"] else "django.core.mail.backends.locmem.EmailBackend"
        with override_settings(**({"EMAIL_BACKEND": backend} if backend else {})):
            ref = seed_reference(today=timezone.localdate(now))
            requests = seed_requests(ref=ref, now=now)
        for fr in requests:
            self.stdout.write(f"{fr.reference:14} {fr.status:10} {fr.site_name}")
        self.stdout.write(self.style.SUCCESS(f"demo data ready: {len(requests)} requests"))
