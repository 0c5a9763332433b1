"""The workflow actions offered on the request page: for each, its form, the service it calls and
the message on success. booking.views.request_action runs them; the services decide what is allowed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from . import action_forms as af
from . import services
from .templatetags.booking_money import gbp


@dataclass(frozen=True)
class ActionSpec:
    """One button/form on the request page: its form, the service call and the success message."""

    title: str
    form: Callable[..., Any]
    run: Callable[..., str]
    button: str = ""
    style: str = ""
    help: str = ""


def _run_order(*, user, flight_request, data, form) -> str:
    order = services.flight_request_order(
        actor=user, flight_request=flight_request, now=timezone.now(), supplier=data.get("supplier"),
        quote=data.get("quote"), override_reason=data.get("override_reason", ""),
    )  # fmt: skip
    return f"Order {order.po_number} (£{gbp(order.value)}) offered to {order.supplier}."


def _run_quote(*, user, flight_request, data, form) -> str:
    quote = services.quote_add(
        actor=user, flight_request=flight_request, now=timezone.now(), supplier=data["supplier"],
        amount=data["amount"], notes=data.get("notes", ""),
    )  # fmt: skip
    return f"Quote of £{gbp(quote.amount)} from {quote.supplier} recorded."


def _run_decline(*, user, flight_request, data, form) -> str:
    new_order = services.order_decline(
        actor=user, flight_request=flight_request, now=timezone.now(), reason=data["reason"]
    )
    if new_order is None:
        return "Order declined; procurement will decide what happens next."
    return "Order declined; it passes to the next supplier on the lot."  # whose order is not the decliner's to read


def _run_schedule(*, user, flight_request, data, form) -> str:
    flight = services.flight_schedule(
        actor=user, flight_request=flight_request, now=timezone.now(), scheduled_start=data["scheduled_start"],
        scheduled_end=data["scheduled_end"], pilot=data["pilot"], aircraft=data["aircraft"],
        operation=form.operation(),
    )  # fmt: skip
    when = timezone.localtime(flight.scheduled_start)
    return f"Flight scheduled for {when:%d %b %Y %H:%M} with {flight.pilot.name} and {flight.aircraft.name}."


def _run_reschedule(*, user, flight_request, data, form) -> str:
    flight = services.flight_reschedule(
        actor=user, flight_request=flight_request, now=timezone.now(), scheduled_start=data["scheduled_start"],
        scheduled_end=data["scheduled_end"], reason=data["reason"],
    )  # fmt: skip
    return f"Flight moved to {timezone.localtime(flight.scheduled_start):%d %b %Y %H:%M}."


def _run_preflight(*, user, flight_request, data, form) -> str:
    summary = services.flight_preflight_check(
        actor=user, flight_request=flight_request, now=timezone.now(), weather=form.weather()
    )
    return f"Day-of-flight check recorded: {summary.get('outcome', 'not checked')}."


def _run_record(*, user, flight_request, data, form) -> str:
    services.flight_record(
        actor=user,
        flight_request=flight_request,
        now=timezone.now(),
        flight_log=form.flight_log(),
        weather=form.weather(),
        time_reason=data.get("time_reason", ""),
    )
    return "Flight recorded as flown."


def _simple(service: Callable[..., Any], message: str, *, reason_kw: str | None = "reason"):
    def run(*, user, flight_request, data, form) -> str:
        kwargs = {reason_kw: data.get("reason", "")} if reason_kw else {}
        service(actor=user, flight_request=flight_request, now=timezone.now(), **kwargs)
        return message

    return run


ACTIONS: dict[str, ActionSpec] = {
    "submit": ActionSpec(
        "Submit", af.plain(af.EmptyForm), _simple(services.flight_request_submit, "Submitted.", reason_kw=None),
        button="Submit for the policy check",
        help="The policy check runs at once: a pass approves it; anything needing sign-off goes to a policy officer.",
    ),
    "approve": ActionSpec("Approve", af.plain(af.OptionalReasonForm),
                          _simple(services.flight_request_approve, "Approved."), button="Approve"),
    "refuse": ActionSpec("Refuse", af.plain(af.ReasonForm),
                         _simple(services.flight_request_refuse, "Refused."), button="Refuse", style="danger"),
    "revise": ActionSpec("Revise", af.plain(af.OptionalReasonForm),
                         _simple(services.flight_request_revise, "Back to draft: edit and submit again."),
                         button="Revise as a draft", style="secondary"),
    "quote": ActionSpec("Record a quote", af.quote_form, _run_quote, button="Record quote", style="secondary",
                        help="A supplier's quote for this request; a second quote from the same supplier replaces it."),
    "order": ActionSpec("Place order", af.order_form, _run_order, button="Place call-off order",
                        help="Over a budget or the framework ceiling is refused unless you give an override reason."),
    "accept": ActionSpec("Accept order", af.plain(af.EmptyForm),
                         _simple(services.order_accept, "Order accepted.", reason_kw=None), button="Accept order"),
    "decline": ActionSpec("Decline order", af.plain(af.ReasonForm), _run_decline, button="Decline",
                          style="danger"),
    "schedule": ActionSpec("Schedule", af.schedule_form, _run_schedule, button="Schedule flight",
                           help="The policy check runs again for the date, pilot and aircraft."),
    "reschedule": ActionSpec("Reschedule", af.plain(af.RescheduleForm), _run_reschedule, button="Reschedule",
                             style="secondary"),
    "approve_flight": ActionSpec("Sign off the flight", af.plain(af.OptionalReasonForm),
                                 _simple(services.flight_approve, "Flight signed off: the contractor may fly."),
                                 button="Sign off flight",
                                 help="The scheduling check referred the flight to an officer (rules listed under Flights)."),
    "refuse_flight": ActionSpec("Refuse the flight", af.plain(af.ReasonForm),
                                _simple(services.flight_refuse, "Flight refused: the contractor must schedule again."),
                                button="Refuse flight", style="danger"),
    "preflight_check": ActionSpec("Day-of-flight check", af.plain(af.WeatherForm), _run_preflight,
                                  button="Record conditions and check", style="secondary"),
    "record_flight": ActionSpec("Record flight", af.plain(af.RecordFlightForm), _run_record,
                                button="Record flight"),
    # No "deliver" here: the contractor delivers on the survey page (upload, then declare it delivered), reached
    # from the request page's "Upload and deliver" button; booking records it only through that survey.
    "accept_delivery": ActionSpec("Accept delivery", af.accept_delivery_form,
                                  _simple(services.flight_request_accept_delivery, "Delivery accepted."),
                                  button="Accept delivery",
                                  help="Check the delivery's conformance result above. Accepting a delivery that "
                                       "did not pass needs a reason, kept in the audit trail."),
    "return_delivery": ActionSpec("Return for rework", af.plain(af.ReasonForm),
                                  _simple(services.flight_request_return_delivery, "Returned for rework."),
                                  button="Return for rework", style="danger"),
    "cancel": ActionSpec("Cancel request", af.plain(af.ReasonForm),
                         _simple(services.flight_request_cancel, "Request cancelled."), button="Cancel request",
                         style="danger"),
}  # fmt: skip
