"""Server-rendered pages of the booking workflow. Thin: reads go through booking.selectors, every
change through booking.services; a service's refusal becomes a message (or a field error), never a 500."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import organisation_id_of, profile_of, role_of, supplier_id_of
from config.site import absolute_url

from . import exports, forms, selectors, services
from .actions import ACTIONS, ActionSpec
from .errors import BookingError
from .filters import FlightFilter, FlightRequestFilter, OrderFilter, filtered, form_fields, paginate
from .models import (
    BudgetCode,
    Deliverable,
    Flight,
    FlightRequest,
    FlightStatus,
    Framework,
    OrderStatus,
    Organisation,
    OrganisationKind,
    RequestStatus,
    Role,
)
from .money import financial_year, spend_summary
from .policy_panel import policy_panel
from .templatetags.booking_money import gbp
from .transitions import OPEN_STATES, SUPPLIER_EVIDENCE_RULES, allowed_actions, scheduled_flight

S = RequestStatus
ACTIVE_FOR_REQUESTER = OPEN_STATES  # every state with a way out (booking/transitions.py)


def _upcoming_flights(user: Any, now) -> Any:
    return (
        selectors.visible_flights(user)
        .filter(status=FlightStatus.SCHEDULED, scheduled_end__gte=now)
        .order_by("scheduled_start")[:10]
    )


def _request_surveys(flight_request: FlightRequest, user: Any):
    """The surveys (deliveries) of a request the user may see: a contractor only its own supplier's;
    everyone else who sees the request sees them all (as surveys.selectors.visible_surveys decides)."""
    qs = flight_request.surveys.select_related("site").order_by("pk")
    if role_of(user) == Role.CONTRACTOR:
        qs = qs.filter(supplier_id=supplier_id_of(user))
    return qs


# ---- dashboard -------------------------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user, now = request.user, timezone.now()
    role = role_of(user)
    requests_qs = selectors.visible_requests(user)
    ctx: dict[str, Any] = {"role": role, "upcoming": _upcoming_flights(user, now), "now": now}
    if role == Role.REQUESTER:
        counts = Counter(requests_qs.values_list("status", flat=True))
        ctx["state_counts"] = [
            (value, label, counts[value]) for value, label in S.choices if counts[value]
        ]
        ctx["active"] = requests_qs.filter(status__in=ACTIVE_FOR_REQUESTER)[:50]
        ctx["my_drafts"] = requests_qs.filter(status=S.DRAFT, requester=user)
        ctx["needs_me"] = requests_qs.filter(status__in=[S.DELIVERED, S.BLOCKED, S.REFUSED])
    elif role == Role.POLICY_OFFICER:
        ctx["awaiting"] = requests_qs.filter(status=S.REFERRED).order_by("updated_at")
        unsigned = selectors.visible_flights(user).filter(
            status=FlightStatus.SCHEDULED, signed_off_by__isnull=True
        )
        ctx["flights_to_sign_off"] = [f for f in unsigned.order_by("scheduled_start") if f.awaits_signoff]
        ctx["recent"] = requests_qs.filter(status__in=[S.APPROVED, S.REFUSED, S.BLOCKED]).order_by(
            "-updated_at"
        )[:10]
    elif role == Role.PROCUREMENT:
        ctx["to_order"] = requests_qs.filter(status=S.APPROVED).order_by("updated_at")
        ctx["orders"] = (
            selectors.visible_orders(user)
            .filter(status__in=[OrderStatus.OFFERED, OrderStatus.ACCEPTED, OrderStatus.DELIVERED])
            .order_by("-created_at")[:20]
        )
        ctx["spend"] = _spend(now)
    elif role == Role.CONTRACTOR:
        ctx["offered"] = (
            selectors.visible_orders(user).filter(status=OrderStatus.OFFERED).order_by("created_at")
        )
        held = requests_qs.filter(
            orders__supplier_id=supplier_id_of(user), orders__status=OrderStatus.ACCEPTED
        )
        ctx["to_schedule"] = held.filter(status=S.CONFIRMED)
        ctx["to_fly"] = held.filter(status=S.SCHEDULED)
        ctx["to_deliver"] = held.filter(status__in=[S.FLOWN, S.REWORK])
    elif role == Role.PLANNER:
        ctx["approved"] = requests_qs.filter(
            status__in=[S.APPROVED, S.ORDERED, S.CONFIRMED, S.SCHEDULED]
        )[:30]
        ctx["delivered"] = requests_qs.filter(status__in=[S.DELIVERED, S.COMPLETED])[:30]
    elif role == Role.ADMIN:
        counts = Counter(requests_qs.values_list("status", flat=True))
        ctx["state_counts"] = [
            (value, label, counts[value]) for value, label in S.choices if counts[value]
        ]
    # The surveys app's {% recent_surveys %} tag lists them (booking does not import surveys).
    ctx["show_surveys"] = role in {Role.PLANNER, Role.REQUESTER, Role.PROCUREMENT}
    return render(request, "dashboard.html", ctx)


# ---- requests --------------------------------------------------------------------------------------


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    filterset, qs = filtered(FlightRequestFilter, request, selectors.visible_requests(request.user))
    can_create = role_of(request.user) in {Role.REQUESTER, Role.ADMIN}
    return render(request, "booking/request_list.html", {
        "filter": filterset, "fields": form_fields(filterset, FlightRequestFilter.WEB_FIELDS), "can_create": can_create,
        **paginate(request, qs),
    })  # fmt: skip


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    filterset, qs = filtered(OrderFilter, request, selectors.visible_orders(request.user).order_by("-created_at", "-id"))
    return render(request, "booking/order_list.html", {
        "filter": filterset, "fields": form_fields(filterset, OrderFilter.WEB_FIELDS), **paginate(request, qs),
    })  # fmt: skip


@login_required
def flight_list(request: HttpRequest) -> HttpResponse:
    filterset, qs = filtered(FlightFilter, request, selectors.visible_flights(request.user).order_by("-scheduled_start", "-id"))
    return render(request, "booking/flight_list.html", {
        "filter": filterset, "fields": form_fields(filterset, FlightFilter.WEB_FIELDS), **paginate(request, qs),
    })  # fmt: skip


@login_required
def request_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The request list as shown (the same visibility and filters), every page of it."""
    _, qs = filtered(FlightRequestFilter, request, selectors.visible_requests(request.user))
    return exports.response([exports.request_sheet(qs)], stem="flight-requests", fmt=fmt)


