"""Booking: organisations, roles, the framework contract, flight requests, call-off orders, flights
and the append-only audit trail. Supplier compliance records live in booking/compliance.py and are
re-exported here so that `booking.models.<Name>` works for every model of the app."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.roles import Role

from .compliance import (  # noqa: F401  (re-exported: one import path for every model)
    Aircraft,
    AuthorisationType,
    ClassMark,
    InsuranceCertificate,
    OperationalAuthorisation,
    OperatorRegistration,
    Pilot,
    Supplier,
)


class OrganisationKind(models.TextChoices):
    SERVICE = "service", "Council service"
    PARTNER = "partner", "Community planning partner"


class Organisation(models.Model):
    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=16, choices=OrganisationKind.choices)
    contact_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BudgetCode(models.Model):
    """A cost centre of an organisation; `annual_budget` is the limit per financial year (April-March)."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="budget_codes"
    )
    annual_budget = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_budget__gte=0), name="budget_code_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.organisation})"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="contractor") | Q(supplier__isnull=False),
                name="profile_contractor_has_supplier",
            ),
            models.CheckConstraint(
                condition=~Q(role="requester") | Q(organisation__isnull=False),
                name="profile_requester_has_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class Framework(models.Model):
    reference = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField()
    ceiling_value = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="framework_dates"
            ),
            models.CheckConstraint(
                condition=Q(ceiling_value__gte=0), name="framework_ceiling_nonneg"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class SupplierSelection(models.TextChoices):
    RANK = "rank", "Highest-ranked supplier first"
    ROTATION = "rotation", "Rotation among the lot's suppliers"


class Lot(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="lots")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    selection = models.CharField(
        max_length=10, choices=SupplierSelection.choices, default=SupplierSelection.RANK
    )
    suppliers = models.ManyToManyField(Supplier, through="LotSupplier", related_name="lots")

    class Meta:
        ordering = ["framework", "number"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="lot_number_unique"),
        ]

    def __str__(self) -> str:
        return f"Lot {self.number}: {self.title}"


class LotSupplier(models.Model):
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="lot_suppliers")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="lot_places")
    rank = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["lot", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "supplier"], name="lot_supplier_unique"),
            models.UniqueConstraint(fields=["lot", "rank"], name="lot_rank_unique"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="lot_rank_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.lot} #{self.rank} {self.supplier}"


class RateCard(models.Model):
    """A supplier's prices on a lot: a session (about half a day on site), per hectare covered, and
    per deliverable beyond the ones the lot includes."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="rate_cards")
    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="rate_cards")
    per_session = models.DecimalField(max_digits=10, decimal_places=2)
    per_hectare = models.DecimalField(max_digits=10, decimal_places=2)
    per_extra_deliverable = models.DecimalField(max_digits=10, decimal_places=2)
    included_deliverables = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["supplier", "lot"], name="rate_card_unique"),
            models.CheckConstraint(
                condition=Q(per_session__gte=0, per_hectare__gte=0, per_extra_deliverable__gte=0),
                name="rate_card_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} on {self.lot}"


class Purpose(models.TextChoices):
    PLANNING_FOOTAGE = "planning_footage", "Planning application footage"
    STRUCTURE_INSPECTION = "structure_inspection", "Structure inspection"
    THERMAL_SURVEY = "thermal_survey", "Thermal survey"
    MAPPING = "mapping", "Mapping"
    SURVEY_3D = "survey_3d", "3D survey"
    COASTAL_SURVEY = "coastal_survey", "Coastal survey"
    PROGRESS_PHOTOGRAPHY = "progress_photography", "Progress photography"
    ESTATES_MARKETING = "estates_marketing", "Estates marketing video"


class Deliverable(models.TextChoices):
    PHOTOS = "photos", "Photos"
    VIDEO = "video", "Video"
    ORTHOMOSAIC = "orthomosaic", "Orthomosaic"
    THERMAL = "thermal", "Thermal imagery"
    ELEVATION = "elevation", "Elevation model"
    POINT_CLOUD = "point_cloud", "Point cloud"
    REPORT = "report", "Report"
    FLIGHT_LOG = "flight_log", "Flight log"


class RequestStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    REFERRED = "referred", "Referred to a policy officer"
    BLOCKED = "blocked", "Blocked by policy"
    REFUSED = "refused", "Refused"
    APPROVED = "approved", "Approved"
    ORDERED = "ordered", "Ordered"
    CONFIRMED = "confirmed", "Accepted by contractor"
    SCHEDULED = "scheduled", "Scheduled"
    FLOWN = "flown", "Flown"
    DELIVERED = "delivered", "Delivered"
    REWORK = "rework", "Returned for rework"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class PolicyOutcome(models.TextChoices):
    NOT_CHECKED = "not_checked", "Not yet checked"
    PASS = "pass", "Pass"
    NEEDS_APPROVAL = "needs_approval", "Needs approval"
    BLOCKED = "blocked", "Blocked"


class FlightRequest(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    site_name = models.CharField(max_length=200)
    area = models.JSONField(help_text="GeoJSON Polygon, WGS84")
    area_hectares = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal(0))
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    description = models.TextField(blank=True)
    deliverables = models.JSONField(default=list)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    max_height_m = models.PositiveSmallIntegerField()
    people_in_view = models.BooleanField(
        default=False, help_text="People or private gardens may be in view"
    )
    documents = models.JSONField(default=dict, blank=True, help_text="e.g. {'rams': 'RAMS-12'}")
    permissions = models.JSONField(
        default=list,
        blank=True,
        help_text="[{kind, zone, reference, valid_from, valid_to}] (docs/policy.md)",
    )
    takeoff_points = models.JSONField(default=list, blank=True, help_text="[[lon, lat], ...]")
    contingency_buffer_m = models.PositiveSmallIntegerField(null=True, blank=True)
    site_context = models.JSONField(
        default=dict, blank=True, help_text="built_up, roads, parks, land_owner, ..."
    )
    sessions = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    policy_outcome = models.CharField(
        max_length=16, choices=PolicyOutcome.choices, default=PolicyOutcome.NOT_CHECKED
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="flight_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="flight_requests"
    )
    budget_code = models.ForeignKey(
        BudgetCode, on_delete=models.PROTECT, related_name="flight_requests"
    )
    lot = models.ForeignKey(
        Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="flight_requests"
    )
    estimated_cost = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__gt=models.F("window_start")), name="request_window_order"
            ),
            models.CheckConstraint(condition=Q(max_height_m__gt=0), name="request_height_positive"),
            models.CheckConstraint(condition=Q(sessions__gte=1), name="request_sessions_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.site_name}"

    @property
    def current_order(self) -> CallOffOrder | None:
        return self.orders.filter(status__in=OrderStatus.live()).order_by("-created_at").first()


class OrderStatus(models.TextChoices):
    OFFERED = "offered", "Offered to supplier"
    ACCEPTED = "accepted", "Accepted by supplier"
    DECLINED = "declined", "Declined by supplier"
    DELIVERED = "delivered", "Delivered"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"

    @classmethod
    def live(cls) -> list[str]:
        """Orders that still hold a supplier's work (at most one per request)."""
        return [cls.OFFERED, cls.ACCEPTED, cls.DELIVERED, cls.COMPLETED]

    @classmethod
    def committed(cls) -> list[str]:
        return [cls.OFFERED, cls.ACCEPTED]

    @classmethod
    def actual(cls) -> list[str]:
        return [cls.DELIVERED, cls.COMPLETED]


class Quote(models.Model):
    flight_request = models.ForeignKey(
        FlightRequest, on_delete=models.CASCADE, related_name="quotes"
    )
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="quotes")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["flight_request", "supplier"], name="quote_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="quote_nonnegative"),
        ]


