import pytest
from datetime import timedelta
from django.utils import timezone
from booking import services
from booking.models import RequestStatus

@pytest.mark.django_db
def test_smoke(cast, django_capture_on_commit_callbacks, mailoutbox):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        fr = services.flight_request_create(actor=cast.requester, now=now, **cast.request_fields(now=now))
        fr = services.flight_request_submit(actor=cast.requester, flight_request=fr, now=now)
    print(fr.status, fr.policy_outcome, list(fr.audit_events.values_list("action","to_state","data")))
    print([m.subject for m in mailoutbox], [m.to for m in mailoutbox])