@login_required
def order_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Orders with their values and POs, as the order list shows them."""
    _, qs = filtered(OrderFilter, request, selectors.visible_orders(request.user).order_by("-created_at", "-id"))
    return exports.response([exports.order_sheet(qs)], stem="orders", fmt=fmt)


@login_required
def spend_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Spend by budget (this financial year) and by lot (of the orders the order filters select)."""
    if role_of(request.user) not in {Role.PROCUREMENT, Role.ADMIN}:
        raise Http404("spend is for procurement")
    _, qs = filtered(OrderFilter, request, selectors.visible_orders(request.user))
    return exports.response(exports.spend_sheets(_spend(timezone.now()), qs), stem="spend", fmt=fmt)


def _budget_codes_for(user: Any):
    codes = BudgetCode.objects.filter(active=True).select_related("organisation")
    org_id = organisation_id_of(user)
    return codes.filter(organisation_id=org_id) if org_id else codes


@login_required
def request_create(request: HttpRequest) -> HttpResponse:
    if role_of(request.user) not in {Role.REQUESTER, Role.ADMIN}:
        raise Http404("only requesters create flight requests")
    budget_codes = _budget_codes_for(request.user)
    form = forms.FlightRequestForm(
        request.POST or None, request.FILES or None, budget_codes=budget_codes
    )
    if request.method == "POST" and form.is_valid():
        try:
            flight_request = services.flight_request_create(
                actor=request.user, now=timezone.now(), **form.service_kwargs()
            )
        except BookingError as exc:
            forms.attach_error(form, exc.field, exc.message)
        else:
            messages.success(
                request,
                f"Saved {flight_request.reference} as a draft. Estimated cost £{gbp(flight_request.estimated_cost)}: "
                "check the details and submit it for the policy check.",
            )
            return redirect("booking:request_detail", pk=flight_request.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "booking/request_form.html", {"form": form, "editing": None}, status=status
    )


