"""manage.py policy_version --set NAME=VALUE ... --note "why" : publish a new policy version.

Values are JSON (numbers, true/false, "2026-01-01", [9,10,11,12]); unknown names are refused.
Without --set it prints the current version's settings.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from policy import selectors, services
from policy.core import SettingsError


class Command(BaseCommand):
    help = "Show the current policy settings, or publish a new version with changed thresholds."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
        parser.add_argument("--note", default="", help="What changed and why (required with --set)")

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        current = services.ensure_default_policy()
        if not opts["set"]:
            out = {"version": current.number, "settings": selectors.policy_settings(current).to_dict()}
            self.stdout.write(json.dumps(out, indent=2))
            return
        changes = {}
        for item in opts["set"]:
            name, sep, raw = item.partition("=")
            if not sep or not name:
                raise CommandError(f"--set {item!r}: expected NAME=VALUE")
            try:
                changes[name.strip()] = json.loads(raw)
            except json.JSONDecodeError:
                changes[name.strip()] = raw
        try:
            version = services.policy_version_create(settings=changes, change_note=opts["note"])
        except SettingsError as exc:
            raise CommandError(str(exc)) from None
        except ValueError as exc:
            raise CommandError(f"--note: {exc}") from None
        self.stdout.write(f"Policy v{version.number} is now current ({', '.join(sorted(changes))} changed)")
