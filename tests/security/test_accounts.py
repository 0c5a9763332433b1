"""Accounts: sign-in lock-out after repeated failures (with its audit entry), Django's standard password
validators, API throttles, and the schema/Swagger UI closed to anonymous users."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import override_settings
from rest_framework.throttling import UserRateThrottle

PASSWORD = "Correct-horse-battery-9"


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("boss", "boss@council.example", PASSWORD)


@override_settings(AXES_FAILURE_LIMIT=5)
def test_wrong_passwords_lock_the_account_out(client, admin_user):
    for _ in range(5):
        wrong = client.post("/accounts/login/", {"username": "boss", "password": "guess"})
        assert "_auth_user_id" not in client.session
    right = client.post("/accounts/login/", {"username": "boss", "password": PASSWORD})
    assert wrong.status_code in (200, 429)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.filter(username="boss").exists()
    # the admin's login form is locked out too
    admin = client.post("/admin/login/", {"username": "boss", "password": PASSWORD})
    assert admin.status_code == 429 and "_auth_user_id" not in client.session


def test_a_few_failures_then_the_right_password_signs_in(client, admin_user):
    for _ in range(2):
        client.post("/accounts/login/", {"username": "boss", "password": "guess"})
    client.post("/accounts/login/", {"username": "boss", "password": PASSWORD})
    assert client.session.get("_auth_user_id") == str(admin_user.pk)


def test_lockout_writes_a_security_log_entry(client, admin_user, caplog):
    with caplog.at_level(logging.WARNING, logger="security"):
        for _ in range(6):
            client.post("/accounts/login/", {"username": "boss", "password": "guess"})
    assert any("locked out" in r.getMessage() and "boss" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("weak", ["password123", "12345678901", "boss-boss-boss"])
def test_standard_password_validators_refuse_weak_passwords(weak, db):
    user = get_user_model()(username="boss-boss-boss", email="x@council.example")
    with pytest.raises(ValidationError):
        validate_password(weak, user)
    validate_password(PASSWORD, user)


@pytest.mark.django_db
def test_api_is_throttled(client, admin_user, monkeypatch):
    cache.clear()
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "3/minute"})
    client.force_login(admin_user)
    codes = [client.get("/api/v1/surveys/").status_code for _ in range(4)]
    cache.clear()
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429


@pytest.mark.django_db
def test_schema_and_swagger_need_sign_in(client, admin_user):
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code in (401, 403)
    client.force_login(admin_user)
    assert client.get("/api/schema/").status_code == 200
