"""Schemathesis against the OpenAPI schema, once per role, through the real Django WSGI application.

The engine (`fuzz_roles`) is shared with the short CI run in tests/security/test_schemathesis.py; run this module
for the long run (a fresh PostgreSQL or SQLite database is created and thrown away by the Django test runner):

    .venv/bin/python -m bench.api_fuzz --examples 50

Each operation of the schema gets `--examples` generated cases per role (anonymous, requester, procurement
officer, contractor, admin); every response is checked for: no 5xx, a content type the schema declares and, for
the status codes the schema documents, a body that conforms to the schema. Undocumented status codes (403, 404,
400 on invalid input: drf-spectacular documents only the success) are counted, not failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

ROLES = ("anonymous", "requester", "procurement", "contractor", "admin")


@dataclass
class Failure:
    role: str
    operation: str
    kind: str
    detail: str
    reproduce: str


@dataclass
class Report:
    cases: int = 0
    operations: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "operations_x_roles": self.operations,
            "statuses": dict(sorted(self.statuses.items())),
            "failures": len(self.failures),
            "seconds": round(self.seconds, 1),
        }


@contextlib.contextmanager
def in_process_requests() -> Iterator[None]:
    """Let the WSGI handler run inside a test transaction: Django closes "obsolete" connections on each request
    (a connection in an atomic block looks obsolete), so unhook that as Django's own test client does."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def role_tokens(cast: Any) -> dict[str, dict[str, str]]:
    """Authorization headers per role (DRF tokens of the cast's users); anonymous sends none."""
    from rest_framework.authtoken.models import Token

    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in ROLES[1:]:
        token, _ = Token.objects.get_or_create(user=getattr(cast, role))
        headers[role] = {"Authorization": f"Token {token.key}"}
    return headers


def fetch_schema(admin_headers: dict[str, str]) -> dict[str, Any]:
    """The schema as the API serves it (signed in: the schema may require it)."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=admin_headers["Authorization"])
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    if response.status_code != 200:  # a schema view that accepts sessions only
        from rest_framework.authtoken.models import Token

        key = admin_headers["Authorization"].split()[1]
        client.force_login(Token.objects.get(key=key).user)
        response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200, response.status_code
    return json.loads(response.content)


def _one_operation(operation: Any, app: Any, role_headers: dict[str, str], role: str, report: Report,
                   checks: list[Any], max_examples: int, *, derandomize: bool) -> Any:
    import werkzeug
    from hypothesis import HealthCheck, Phase, given, settings

    @settings(max_examples=max_examples, deadline=None, database=None, derandomize=derandomize,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate], print_blob=False)
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        # A fresh client per case: no cookie (a session another role was given) carries over.
        response = case.call(app=app, headers=role_headers, session=werkzeug.Client(app))
        report.cases += 1
        report.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=checks, headers=role_headers)
        except (Exception, BaseExceptionGroup) as error:  # a FailureGroup is a BaseExceptionGroup
            report.failures.append(Failure(
                role=role, operation=operation.label, kind=type(error).__name__,
                detail=str(error)[:2000], reproduce=case.as_curl_command(headers=role_headers),
            ))

    return run


def fuzz_roles(schema_dict: dict[str, Any], headers: dict[str, dict[str, str]], *, max_examples: int,
               roles: tuple[str, ...] = ROLES, seed: int | None = 0, deadline_s: float | None = None) -> Report:
    """Generate `max_examples` cases per operation and role, call the WSGI app in-process, check each response."""
    import schemathesis
    from django.core.cache import cache
    from django.core.wsgi import get_wsgi_application
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
    )

    # tus chunks (PATCH /uploads/{id}/) are raw bytes, sent as schemathesis sends application/octet-stream.
    schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
    checks = [not_a_server_error, content_type_conformance, response_schema_conformance]
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_dict(schema_dict)
    report = Report()
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    with in_process_requests():
        for role in roles:
            for operation in operations:
                if deadline_s is not None and time.monotonic() - started > deadline_s:
                    break
                report.operations += 1
                cache.clear()  # DRF throttles count in the cache; each operation starts afresh

                run = _one_operation(operation, app, headers[role], role, report, checks, max_examples,
                                     derandomize=seed is not None)
                try:
                    run()
                except (Exception, BaseExceptionGroup) as error:  # a FailureGroup is a BaseExceptionGroup
                    report.failures.append(Failure(role=role, operation=operation.label, kind=type(error).__name__,
                                                   detail=traceback.format_exc()[-3000:], reproduce=""))
    report.seconds = time.monotonic() - started
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=50, help="cases per operation and role")
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--out", default="", help="write the failures as JSON here")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.test.runner import DiscoverRunner
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    runner = DiscoverRunner(verbosity=0)
    old = runner.setup_databases()
    try:
        from tests.factories import make_cast
        from tests.surveys.helpers import make_delivery

        cast = make_cast()
        make_delivery(cast)  # one survey, so that some generated ids exist
        headers = role_tokens(cast)
        schema = fetch_schema(headers["admin"])
        report = fuzz_roles(schema, headers, max_examples=args.examples, roles=tuple(args.roles.split(",")),
                            seed=None)
    finally:
        runner.teardown_databases(old)
        teardown_test_environment()
    print(json.dumps(report.summary(), indent=2))
    for failure in report.failures[:50]:
        print(f"--- {failure.role} {failure.operation}: {failure.kind}\n{failure.detail}\n{failure.reproduce}")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump([failure.__dict__ for failure in report.failures], fh, indent=2)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
