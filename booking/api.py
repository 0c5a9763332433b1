"""REST API (mounted at /api/v1/). Visibility is decided in get_queryset (anything else is a 404);
transitions are actions that call booking.services; domain errors become 400/403/409, never 500."""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole
from accounts.roles import OFFICER_ROLES, organisation_id_of, role_of, supplier_id_of
from policy import services as policy_services
from policy.serializers import PolicyCheckSerializer

from . import services
from .errors import BookingError
from .filters import FlightFilter, FlightRequestFilter, ListPagination, OrderFilter
from .fulfilment import DELIVER_THROUGH_SURVEY
from .ical import calendar_feed, profile_for_token
from .models import BudgetCode, Framework, Lot, Organisation, Role, Supplier
from .money import spend_summary
from .recharge import recharge_statement, statement_csv, statement_pdf
from .selectors import (
    audit_trail_for,
    visible_checks,
    visible_flights,
    visible_orders,
    visible_requests,
)
from .serializers import (
    AuditEventSerializer,
    DeliverSerializer,
    FlightRequestDetailSerializer,
    FlightRequestInputSerializer,
    FlightRequestSerializer,
    FlightSerializer,
    FrameworkSerializer,
    LotSerializer,
    OrderActionSerializer,
    OrderSerializer,
    QuoteInputSerializer,
    QuoteSerializer,
    ReasonSerializer,
    RecordFlightSerializer,
    RequiredReasonSerializer,
    RescheduleSerializer,
    ScheduleSerializer,
    SupplierSerializer,
    WeatherSerializer,
)
from .transitions import ensure_allowed

#: drf-spectacular names for the booking enums that share a field name (`status`); the lead adds these to
#: SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] so `spectacular --fail-on-warn` passes.
ENUM_NAME_OVERRIDES = {
    "FlightRequestStatusEnum": "booking.models.RequestStatus",
    "OrderStatusEnum": "booking.models.OrderStatus",
    "FlightStatusEnum": "booking.models.FlightStatus",
}


class BookingErrorsMixin:
    """Answer domain errors with their status code and a body naming the field or the reason."""

    def handle_exception(self, exc):
        if isinstance(exc, BookingError):
            return Response(exc.as_dict(), status=exc.status_code)
        return super().handle_exception(exc)  # type: ignore[misc]


def _action(input_serializer, summary: str):
    return extend_schema(
        request=input_serializer, responses=FlightRequestDetailSerializer, summary=summary
    )


