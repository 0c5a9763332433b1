"""Suppliers and the compliance records the policy engine reads (REG, INS, TECH rules).

Models only; imported by booking/models.py so they are `booking.models.<Name>` too."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Supplier(models.Model):
    name = models.CharField(max_length=160, unique=True)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)
    standard_operation = models.JSONField(
        default=dict,
        blank=True,
        help_text="Operating-category inputs from the supplier's operations manual (flight plan "
        "`operation`, docs/policy.md), used when a flight is scheduled without its own",
    )

    class Meta:
        app_label = "booking"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OperatorRegistration(models.Model):
    """CAA Operator ID (valid 12 months)."""

    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, related_name="operator_registrations"
    )
    operator_id = models.CharField(max_length=40)
    holder_name = models.CharField(max_length=160)
    expires_on = models.DateField()

    class Meta:
        app_label = "booking"
        ordering = ["-expires_on"]
        constraints = [
            models.UniqueConstraint(fields=["operator_id"], name="operator_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.operator_id} (to {self.expires_on})"


class AuthorisationType(models.TextChoices):
    PDRA01 = "PDRA01", "PDRA01 (Specific, pre-defined risk assessment)"
    PDRA07 = "PDRA07", "PDRA07"
    SORA = "SORA", "Operating Safety Case / SORA"
    PFCO = "PfCO", "Permission for Commercial Operations (ended 2020-12-31)"
    OTHER = "other", "Other"


class OperationalAuthorisation(models.Model):
    """A CAA Operational Authorisation; `limits` holds its own conditions, e.g.
    {"max_height_m": 120, "max_distance_m": 500, "night": false, "max_mass_g": 25000}."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="authorisations")
    kind = models.CharField(max_length=10, choices=AuthorisationType.choices)
    reference = models.CharField(max_length=60)
    expires_on = models.DateField()
    limits = models.JSONField(default=dict, blank=True)

    class Meta:
        app_label = "booking"
        ordering = ["-expires_on"]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="authorisation_reference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"


class InsuranceCertificate(models.Model):
    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, related_name="insurance_certificates"
    )
    insurer = models.CharField(max_length=160)
    policy_number = models.CharField(max_length=60)
    cover_amount = models.DecimalField(max_digits=14, decimal_places=2, help_text="GBP")
    public_liability_amount = models.DecimalField(
        max_digits=14, decimal_places=2, default=0, help_text="GBP"
    )
    starts_on = models.DateField()
    expires_on = models.DateField()
    named_operator = models.CharField(max_length=160)
    commercial_use = models.BooleanField(default=True)

    class Meta:
        app_label = "booking"
        ordering = ["-expires_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gte=models.F("starts_on")), name="insurance_dates"
            ),
            models.CheckConstraint(condition=Q(cover_amount__gte=0), name="insurance_cover_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.insurer} {self.policy_number} (to {self.expires_on})"


class Pilot(models.Model):
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="pilots")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pilot_records",
    )
    name = models.CharField(max_length=160)
    flyer_id = models.CharField(max_length=40)
    flyer_id_expires_on = models.DateField()
    a2_cofc_reference = models.CharField(max_length=60, blank=True)
    a2_cofc_expires_on = models.DateField(null=True, blank=True)
    gvc_reference = models.CharField(max_length=60, blank=True)
    gvc_expires_on = models.DateField(null=True, blank=True)

    class Meta:
        app_label = "booking"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.supplier})"


class ClassMark(models.TextChoices):
    UK0 = "UK0", "UK0"
    UK1 = "UK1", "UK1"
    UK2 = "UK2", "UK2"
    UK3 = "UK3", "UK3"
    UK4 = "UK4", "UK4"
    UK5 = "UK5", "UK5"
    UK6 = "UK6", "UK6"
    C0 = "C0", "C0 (EU)"
    C1 = "C1", "C1 (EU)"
    C2 = "C2", "C2 (EU)"
    LEGACY = "legacy", "Legacy (no class mark)"


class Aircraft(models.Model):
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="aircraft")
    name = models.CharField(max_length=120, help_text="Make and model")
    serial_number = models.CharField(max_length=60)
    class_mark = models.CharField(max_length=8, choices=ClassMark.choices)
    takeoff_mass_g = models.PositiveIntegerField()
    camera = models.BooleanField(default=True)
    thermal_camera = models.BooleanField(default=False)
    remote_id = models.BooleanField(default=True)
    green_light = models.BooleanField(default=False)
    low_speed_mode = models.BooleanField(default=False)
    max_wind_ms = models.FloatField(help_text="Manufacturer's maximum wind, m/s")
    max_gust_ms = models.FloatField(null=True, blank=True)
    ip_rating = models.CharField(max_length=8, blank=True)
    min_temp_c = models.FloatField(default=-10)
    max_temp_c = models.FloatField(default=40)
    placed_on_market = models.DateField(null=True, blank=True)

    class Meta:
        app_label = "booking"
        ordering = ["name"]
        verbose_name_plural = "aircraft"
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "serial_number"], name="aircraft_serial_unique"
            ),
            models.CheckConstraint(
                condition=Q(max_temp_c__gt=models.F("min_temp_c")), name="aircraft_temps"
            ),
            models.CheckConstraint(condition=Q(max_wind_ms__gt=0), name="aircraft_wind_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.serial_number}"
