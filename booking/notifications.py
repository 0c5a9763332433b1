"""Email to whoever must act next, written to the outbox (`notify`) in the transaction of the change.

Nothing talks to a mail server here: the job runner, Celery or `manage.py send_outbox` sends the rows later and
retries them, so a dead SMTP server can neither fail the change nor lose the notification; a rollback drops it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from notify.services import outbox_queue

from .models import FlightRequest, FlightStatus, OrderStatus, RequestStatus, Role

#: Who must act (or needs to know) once a request reaches a state.
NEXT_ACTOR: dict[str, tuple[str, ...]] = {
    RequestStatus.REFERRED: ("policy_officers",),
    RequestStatus.BLOCKED: ("requester",),
    RequestStatus.REFUSED: ("requester",),
    RequestStatus.APPROVED: ("procurement", "requester"),
    RequestStatus.ORDERED: ("supplier",),
    RequestStatus.CONFIRMED: ("supplier", "requester"),
    RequestStatus.SCHEDULED: ("requester", "supplier"),
    RequestStatus.FLOWN: ("supplier",),
    RequestStatus.DELIVERED: ("requester",),
    RequestStatus.REWORK: ("supplier",),
    RequestStatus.COMPLETED: ("procurement", "supplier"),
    RequestStatus.CANCELLED: ("requester", "supplier", "procurement"),
}


def _role_emails(role: str) -> set[str]:
    users = get_user_model().objects.filter(profile__role=role, is_active=True).exclude(email="")
    return set(users.values_list("email", flat=True))


def recipients(*, flight_request: FlightRequest, state: str) -> list[str]:
    emails: set[str] = set()
    who_acts = NEXT_ACTOR.get(state, ())
    if state == RequestStatus.SCHEDULED and any(
        f.awaits_signoff for f in flight_request.flights.filter(status=FlightStatus.SCHEDULED)
    ):
        who_acts = (*who_acts, "policy_officers")  # the flight needs an officer's sign-off
    for who in who_acts:
        if who == "requester" and flight_request.requester.email:
            emails.add(flight_request.requester.email)
        elif who == "policy_officers":
            emails |= _role_emails(Role.POLICY_OFFICER)
        elif who == "procurement":
            emails |= _role_emails(Role.PROCUREMENT)
        elif who == "supplier":
            order = (
                flight_request.orders.filter(
                    status__in=[*OrderStatus.live(), OrderStatus.CANCELLED]
                )
                .select_related("supplier")
                .order_by("-created_at")
                .first()
            )
            if order is not None:
                if order.supplier.email:
                    emails.add(order.supplier.email)
                users = get_user_model().objects.filter(
                    profile__role=Role.CONTRACTOR, profile__supplier=order.supplier, is_active=True
                )
                emails |= {u.email for u in users if u.email}
    return sorted(emails)


def request_url(flight_request: FlightRequest) -> str:
    """Absolute link to the request's page (the web app's `booking:request_detail`)."""
    path = reverse("booking:request_detail", kwargs={"pk": flight_request.pk})
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def notify_transition(
    *, flight_request: FlightRequest, action: str, state: str, reason: str = "", message: str = ""
) -> None:
    """Queue one email about the transition in the outbox (nothing is sent on rollback)."""
    to = recipients(flight_request=flight_request, state=state)
    if not to:
        return
    label = RequestStatus(state).label if state in RequestStatus.values else state
    if state == RequestStatus.SCHEDULED and any(
        f.awaits_signoff for f in flight_request.flights.filter(status=FlightStatus.SCHEDULED)
    ):
        label = f"{label}, awaiting a policy officer's sign-off"
    subject = f"[{flight_request.reference}] {flight_request.site_name}: {label}"
    lines = [
        f"Request {flight_request.reference} ({flight_request.site_name}) is now: {label}.",
        f"Action: {action.replace('_', ' ')}.",
    ]
    if reason:
        lines.append(f"Reason: {reason}")
    if message:
        lines.append(message)
    lines.append(request_url(flight_request))
    body = "\n".join(lines)
    # The outbox works on the wall clock (the sender compares against it), whatever `now` the change used.
    outbox_queue(to=to, subject=subject, body=body, now=timezone.now())


def notify_policy_officers(*, flight_request: FlightRequest, subject: str, body: str) -> None:
    """Queue an e-mail in the outbox to the policy officers about something they should look at."""
    to = sorted(_role_emails(Role.POLICY_OFFICER))
    if not to:
        return
    full_subject = f"[{flight_request.reference}] {flight_request.site_name}: {subject}"
    text = f"{body}\n{request_url(flight_request)}"
    outbox_queue(to=to, subject=full_subject, body=text, now=timezone.now())
