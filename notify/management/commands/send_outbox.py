"""Send due outbox e-mail once (for cron), or keep polling with --watch."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from notify import services


class Command(BaseCommand):
    help = "Send the e-mails in the outbox that are due (retries with back-off; gives up after EMAIL_MAX_ATTEMPTS)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=500, help="most e-mails to send in one pass")
        parser.add_argument("--watch", action="store_true", help="keep polling until interrupted")
        parser.add_argument("--poll", type=float, default=5.0, help="seconds between passes with --watch")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            while True:
                report = services.outbox_send_due(now=timezone.now(), limit=max(1, opts["limit"]))
                if report.sent or report.retrying or report.failed or not opts["watch"]:
                    self.stdout.write(f"outbox: {report}")
                if not opts["watch"]:
                    return
                close_old_connections()
                time.sleep(max(0.1, opts["poll"]))
        except KeyboardInterrupt:
            return