class FlightRequestViewSet(
    BookingErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [HasRole]
    filterset_class = FlightRequestFilter
    pagination_class = ListPagination
    lookup_field = "reference"

    def get_queryset(self):
        return visible_requests(self.request.user).order_by("-created_at", "-id")

    def get_serializer_class(self):
        if self.action in {"create", "update", "partial_update"}:
            return FlightRequestInputSerializer
        if self.action == "list":
            return FlightRequestSerializer
        return FlightRequestDetailSerializer

    def _out(self, flight_request, code=status.HTTP_200_OK) -> Response:
        flight_request.refresh_from_db()
        return Response(
            FlightRequestDetailSerializer(flight_request, context={"request": self.request}).data,
            status=code,
        )

    def _input(self, serializer_class, *, partial: bool = False) -> dict:
        serializer = serializer_class(
            data=self.request.data, partial=partial, context={"request": self.request}
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(
        request=FlightRequestInputSerializer, responses={201: FlightRequestDetailSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = self._input(FlightRequestInputSerializer)
        flight_request = services.flight_request_create(
            actor=request.user, now=timezone.now(), **data
        )
        return self._out(flight_request, status.HTTP_201_CREATED)

    @extend_schema(request=FlightRequestInputSerializer, responses=FlightRequestDetailSerializer)
    def update(self, request, *args, **kwargs):
        flight_request = self.get_object()
        data = self._input(FlightRequestInputSerializer, partial=True)
        services.flight_request_update(
            actor=request.user, flight_request=flight_request, now=timezone.now(), **data
        )
        return self._out(flight_request)

    def _simple(self, service, serializer_class=ReasonSerializer, **extra):
        flight_request = self.get_object()
        data = self._input(serializer_class) if serializer_class else {}
        service(
            actor=self.request.user,
            flight_request=flight_request,
            now=timezone.now(),
            **data,
            **extra,
        )
        return self._out(flight_request)

    @_action(None, "Submit a draft; the policy check runs at once")
    @action(detail=True, methods=["post"])
    def submit(self, request, reference=None):
        return self._simple(services.flight_request_submit, serializer_class=None)

    @_action(ReasonSerializer, "Approve a referred request (policy officer, not the requester)")
    @action(detail=True, methods=["post"])
    def approve(self, request, reference=None):
        return self._simple(services.flight_request_approve)

    @_action(RequiredReasonSerializer, "Refuse a referred request, with reasons")
    @action(detail=True, methods=["post"])
    def refuse(self, request, reference=None):
        return self._simple(services.flight_request_refuse, RequiredReasonSerializer)

    @_action(ReasonSerializer, "Take a blocked or refused request back to draft")
    @action(detail=True, methods=["post"])
    def revise(self, request, reference=None):
        return self._simple(services.flight_request_revise)

    @_action(OrderActionSerializer, "Place the call-off order")
    @action(detail=True, methods=["post"])
    def order(self, request, reference=None):
        return self._simple(services.flight_request_order, OrderActionSerializer)

    @extend_schema(
        request=QuoteInputSerializer, responses={201: QuoteSerializer}, summary="Record a quote"
    )
    @action(detail=True, methods=["post"])
    def quote(self, request, reference=None):
        flight_request = self.get_object()
        data = self._input(QuoteInputSerializer)
        quote = services.quote_add(
            actor=request.user, flight_request=flight_request, now=timezone.now(), **data
        )
        return Response(QuoteSerializer(quote).data, status=status.HTTP_201_CREATED)

    @_action(None, "The supplier accepts the order")
    @action(detail=True, methods=["post"])
    def accept(self, request, reference=None):
        return self._simple(services.order_accept, serializer_class=None)

    @_action(
        RequiredReasonSerializer, "The supplier declines; the order passes to the next supplier"
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, reference=None):
        return self._simple(services.order_decline, RequiredReasonSerializer)

    @_action(ScheduleSerializer, "Schedule the flight (policy check at stage scheduling)")
    @action(detail=True, methods=["post"])
    def schedule(self, request, reference=None):
        return self._simple(services.flight_schedule, ScheduleSerializer)

    @_action(RescheduleSerializer, "Move the scheduled flight, with a reason")
    @action(detail=True, methods=["post"])
    def reschedule(self, request, reference=None):
        return self._simple(services.flight_reschedule, RescheduleSerializer)

    @_action(ReasonSerializer, "Sign off a scheduled flight the scheduling check referred (policy officer)")
    @action(detail=True, methods=["post"])
    def approve_flight(self, request, reference=None):
        return self._simple(services.flight_approve)

    @_action(RequiredReasonSerializer, "Refuse a referred scheduled flight: back to confirmed, with reasons")
    @action(detail=True, methods=["post"])
    def refuse_flight(self, request, reference=None):
        return self._simple(services.flight_refuse, RequiredReasonSerializer)

    @_action(WeatherSerializer, "Record day-of-flight weather and run the day-of-flight check")
    @action(detail=True, methods=["post"])
    def preflight_check(self, request, reference=None):
        return self._simple(services.flight_preflight_check, WeatherSerializer)

    @_action(RecordFlightSerializer, "Record the flight with its log")
    @action(detail=True, methods=["post"])
    def record_flight(self, request, reference=None):
        return self._simple(services.flight_record, RecordFlightSerializer)

    @_action(
        DeliverSerializer,
        "Not here: a delivery is declared on its survey (POST /api/v1/surveys/<id>/deliver/), where the files "
        "and the conformance check are; this answers 400 naming `survey` with that address",
    )
    @action(detail=True, methods=["post"])
    def deliver(self, request, reference=None):
        flight_request = self.get_object()
        ensure_allowed(flight_request=flight_request, action="deliver", actor=request.user)
        return Response({"survey": [DELIVER_THROUGH_SURVEY]}, status=status.HTTP_400_BAD_REQUEST)

    @_action(
        ReasonSerializer,
        "Accept the delivery; a `reason` is required when its conformance check failed or needs review",
    )
    @action(detail=True, methods=["post"])
    def accept_delivery(self, request, reference=None):
        return self._simple(services.flight_request_accept_delivery)

    @_action(RequiredReasonSerializer, "Return the delivery for rework, with a reason")
    @action(detail=True, methods=["post"])
    def return_delivery(self, request, reference=None):
        return self._simple(services.flight_request_return_delivery, RequiredReasonSerializer)

    @_action(RequiredReasonSerializer, "Cancel before the flight, with a reason")
    @action(detail=True, methods=["post"])
    def cancel(self, request, reference=None):
        return self._simple(services.flight_request_cancel, RequiredReasonSerializer)

    @extend_schema(responses=AuditEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def audit(self, request, reference=None):
        flight_request = self.get_object()
        # what this user may read of the trail: a contractor only its own supplier's events
        events = audit_trail_for(user=request.user, flight_request=flight_request)
        return Response(AuditEventSerializer(events, many=True).data)


class OrderViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrderSerializer
    permission_classes = [HasRole]
    filterset_class = OrderFilter
    pagination_class = ListPagination

    def get_queryset(self):
        return visible_orders(self.request.user).order_by("-created_at", "-id")


class FlightViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FlightSerializer
    permission_classes = [HasRole]
    filterset_class = FlightFilter
    pagination_class = ListPagination

    def get_queryset(self):
        return visible_flights(self.request.user).order_by("scheduled_start", "id")


class SupplierViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SupplierSerializer
    permission_classes = [HasRole]

    def get_queryset(self):
        # A contractor sees only their own supplier: rivals' pilots (names, Flyer IDs) and fleets are not theirs.
        qs = Supplier.objects.prefetch_related("pilots", "aircraft").order_by("name")
        if role_of(self.request.user) == Role.CONTRACTOR:
            return qs.filter(pk=supplier_id_of(self.request.user))
        return qs


class LotViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LotSerializer
    permission_classes = [HasRole]
    queryset = Lot.objects.select_related("framework").order_by("framework", "number")


class FrameworkViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FrameworkSerializer
    permission_classes = [HasRole]
    queryset = Framework.objects.order_by("-start_date")


class SpendView(APIView):
    """Committed and actual spend per budget code (this financial year) and per framework.
    Officers see every budget; a requester sees their organisation's."""

    permission_classes = [HasRole]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        role = role_of(request.user)
        codes = BudgetCode.objects.select_related("organisation").order_by("code")
        if role == Role.REQUESTER:
            codes = codes.filter(organisation_id=organisation_id_of(request.user))
        elif role not in OFFICER_ROLES and role != Role.PLANNER:
            raise Http404  # officers and planners see every budget
        return Response(
            spend_summary(
                budget_codes=codes, frameworks=Framework.objects.all(), now=timezone.now()
            )
        )


#: Dates a statement may cover: the framework's life, with room either side.
STATEMENT_YEARS = (2000, 2100)
STATEMENT_MAX_DAYS = 5 * 366


def _date_param(request, name: str) -> date:
    from rest_framework.exceptions import ValidationError

    value = request.query_params.get(name, "")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: f"a date YYYY-MM-DD is required, not {value[:40]!r}"}) from None
    first, last = STATEMENT_YEARS
    if not first <= parsed.year <= last:
        raise ValidationError({name: f"the date must be between {first} and {last}, not {parsed}"})
    return parsed


class RechargeView(APIView):
    """Recharge statement of an organisation for a period as CSV or PDF (?format=csv|pdf).
    Procurement and administrators for any organisation; a requester for their own only."""

    permission_classes = [HasRole]

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True),
            OpenApiParameter("output", OpenApiTypes.STR, enum=["csv", "pdf"]),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/pdf"): OpenApiTypes.BINARY,
        },
    )
    def get(self, request, organisation_id: int):
        role = role_of(request.user)
        organisation = get_object_or_404(Organisation, pk=organisation_id)
        if role not in {Role.PROCUREMENT, Role.ADMIN} and not (
            role == Role.REQUESTER and organisation_id_of(request.user) == organisation.pk
        ):
            raise Http404
        start, end = _date_param(request, "start"), _date_param(request, "end")
        if end < start:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"end": "the period must end on or after its start"})
        if (end - start).days > STATEMENT_MAX_DAYS:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"end": "a statement covers at most five years"})
        statement = recharge_statement(organisation=organisation, start=start, end=end)
        output = request.query_params.get("output", "csv")
        stem = f"recharge-{organisation.pk}-{start}-{end}"
        if output == "pdf":
            response = HttpResponse(
                statement_pdf(statement, now=timezone.now()), content_type="application/pdf"
            )
            response["Content-Disposition"] = f'attachment; filename="{stem}.pdf"'
        elif output == "csv":
            response = HttpResponse(
                statement_csv(statement), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        else:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"output": "csv or pdf"})
        return response


