"""The backfill names the supplier of audit events written before events carried one."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from booking.models import AuditEvent, RequestStatus

pytestmark = pytest.mark.django_db


def test_older_events_get_the_supplier_of_the_records_they_name(cast, make_request):
    fr = make_request(RequestStatus.SCHEDULED)
    events = AuditEvent.objects.filter(flight_request=fr, action__in=["order", "accept", "schedule"])
    expected = {e.pk: e.supplier_id for e in events}
    assert set(expected.values()) == {cast.supplier.pk}
    AuditEvent.objects.model._base_manager.filter(pk__in=expected).update(supplier=None)  # as stored before
    submit = AuditEvent.objects.get(flight_request=fr, action="submit")
    migration = importlib.import_module("booking.migrations.0005_tag_older_audit_events")
    migration.tag(django_apps, None)
    for event in AuditEvent.objects.filter(pk__in=expected):
        assert event.supplier_id == expected[event.pk], event.action
    submit.refresh_from_db()
    assert submit.supplier_id is None  # not a supplier's work: every party reads it
