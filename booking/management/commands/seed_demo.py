from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from booking.demo import seed_reference, seed_requests


class Command(BaseCommand):
    help = "Seed the demo organisations, framework, suppliers, users and requests (idempotent)."

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        ref = seed_reference(today=timezone.localdate(now))
        requests = seed_requests(ref=ref, now=now)
        for fr in requests:
            self.stdout.write(f"{fr.reference:14} {fr.status:10} {fr.site_name}")
        self.stdout.write(self.style.SUCCESS(f"demo data ready: {len(requests)} requests"))