class CallOffOrder(models.Model):
    po_number = models.CharField(max_length=24, unique=True)
    flight_request = models.ForeignKey(
        FlightRequest, on_delete=models.PROTECT, related_name="orders"
    )
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="orders")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="orders")
    budget_code = models.ForeignKey(BudgetCode, on_delete=models.PROTECT, related_name="orders")
    value = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(
        max_length=12, choices=OrderStatus.choices, default=OrderStatus.OFFERED
    )
    override_reason = models.TextField(blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decline_reason = models.TextField(blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="order_value_nonnegative"),
            models.UniqueConstraint(
                fields=["flight_request"],
                condition=Q(status__in=["offered", "accepted", "delivered", "completed"]),
                name="one_live_order_per_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.po_number} {self.supplier}"


class FlightStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    FLOWN = "flown", "Flown"
    CANCELLED = "cancelled", "Cancelled"


class Flight(models.Model):
    flight_request = models.ForeignKey(
        FlightRequest, on_delete=models.CASCADE, related_name="flights"
    )
    order = models.ForeignKey(CallOffOrder, on_delete=models.PROTECT, related_name="flights")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="flights")
    pilot = models.ForeignKey(Pilot, on_delete=models.PROTECT, related_name="flights")
    aircraft = models.ForeignKey(Aircraft, on_delete=models.PROTECT, related_name="flights")
    scheduled_start = models.DateTimeField()
    scheduled_end = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=FlightStatus.choices, default=FlightStatus.SCHEDULED
    )
    flight_log = models.JSONField(default=dict, blank=True)
    operation = models.JSONField(
        default=dict,
        blank=True,
        help_text="Operating-category inputs of the flight plan (docs/policy.md)",
    )
    weather = models.JSONField(
        null=True, blank=True, help_text="Day-of-flight conditions recorded by the pilot"
    )
    cancel_reason = models.TextField(blank=True)
    signoff_rules = models.JSONField(
        default=list,
        blank=True,
        help_text="Rules of the scheduling check's approval-level findings that no earlier sign-off "
        "covers (rule and facts); the flight may not be recorded until an officer signs it off",
    )
    signoff_findings = models.JSONField(
        default=list,
        blank=True,
        help_text="What the officer is asked to sign off (and, once signed, what the sign-off "
        "covers): each finding's rule, message and facts (zone, night intervals, height, pilot); "
        "see booking/signoff.py",
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["scheduled_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scheduled_end__gt=models.F("scheduled_start")),
                name="flight_times_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.flight_request.reference} {self.scheduled_start:%Y-%m-%d %H:%M}"

    @property
    def awaits_signoff(self) -> bool:
        """Scheduled with findings a policy officer has not yet signed off."""
        return (
            self.status == FlightStatus.SCHEDULED
            and bool(self.signoff_rules)
            and self.signed_off_by_id is None
        )


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise PermissionError("audit events are append-only")

    def delete(self):  # type: ignore[override]
        raise PermissionError("audit events are append-only")


class AuditEvent(models.Model):
    """Append-only: created through booking.services only, never changed or deleted."""

    flight_request = models.ForeignKey(
        FlightRequest, on_delete=models.PROTECT, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    supplier = models.ForeignKey(
        "Supplier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the one supplier this event concerns (a quote, an order, a decline): other "
        "suppliers never see it; empty for events every party to the request may see",
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise PermissionError("audit events are append-only")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.from_state}->{self.to_state}"
