from __future__ import annotations

from django.core.management.base import BaseCommand

from demo.seed import DEMO_PASSWORD, USERS


class Command(BaseCommand):
    help = "Print the demo logins created by seed_demo."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for username, (role, org, supplier, name) in USERS.items():
            where = org or supplier or "council"
            self.stdout.write(f"  {username:18} {role.label:22} {where:30} {name}")