@login_required
def request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    flight_request = get_object_or_404(selectors.visible_requests(request.user), pk=pk)
    if flight_request.status != S.DRAFT or "submit" not in allowed_actions(
        flight_request=flight_request, user=request.user
    ):
        messages.error(request, "Only a draft can be edited, by its requesting service.")
        return redirect("booking:request_detail", pk=pk)
    form = forms.FlightRequestForm(
        request.POST or None, request.FILES or None, initial=forms.initial_from(flight_request),
        budget_codes=BudgetCode.objects.filter(organisation_id=flight_request.organisation_id, active=True),
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.flight_request_update(
                actor=request.user,
                flight_request=flight_request,
                now=timezone.now(),
                **form.service_kwargs(),
            )
        except BookingError as exc:
            forms.attach_error(form, exc.field, exc.message)
        else:
            messages.success(request, f"Saved {flight_request.reference}.")
            return redirect("booking:request_detail", pk=pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "booking/request_form.html",
        {"form": form, "editing": flight_request},
        status=status,
    )


def _latest_policy_check(flight_request: FlightRequest, user: Any):
    """The latest stored check of this request the user may read (a contractor never reads a check of
    another supplier's plan)."""
    return (
        selectors.visible_checks(user)
        .filter(flight_request=flight_request)
        .order_by("-created_at", "-id")
        .first()
    )


def _action_forms(
    flight_request: FlightRequest, actions: list[str]
) -> list[tuple[str, ActionSpec, Any]]:
    """(action, spec, unbound form) for each action the user may take now, in workflow order."""
    order = flight_request.current_order
    return [
        (
            action,
            ACTIONS[action],
            ACTIONS[action].form(flight_request=flight_request, order=order, data=None),
        )
        for action in actions
        if action in ACTIONS
    ]


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    flight_request = get_object_or_404(selectors.visible_requests(user), pk=pk)
    actions = allowed_actions(flight_request=flight_request, user=user)
    if flight_request.status == S.APPROVED and role_of(user) in {Role.PROCUREMENT, Role.ADMIN}:
        actions.insert(actions.index("order") if "order" in actions else 0, "quote")
    surveys = _request_surveys(flight_request, user)
    ctx = {
        "fr": flight_request,
        # Suppliers see only their own (booking.selectors): orders, quotes, flights, events, checks.
        "timeline": _timeline(flight_request, user),
        "orders": selectors.request_orders(user=user, flight_request=flight_request),
        "current_order": flight_request.current_order,
        "quotes": selectors.request_quotes(user=user, flight_request=flight_request),
        "flights": selectors.request_flights(user=user, flight_request=flight_request),
        "cost_shown": selectors.shown_cost(user=user, flight_request=flight_request),
        "cost_is_own_order": role_of(user) == Role.CONTRACTOR,
        "check": _latest_policy_check(flight_request, user),
        "action_forms": _action_forms(flight_request, actions),
        "actions": actions,
        "surveys": surveys,
        "can_edit": flight_request.status == S.DRAFT and "submit" in actions,
        "documents": forms.document_lines(flight_request.documents),
        "deliverable_labels": [DELIVERABLES.get(c, c) for c in flight_request.deliverables or []],
        "takeoff": _takeoff_geojson(flight_request),
        **_delivery_context(flight_request, user),
    }
    ctx["policy_panel"] = _policy_panel(flight_request, ctx["check"], user)
    if {"schedule", "reschedule"} & set(actions):
        ctx["daylight"] = _daylight(flight_request)
    return render(request, "booking/request_detail.html", ctx)


#: The scheduling page lists sun and night times for at most this many days of the window.
DAYLIGHT_DAYS = 31


def _daylight(flight_request: FlightRequest) -> dict:
    """Sunrise, sunset and the policy's night boundaries at the site for each day of the window, in
    local time, so the contractor can see before choosing a slot where night begins."""
    from datetime import timedelta

    from shapely.geometry import shape

    from policy.core.daylight import day_summary
    from policy.selectors import current_policy_version, policy_settings

    settings_ = policy_settings(current_policy_version())
    centre = shape(flight_request.area).centroid
    first = timezone.localtime(flight_request.window_start).date()
    last = timezone.localtime(flight_request.window_end).date()

    def local(value: str | None):
        from datetime import datetime

        return timezone.localtime(datetime.fromisoformat(value)) if value else None

    rows = []
    day = first
    while day <= last and len(rows) < DAYLIGHT_DAYS:
        summary = day_summary(
            centre.y, centre.x, day, settings_.night_definition,
            depression=settings_.night_depression_deg, ano_offset_min=settings_.ano_night_offset_min,
        )  # fmt: skip
        rows.append({
            "day": day, "sunrise": local(summary["sunrise"]), "sunset": local(summary["sunset"]),
            "night_ends": local(summary["night_ends"]), "night_starts": local(summary["night_starts"]),
            "all_day_night": summary["all_day_night"], "label": summary["label"],
        })  # fmt: skip
        day += timedelta(days=1)
    return {"rows": rows, "label": rows[0]["label"] if rows else "", "truncated": day <= last}


def _policy_panel(flight_request: FlightRequest, check: Any, user: Any):
    flight = scheduled_flight(flight_request) if flight_request.status == S.SCHEDULED else None
    if flight is not None and role_of(user) == Role.CONTRACTOR and flight.supplier_id != supplier_id_of(user):
        flight = None  # another supplier's flight (a decliner never reads the winner's findings)
    return policy_panel(
        status=flight_request.status,
        stage=getattr(check, "stage", None),
        findings=list(getattr(check, "findings", None) or []),
        supplier_rules=SUPPLIER_EVIDENCE_RULES,
        awaiting=flight.signoff_findings if flight is not None and flight.awaits_signoff else (),
    )


def _delivery_context(flight_request: FlightRequest, user: Any) -> dict:
    """The delivery section: the delivered survey's conformance result, and for the contractor holding the
    order once the flight is flown (or returned for rework), the way to the survey's upload page."""
    from .fulfilment import conformance_outcome, delivered_survey

    survey = delivered_survey(flight_request)
    if survey is not None and role_of(user) == Role.CONTRACTOR and survey.supplier_id != supplier_id_of(user):
        survey = None  # another supplier's delivery
    order = flight_request.current_order
    can_upload = flight_request.status in {S.FLOWN, S.REWORK} and order is not None and (
        role_of(user) == Role.ADMIN
        or (role_of(user) == Role.CONTRACTOR and supplier_id_of(user) == order.supplier_id)
    )
    return {
        "delivery_survey": survey,
        "delivery_outcome": conformance_outcome(survey.conformance) if survey is not None else None,
        "delivery_checks": (survey.conformance or {}).get("checks", []) if survey is not None else [],
        "open_survey_url": reverse("surveys:open_for_request", kwargs={"pk": flight_request.pk}) if can_upload else None,
    }


def _takeoff_geojson(flight_request: FlightRequest) -> dict:
    points = [
        p
        for p in flight_request.takeoff_points or []
        if isinstance(p, (list, tuple)) and len(p) == 2
    ]
    feature = {"type": "Feature", "properties": {"name": "Take-off / landing"}}
    return {"type": "FeatureCollection",
            "features": [{**feature, "geometry": {"type": "Point", "coordinates": p}} for p in points]}  # fmt: skip


DELIVERABLES = dict(Deliverable.choices)
ACTION_LABELS = {
    "create": "Created", "update": "Edited", "submit": "Submitted", "policy_check": "Policy check",
    "approve": "Approved", "refuse": "Refused", "revise": "Revised", "order": "Order placed",
    "accept": "Order accepted", "decline": "Order declined", "schedule": "Scheduled", "reschedule": "Rescheduled",
    "approve_flight": "Flight signed off", "refuse_flight": "Flight refused", "quote": "Quote recorded",
    "offer": "Order offered", "offer_failed": "Order could not be offered",
    "preflight_check": "Day-of-flight check", "record_flight": "Flight recorded", "deliver": "Delivered",
    "accept_delivery": "Delivery accepted", "return_delivery": "Returned for rework", "cancel": "Cancelled",
    "upload_started": "Upload started", "upload_finished": "Upload finished", "upload_refused": "Upload refused",
    "delivery_declared": "Delivery declared", "conformance_checked": "Conformance checked",
    "map_queued": "Map build queued", "map_rebuild_queued": "Map rebuild queued", "map_built": "Map built",
    "map_started": "Map build started", "map_cancelled": "Map build cancelled",
    "map_failed": "Map build failed", "schedule_refused": "Scheduling refused",
    "reschedule_refused": "Reschedule refused", "file_downloaded": "File downloaded",
}  # fmt: skip


def _timeline(flight_request: FlightRequest, user: Any) -> list[Any]:
    """The audit trail this user may read, with readable action and state names."""
    states = dict(S.choices)
    events = selectors.audit_trail_for(user=user, flight_request=flight_request)
    for event in events:
        event.label = ACTION_LABELS.get(event.action, event.action.replace("_", " ").capitalize())
        event.from_label = states.get(event.from_state, event.from_state or "new")
        event.to_label = states.get(event.to_state, event.to_state)
    return events


@login_required
@require_POST
def request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Take one workflow action; the services decide whether it is allowed."""
    user = request.user
    flight_request = get_object_or_404(selectors.visible_requests(user), pk=pk)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("unknown action")
    form = spec.form(
        flight_request=flight_request, order=flight_request.current_order, data=request.POST
    )
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{spec.title}: {label + ': ' if label else ''}{error}")
        return redirect("booking:request_detail", pk=pk)
    try:
        note = spec.run(user=user, flight_request=flight_request, data=form.cleaned_data, form=form)
    except BookingError as exc:
        messages.error(request, f"{spec.title} refused: {exc.message}")
        return redirect("booking:request_detail", pk=pk)
    messages.success(request, note)
    if not selectors.visible_requests(user).filter(pk=pk).exists():
        return redirect("booking:dashboard")
    return redirect("booking:request_detail", pk=pk)


# ---- money and profile -----------------------------------------------------------------------------


def _spend(now) -> dict:
    summary = spend_summary(
        budget_codes=BudgetCode.objects.select_related("organisation").order_by(
            "organisation__name", "code"
        ),
        frameworks=Framework.objects.all(),
        now=now,
    )
    for row in summary["budgets"] + summary["frameworks"]:
        limit, total = float(row["limit"]), float(row["limit"]) - float(row["remaining"])
        row["percent"] = min(100, round(100 * total / limit)) if limit > 0 else 100
        row["over"] = total > limit
    return summary


@login_required
def spend(request: HttpRequest) -> HttpResponse:
    if role_of(request.user) not in {Role.PROCUREMENT, Role.ADMIN}:
        raise Http404("spend is for procurement")
    now = timezone.now()
    orders = selectors.visible_orders(request.user).order_by("-created_at")[:100]
    partners = Organisation.objects.filter(kind=OrganisationKind.PARTNER).order_by("name")
    recharge = [(org, reverse("booking-recharge", kwargs={"organisation_id": org.pk})) for org in partners]
    financial_year_start = financial_year(now)[0].date()
    return render(request, "booking/spend.html", {
        "spend": _spend(now), "orders": orders, "recharge": [r for r in recharge if r[1]],
        "period_start": financial_year_start, "period_end": timezone.localdate(now),
    })  # fmt: skip


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    prof = profile_of(user)
    feed_url = None
    if prof is not None:
        path = reverse("booking-calendar", kwargs={"token": prof.calendar_token})
        feed_url = absolute_url(path)  # SITE_URL: the address calendar apps can reach
    flights: Any = Flight.objects.none()
    if prof is not None:
        flights = selectors.calendar_flights(user).order_by("scheduled_start")[:20]
    return render(
        request, "booking/profile.html", {"profile": prof, "feed_url": feed_url, "flights": flights}
    )


@login_required
@require_POST
def calendar_token_rotate(request: HttpRequest) -> HttpResponse:
    """A new secret calendar address for the signed-in user; the old one stops working at once."""
    try:
        services.calendar_token_rotate(actor=request.user, now=timezone.now())
    except BookingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Your calendar feed has a new address. The old address no longer works: "
                                  "subscribe to the new one in your calendar app.")
    return redirect(reverse("booking:profile") + "#calendar")
