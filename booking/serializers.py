"""API shapes. Input serializers check types; the rules live in booking.services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.roles import role_of, supplier_id_of

from . import selectors
from .geometry import GeometryError, parse_area, parse_kml
from .models import (
    Aircraft,
    AuditEvent,
    CallOffOrder,
    Deliverable,
    Flight,
    FlightRequest,
    Framework,
    Lot,
    LotSupplier,
    Pilot,
    Purpose,
    Quote,
    RequestStatus,
    Role,
    Supplier,
)
from .services import EDITABLE_FIELDS

MAX_AREA_FILE_BYTES = 2 * 1024 * 1024


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "actor", "action", "from_state", "to_state", "reason", "data"]


class FlightSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="flight_request.reference", read_only=True)
    supplier = serializers.CharField(source="supplier.name", read_only=True)
    pilot = serializers.CharField(source="pilot.name", read_only=True)
    aircraft = serializers.CharField(source="aircraft.name", read_only=True)
    awaits_signoff = serializers.BooleanField(read_only=True)
    signed_off_by = serializers.CharField(
        source="signed_off_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Flight
        fields = [
            "id",
            "reference",
            "supplier",
            "pilot",
            "aircraft",
            "scheduled_start",
            "scheduled_end",
            "status",
            "operation",
            "flight_log",
            "weather",
            "cancel_reason",
            "signoff_rules",
            "signoff_findings",
            "awaits_signoff",
            "signed_off_by",
            "signed_off_at",
        ]


class OrderSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="flight_request.reference", read_only=True)
    site_name = serializers.CharField(source="flight_request.site_name", read_only=True)
    supplier = serializers.CharField(source="supplier.name", read_only=True)
    lot = serializers.CharField(source="lot.__str__", read_only=True)
    budget_code = serializers.CharField(source="budget_code.code", read_only=True)

    class Meta:
        model = CallOffOrder
        fields = [
            "id",
            "po_number",
            "reference",
            "site_name",
            "supplier",
            "lot",
            "budget_code",
            "value",
            "status",
            "override_reason",
            "decline_reason",
            "created_at",
            "decided_at",
            "delivered_at",
        ]


def _user_of(serializer: serializers.Field) -> object | None:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class ShownCostField(serializers.DecimalField):
    """`estimated_cost` as the reader may see it (selectors.shown_cost): a contractor reads its own
    order's value, never an estimate from another supplier's rate card."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "the estimate; to a contractor, its own order's value")
        super().__init__(max_digits=12, decimal_places=2, read_only=True, allow_null=True, **kwargs)

    def get_attribute(self, instance: FlightRequest):
        return selectors.shown_cost(user=_user_of(self), flight_request=instance)


class FlightRequestSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    requester = serializers.CharField(source="requester.username", read_only=True)
    budget_code = serializers.CharField(source="budget_code.code", read_only=True)
    lot = serializers.PrimaryKeyRelatedField(read_only=True)
    estimated_cost = ShownCostField()
    allowed_actions = serializers.SerializerMethodField()
    awaiting_signoff = serializers.SerializerMethodField(
        help_text="the scheduled flight waits for a policy officer's sign-off of findings no "
        "officer has seen (signoff_findings: rule, message, facts)"
    )
    signoff_findings = serializers.SerializerMethodField()

    class Meta:
        model = FlightRequest
        fields = [
            "id",
            "reference",
            "site_name",
            "area",
            "area_hectares",
            "purpose",
            "description",
            "deliverables",
            "window_start",
            "window_end",
            "max_height_m",
            "people_in_view",
            "documents",
            "permissions",
            "takeoff_points",
            "contingency_buffer_m",
            "site_context",
            "sessions",
            "status",
            "policy_outcome",
            "organisation",
            "requester",
            "budget_code",
            "lot",
            "estimated_cost",
            "created_at",
            "updated_at",
            "allowed_actions",
            "awaiting_signoff",
            "signoff_findings",
        ]

    def _awaiting(self, obj: FlightRequest):
        from .transitions import scheduled_flight

        if obj.status != RequestStatus.SCHEDULED:
            return None
        flight = scheduled_flight(obj)
        if flight is None or not flight.awaits_signoff:
            return None
        # a contractor reads only its own supplier's flight (a decliner never the winner's)
        user = _user_of(self)
        if role_of(user) == Role.CONTRACTOR and flight.supplier_id != supplier_id_of(user):
            return None
        return flight

    def get_awaiting_signoff(self, obj: FlightRequest) -> bool:
        return self._awaiting(obj) is not None

    def get_signoff_findings(self, obj: FlightRequest) -> list[dict]:
        flight = self._awaiting(obj)
        return list(flight.signoff_findings) if flight is not None else []

    def get_allowed_actions(self, obj: FlightRequest) -> list[str]:
        from .transitions import allowed_actions

        request = self.context.get("request")
        return allowed_actions(flight_request=obj, user=request.user) if request else []


