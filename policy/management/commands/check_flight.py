"""manage.py check_flight PLAN.json : print the policy decision as JSON.

Exit 0 whatever the outcome; exit 2 with a message naming the field when the plan is malformed.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from policy import services
from policy.core import PlanError


class Command(BaseCommand):
    help = "Evaluate a flight plan JSON file against the current policy and zone data; print the decision."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("plan", help="Flight plan JSON file (schema in docs/policy.md), or - for stdin")
        parser.add_argument("--now", help="Evaluate as at this ISO 8601 time (default: now)")
        parser.add_argument("--stage", default="submission", choices=["submission", "scheduling", "day_of_flight"])

    def _fail(self, message: str) -> None:
        self.stderr.write(message)
        sys.exit(2)

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        try:
            raw = sys.stdin.read() if opts["plan"] == "-" else Path(opts["plan"]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return self._fail(f"plan: cannot read {opts['plan']}: {exc}")
        try:
            plan = json.loads(raw)
        except json.JSONDecodeError as exc:
            return self._fail(f"plan: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")
        now = timezone.now()
        if opts["now"]:
            try:
                now = datetime.fromisoformat(opts["now"])
            except ValueError:
                return self._fail(f"--now: {opts['now']!r} is not an ISO 8601 date and time")
            if now.tzinfo is None:
                return self._fail("--now: needs a UTC offset")
        try:
            decision, version, data = services.policy_evaluate(plan=plan, now=now, stage=opts["stage"])
        except PlanError as exc:
            return self._fail(f"malformed plan: {exc.field}: {exc.message}")
        self.stdout.write(json.dumps(services.decision_json(decision, version, data.version), indent=2))
