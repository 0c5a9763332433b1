"""The OpenAPI schema of the whole API generates cleanly (no errors, no warnings, valid OpenAPI 3), names every
/api/v1/ route, and the schema and Swagger UI pages answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.urls import get_resolver

from tests.test_visibility_matrix import all_routes


def test_spectacular_validates_without_warnings(tmp_path: Path, capsys):
    out = tmp_path / "schema.yaml"
    # --fail-on-warn turns every "unable to guess serializer" or enum-name collision into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    captured = capsys.readouterr()
    assert "Warning" not in captured.err and "Error" not in captured.err, captured.err
    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for expected in (
        "/api/v1/requests/{reference}/",
        "/api/v1/surveys/{survey_id}/tilejson.json",
        "/api/v1/uploads/{upload_id}/",
        "/api/v1/jobs/{id}/",
        "/api/v1/policy/evaluate",
    ):
        assert expected in paths, sorted(paths)


def _shape(path: str) -> str:
    """A path with every parameter ({id} in the schema, %(pk)s in Django) written as {}."""
    return re.sub(r"\{[^}]*\}|%\([^)]*\)s", "{}", "/" + path.strip("/") + "/")


def test_every_api_route_is_in_the_schema(tmp_path: Path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    documented = {_shape(p) for p in yaml.safe_load(out.read_text())["paths"]}
    resolver = get_resolver()
    routes = {
        "/" + possibility[0][0]
        for name in all_routes()
        for possibility, *_ in resolver.reverse_dict.getlist(name)
    }
    api = {r for r in routes if r.startswith("/api/v1/")}
    assert len(api) > 50
    missing = sorted(r for r in api if _shape(r) not in documented)
    assert not missing, f"API routes missing from the schema: {missing}"


@pytest.mark.django_db
def test_schema_and_docs_pages_answer(client, django_user_model):
    # Signed-in users only (tests/security/test_accounts.py checks that anonymous users are refused).
    client.force_login(django_user_model.objects.create_user("reader"))
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert yaml.safe_load(schema.content)["info"]["title"]
    json_schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert json_schema.status_code == 200 and json_schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    # Swagger UI from drf-spectacular-sidecar (no CDN); the schema address is in its split-out script.
    assert b"swagger" in docs.content.lower() and b"/static/" in docs.content
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and b"/api/schema/" in script.content