class FlightRequestDetailSerializer(FlightRequestSerializer):
    """With the audit trail, flights and orders the reader may see (booking.selectors: a contractor
    only its own supplier's)."""

    audit_events = serializers.SerializerMethodField()
    flights = serializers.SerializerMethodField()
    orders = serializers.SerializerMethodField()

    class Meta(FlightRequestSerializer.Meta):
        fields = [*FlightRequestSerializer.Meta.fields, "audit_events", "flights", "orders"]

    @extend_schema_field(AuditEventSerializer(many=True))
    def get_audit_events(self, obj: FlightRequest) -> list:
        events = selectors.audit_trail_for(user=_user_of(self), flight_request=obj)
        return AuditEventSerializer(events, many=True, context=self.context).data

    @extend_schema_field(FlightSerializer(many=True))
    def get_flights(self, obj: FlightRequest) -> list:
        flights = selectors.request_flights(user=_user_of(self), flight_request=obj)
        return FlightSerializer(flights.order_by("created_at", "id"), many=True, context=self.context).data

    @extend_schema_field(OrderSerializer(many=True))
    def get_orders(self, obj: FlightRequest) -> list:
        orders = selectors.request_orders(user=_user_of(self), flight_request=obj)
        return OrderSerializer(orders.order_by("created_at", "id"), many=True, context=self.context).data


class FlightRequestInputSerializer(serializers.ModelSerializer):
    """Create or edit a draft. The area comes as GeoJSON (`area`) or as an uploaded GeoJSON/KML
    file (`area_file`). The fields are the service's EDITABLE_FIELDS (listed once, in booking.services;
    a field declared here but not listed there fails at start-up)."""

    class Meta:
        model = FlightRequest
        fields = [*EDITABLE_FIELDS, "area_file"]

    site_name = serializers.CharField(max_length=200)
    area = serializers.JSONField(required=False)
    area_file = serializers.FileField(required=False, write_only=True)
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    description = serializers.CharField(required=False, allow_blank=True)
    deliverables = serializers.ListField(
        child=serializers.ChoiceField(choices=Deliverable.choices), min_length=1
    )
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()
    max_height_m = serializers.IntegerField(min_value=1, max_value=1000)
    people_in_view = serializers.BooleanField(required=False)
    documents = serializers.DictField(required=False)
    permissions = serializers.ListField(child=serializers.DictField(), required=False)
    takeoff_points = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField()), required=False
    )
    contingency_buffer_m = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    site_context = serializers.DictField(required=False)
    sessions = serializers.IntegerField(min_value=1, max_value=50, required=False)
    budget_code = serializers.CharField(max_length=32)
    lot = serializers.PrimaryKeyRelatedField(
        queryset=Lot.objects.all(), required=False, allow_null=True
    )

    def validate(self, attrs: dict) -> dict:
        upload = attrs.pop("area_file", None)
        if upload is not None:
            if upload.size > MAX_AREA_FILE_BYTES:
                raise serializers.ValidationError({"area_file": "the file is larger than 2 MB"})
            raw = upload.read()
            try:
                name = (upload.name or "").lower()
                attrs["area"] = (
                    parse_kml(raw)
                    if name.endswith(".kml") or raw.lstrip()[:1] == b"<"
                    else parse_area(raw)
                )
            except GeometryError as exc:
                raise serializers.ValidationError({"area_file": str(exc)}) from exc
        elif "area" in attrs:
            try:
                attrs["area"] = parse_area(attrs["area"])
            except GeometryError as exc:
                raise serializers.ValidationError({"area": str(exc)}) from exc
        elif not self.partial:
            raise serializers.ValidationError(
                {"area": "draw the site or upload a GeoJSON or KML file"}
            )
        return attrs


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class OrderActionSerializer(serializers.Serializer):
    supplier = serializers.PrimaryKeyRelatedField(
        queryset=Supplier.objects.all(), required=False, allow_null=True
    )
    quote = serializers.PrimaryKeyRelatedField(
        queryset=Quote.objects.all(), required=False, allow_null=True
    )
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")


