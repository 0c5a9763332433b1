"""Schemathesis against the served OpenAPI schema, once per role (anonymous, requester, procurement officer,
contractor, admin), through the real WSGI application: no response is a server error, content types are the
declared ones, and documented responses conform to the schema. A short run (a few cases per operation and role);
the long run is `python -m bench.api_fuzz`."""

from __future__ import annotations

import pytest

from bench.api_fuzz import ROLES, fetch_schema, fuzz_roles, role_tokens
from tests.factories import make_cast
from tests.surveys.helpers import make_delivery

pytestmark = pytest.mark.django_db


def test_every_role_gets_no_server_error_and_conforming_responses():
    cast = make_cast()
    make_delivery(cast)
    headers = role_tokens(cast)
    schema = fetch_schema(headers["admin"])
    report = fuzz_roles(schema, headers, max_examples=3, seed=0)
    operations = sum(1 for path in schema["paths"].values() for method in path
                     if method in ("get", "post", "put", "patch", "delete"))
    assert report.operations == operations * len(ROLES)
    assert report.cases >= report.operations
    # Signed-in roles reach real answers, not only refusals.
    assert report.statuses[200] > 0 and report.statuses.get(401, 0) + report.statuses.get(403, 0) > 0
    assert not report.failures, "\n\n".join(
        f"{f.role} {f.operation}: {f.kind}\n{f.detail}\n{f.reproduce}" for f in report.failures[:10])