class CalendarFeedView(APIView):
    """The iCalendar feed at a secret URL (no login: the token is the key; unknown token → 404)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={(200, "text/calendar"): OpenApiTypes.STR})
    def get(self, request, token: str):
        profile = profile_for_token(token)
        if profile is None:
            raise Http404
        body = calendar_feed(user=profile.user, now=timezone.now())
        return HttpResponse(body, content_type="text/calendar; charset=utf-8")


class MeView(APIView):
    """Who am I: role, organisation or supplier, and the secret calendar feed URL."""

    permission_classes = [HasRole]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        from django.urls import reverse

        from accounts.roles import profile_of

        profile = profile_of(request.user)
        body = {"username": request.user.get_username(), "role": role_of(request.user)}
        if profile is not None:
            path = reverse("booking-calendar", kwargs={"token": profile.calendar_token})
            body.update(
                organisation=profile.organisation.name if profile.organisation else None,
                supplier=profile.supplier.name if profile.supplier else None,
                calendar_url=request.build_absolute_uri(path),
            )
        return Response(body)


class PolicyCheckViewSet(viewsets.ReadOnlyModelViewSet):
    """Stored policy checks of the requests the user may see (anything else is a 404). Booking decides
    who sees a check, because a check is of a request and its supplier (booking.selectors.visible_checks)."""

    serializer_class = PolicyCheckSerializer
    filterset_fields = ["flight_request", "stage", "outcome"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        # a contractor reads only checks holding no supplier's records or its own supplier's
        return visible_checks(self.request.user)

    @extend_schema(request=None, responses=dict)
    @action(detail=True, methods=["post"])
    def rerun(self, request: Request, pk: str | None = None) -> Response:
        """Re-evaluate the stored check from its own snapshot; `same` says whether the result matches."""
        check = self.get_object()
        decision = policy_services.policy_check_rerun(check=check)
        out = decision.to_json()
        same = out["outcome"] == check.outcome and out["findings"] == check.findings
        return Response({"same": same, **out})