class QuoteInputSerializer(serializers.Serializer):
    supplier = serializers.PrimaryKeyRelatedField(queryset=Supplier.objects.all())
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class QuoteSerializer(serializers.ModelSerializer):
    supplier = serializers.CharField(source="supplier.name", read_only=True)

    class Meta:
        model = Quote
        fields = ["id", "supplier", "amount", "notes", "created_at"]


class ScheduleSerializer(serializers.Serializer):
    scheduled_start = serializers.DateTimeField()
    scheduled_end = serializers.DateTimeField()
    pilot = serializers.PrimaryKeyRelatedField(queryset=Pilot.objects.all())
    aircraft = serializers.PrimaryKeyRelatedField(queryset=Aircraft.objects.all())
    operation = serializers.DictField(required=False)


class RescheduleSerializer(serializers.Serializer):
    scheduled_start = serializers.DateTimeField()
    scheduled_end = serializers.DateTimeField()
    reason = serializers.CharField()
    pilot = serializers.PrimaryKeyRelatedField(
        queryset=Pilot.objects.all(), required=False, allow_null=True
    )
    aircraft = serializers.PrimaryKeyRelatedField(
        queryset=Aircraft.objects.all(), required=False, allow_null=True
    )
    operation = serializers.DictField(required=False)


class WeatherSerializer(serializers.Serializer):
    weather = serializers.DictField()


class RecordFlightSerializer(serializers.Serializer):
    flight_log = serializers.DictField(
        help_text="took_off_at and landed_at (ISO 8601 with a time zone), and any log notes"
    )
    weather = serializers.DictField(required=False, allow_null=True)
    time_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="why the flight was flown outside its scheduled slot (beyond the tolerance)",
    )


class DeliverSerializer(serializers.Serializer):
    """Delivery goes through the survey of the flown flight (see the `deliver` action)."""

    note = serializers.CharField(required=False, allow_blank=True, default="",
                                 help_text="kept with the delivery in the audit trail")


class LotSupplierSerializer(serializers.ModelSerializer):
    supplier = serializers.CharField(source="supplier.name", read_only=True)
    supplier_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = LotSupplier
        fields = ["supplier_id", "supplier", "rank"]


class LotSerializer(serializers.ModelSerializer):
    suppliers = LotSupplierSerializer(source="lot_suppliers", many=True, read_only=True)
    framework = serializers.CharField(source="framework.reference", read_only=True)

    class Meta:
        model = Lot
        fields = ["id", "framework", "number", "title", "description", "selection", "suppliers"]


class FrameworkSerializer(serializers.ModelSerializer):
    lots = LotSerializer(many=True, read_only=True)

    class Meta:
        model = Framework
        fields = ["id", "reference", "title", "start_date", "end_date", "ceiling_value", "lots"]


class PilotSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pilot
        fields = [
            "id",
            "name",
            "flyer_id",
            "flyer_id_expires_on",
            "a2_cofc_expires_on",
            "gvc_expires_on",
        ]


class AircraftSerializer(serializers.ModelSerializer):
    class Meta:
        model = Aircraft
        fields = [
            "id",
            "name",
            "serial_number",
            "class_mark",
            "takeoff_mass_g",
            "camera",
            "thermal_camera",
            "remote_id",
            "green_light",
            "low_speed_mode",
            "max_wind_ms",
            "ip_rating",
        ]


class SupplierSerializer(serializers.ModelSerializer):
    pilots = PilotSerializer(many=True, read_only=True)
    aircraft = AircraftSerializer(many=True, read_only=True)
    insurance_expires_on = serializers.SerializerMethodField()
    operator_id_expires_on = serializers.SerializerMethodField()

    class Meta:
        model = Supplier
        fields = [
            "id",
            "name",
            "email",
            "active",
            "pilots",
            "aircraft",
            "insurance_expires_on",
            "operator_id_expires_on",
        ]

    def get_insurance_expires_on(self, obj: Supplier) -> str | None:
        cert = obj.insurance_certificates.order_by("-expires_on").first()
        return cert.expires_on.isoformat() if cert else None

    def get_operator_id_expires_on(self, obj: Supplier) -> str | None:
        reg = obj.operator_registrations.order_by("-expires_on").first()
        return reg.expires_on.isoformat() if reg else None
