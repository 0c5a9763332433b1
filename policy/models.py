"""Policy versions, zones, aerodromes and stored policy checks."""

from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models
from django.db.models import Q

from policy.core.zones import ZoneKind as CoreZoneKind


class ZoneKind(models.TextChoices):
    FRZ = CoreZoneKind.FRZ, "Flight Restriction Zone (AIR-01)"
    PROHIBITED = CoreZoneKind.PROHIBITED, "Prohibited area (AIR-02)"
    RESTRICTED = CoreZoneKind.RESTRICTED, "Restricted area (AIR-03)"
    DANGER = CoreZoneKind.DANGER, "Danger area (AIR-04)"
    TEMPORARY = CoreZoneKind.TEMPORARY, "Temporary restriction (AIR-05)"
    NOTAM = CoreZoneKind.NOTAM, "NOTAM (AIR-06)"
    PRISON = CoreZoneKind.PRISON, "Prison (AIR-07)"
    CONTROLLED = CoreZoneKind.CONTROLLED, "Controlled airspace (AIR-08)"
    PROTECTED_SITE = CoreZoneKind.PROTECTED_SITE, "Protected site (ENV-01)"
    SEAL_HAULOUT = CoreZoneKind.SEAL_HAULOUT, "Seal haul-out (ENV-02)"
    BIRD_NEST = CoreZoneKind.BIRD_NEST, "Schedule 1 nest site (ENV-03)"
    SEABIRD_COLONY = CoreZoneKind.SEABIRD_COLONY, "Seabird colony (ENV-04)"
    HES_PROPERTY = CoreZoneKind.HES_PROPERTY, "HES property (ENV-06)"
    PARK = CoreZoneKind.PARK, "Park (GOV-05)"
    ROAD = CoreZoneKind.ROAD, "Road (GOV-05)"
    BUILT_UP = CoreZoneKind.BUILT_UP, "Built-up area (CAT-08)"
    SCHOOL = CoreZoneKind.SCHOOL, "School (PRIV-01)"
    SPACE_SITE = CoreZoneKind.SPACE_SITE, "Space-site restriction zone (AIR-09)"


class PolicyVersion(models.Model):
    """One version of the council's policy: every threshold as JSON (policy.core.settings). The current
    policy is the active version with the highest number."""

    number = models.PositiveIntegerField(unique=True)
    settings = models.JSONField(default=dict, help_text="Thresholds overriding the defaults")
    change_note = models.TextField(help_text="What changed since the previous version, and why")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-number"]
        constraints = [models.CheckConstraint(condition=Q(number__gte=1), name="policy_version_positive")]

    def __str__(self) -> str:
        return f"Policy v{self.number}"


class Zone(models.Model):
    kind = models.CharField(max_length=20, choices=ZoneKind.choices, db_index=True)
    name = models.CharField(max_length=200)
    external_id = models.CharField(max_length=200, help_text="Identity within its source, for idempotent imports")
    geometry = models.JSONField(help_text="GeoJSON Polygon or MultiPolygon, WGS84")
    lower_m = models.FloatField(null=True, blank=True, help_text="Lower limit in metres; empty = surface")
    upper_m = models.FloatField(null=True, blank=True)
    lower_ref = models.CharField(max_length=40, blank=True, help_text="As published, e.g. SFC, 1500 ft, FL65")
    upper_ref = models.CharField(max_length=40, blank=True)
    source = models.CharField(max_length=200)
    data_date = models.DateField(help_text="Date of the data set this zone came from")
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_to = models.DateTimeField(null=True, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="zone_unique_per_source"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True)
                                   | Q(valid_to__gt=models.F("valid_from")), name="zone_validity_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class Aerodrome(models.Model):
    ident = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=120, blank=True)
    lat = models.FloatField(help_text="Mid-point of the longest runway (or the reference point)")
    lon = models.FloatField()
    longest_runway_m = models.FloatField(null=True, blank=True)
    frz_radius_m = models.FloatField(null=True, blank=True)
    has_thresholds = models.BooleanField(default=False)
    source = models.CharField(max_length=200)
    data_date = models.DateField()
    attributes = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ident"]

    def __str__(self) -> str:
        return f"{self.ident} {self.name}".strip()


class CheckStage(models.TextChoices):
    SUBMISSION = "submission", "Submission"
    SCHEDULING = "scheduling", "Scheduling"
    DAY_OF_FLIGHT = "day_of_flight", "Day of flight"


class CheckOutcome(models.TextChoices):
    PASS = "pass", "Pass"
    NEEDS_APPROVAL = "needs_approval", "Needs approval"
    BLOCKED = "blocked", "Blocked"


class PolicyCheck(models.Model):
    """A stored decision with everything needed to re-run it: plan snapshot, policy version, the zones and
    aerodromes near the area at the time, the airspace data date and the evaluation time."""

    flight_request = models.ForeignKey("booking.FlightRequest", null=True, blank=True, on_delete=models.CASCADE,
                                       related_name="policy_checks")
    supplier_id = models.IntegerField(null=True, blank=True, help_text="The supplier whose pilot, aircraft, "
                                      "operator and insurance the plan holds (booking.Supplier id); empty when "
                                      "the plan holds no supplier's records. Other suppliers never see the check.")
    stage = models.CharField(max_length=16, choices=CheckStage.choices)
    outcome = models.CharField(max_length=16, choices=CheckOutcome.choices)
    category = models.CharField(max_length=20, blank=True)
    findings = models.JSONField(default=list)
    rules_checked = models.JSONField(default=list)
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="checks")
    plan = models.JSONField(help_text="The flight plan as evaluated")
    context_snapshot = models.JSONField(default=dict, help_text="Zones and aerodromes near the area, data date")
    zone_data_version = models.CharField(max_length=80, blank=True)
    evaluated_at = models.DateTimeField(help_text="The `now` the rules used")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["flight_request", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.stage} check: {self.outcome}"

    @property
    def blocking(self) -> list[dict]:
        return [f for f in self.findings if f.get("severity") == "block"]

    @property
    def map_geojson(self) -> dict:
        """The request area and the zones named in the findings, for the map on the request page."""
        named: dict[int, str] = {}
        for f in self.findings:
            evidence = f.get("evidence", {})
            for zone_id in [evidence.get("zone_id"), *evidence.get("zone_ids", [])]:
                if zone_id is not None:
                    named.setdefault(zone_id, f.get("rule"))
        features = [{"type": "Feature", "geometry": self.plan.get("area"),
                     "properties": {"role": "area", "name": self.plan.get("reference") or "Flight area"}}]
        for z in (self.context_snapshot or {}).get("zones", []):
            if z.get("id") in named:
                features.append({"type": "Feature", "geometry": z["geometry"],
                                 "properties": {"role": "zone", "name": z["name"], "kind": z["kind"],
                                                "rule": named[z["id"]]}})
        return {"type": "FeatureCollection", "features": features}
