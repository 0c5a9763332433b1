"""Sites, surveys (one delivery for one flight), stored content, assets and resumable uploads.

Geometry is GeoJSON (WGS84) in JSON fields, evaluated with shapely. Models hold no side effects:
every write goes through `surveys.services` / `surveys.uploads`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Site(models.Model):
    """A lasting place that is surveyed again and again (e.g. "Oban North Pier sea wall")."""

    name = models.CharField(max_length=200)
    geometry = models.JSONField(help_text="GeoJSON Polygon or MultiPolygon, WGS84")
    organisation = models.ForeignKey(
        "booking.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="sites"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SurveyStatus(models.TextChoices):
    """The review state of a delivery (`Survey.status`); moves only through `surveys.transitions`."""

    RECEIVING = "receiving", "Receiving files"
    DELIVERED = "delivered", "Delivered"
    FLAGGED = "flagged", "Flagged for review"
    ACCEPTED = "accepted", "Accepted"
    RETURNED = "returned", "Returned for rework"


class MapState(models.TextChoices):
    """The state of the survey's map (`Survey.map_state`), apart from its review; see `surveys.transitions`."""

    NONE = "none", "No map"
    BUILDING = "building", "Map building"
    READY = "ready", "Map ready"
    FAILED = "failed", "Map failed"


class Survey(models.Model):
    """One delivery for one flight of one site, with its assets."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="surveys")
    flight_request = models.ForeignKey(
        "booking.FlightRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="surveys"
    )
    flight = models.ForeignKey(
        "booking.Flight", null=True, blank=True, on_delete=models.PROTECT, related_name="surveys"
    )
    supplier = models.ForeignKey(
        "booking.Supplier", null=True, blank=True, on_delete=models.PROTECT, related_name="surveys"
    )
    status = models.CharField(max_length=16, choices=SurveyStatus.choices, default=SurveyStatus.RECEIVING,
                              help_text="the review state of the delivery")
    map_state = models.CharField(max_length=16, choices=MapState.choices, default=MapState.NONE)
    orthophoto = models.FileField(upload_to="surveys/orthophotos/", blank=True, max_length=300)
    ortho_report = models.JSONField(null=True, blank=True)
    conformance = models.JSONField(null=True, blank=True)
    conformance_passed = models.BooleanField(null=True, blank=True)
    flying_height_m = models.FloatField(
        null=True, blank=True,
        help_text="height above ground the contractor states for the flight (m); used for the footprints of photos "
                  "that record no relative altitude, and reported (not trusted) by the height check",
    )
    flagged_for_review = models.BooleanField(default=False)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="flagged") | Q(flagged_for_review=True),
                name="survey_flagged_status_has_flag",
            ),
            models.CheckConstraint(
                condition=Q(flying_height_m__isnull=True) | (Q(flying_height_m__gt=0) & Q(flying_height_m__lte=500)),
                name="survey_flying_height_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Survey {self.pk} of {self.site}"


class Blob(models.Model):
    """Stored content keyed by its SHA-256: the same bytes are stored once, whatever survey they belong to."""

    sha256 = models.CharField(max_length=64, unique=True)
    file = models.FileField(max_length=300)
    size = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(size__gte=0), name="blob_size_not_negative"),
        ]

    def __str__(self) -> str:
        return self.sha256


class AssetKind(models.TextChoices):
    PHOTO = "photo", "Photo"
    THERMAL_PHOTO = "thermal_photo", "Thermal photo"
    VIDEO = "video", "Video"
    ORTHOPHOTO = "orthophoto", "Orthophoto GeoTIFF"
    ELEVATION = "elevation", "Elevation GeoTIFF"
    POINT_CLOUD = "point_cloud", "Point cloud"
    FLIGHT_LOG = "flight_log", "Flight log"
    GROUND_CONTROL = "ground_control", "Ground control points"
    OTHER = "other", "Other"


class Asset(models.Model):
    """One delivered file. Its id is stable: annotations and reports will point at it."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="assets")
    kind = models.CharField(max_length=16, choices=AssetKind.choices)
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="assets")
    file = models.FileField(max_length=300, help_text="same storage name as the blob's")
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    captured_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True, help_text="imagery_info keys, incl. width/height")
    footprint = models.JSONField(null=True, blank=True, help_text="GeoJSON Polygon, WGS84")
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    has_location = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["original_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "sha256"], name="asset_unique_content_per_survey"),
            models.CheckConstraint(
                condition=Q(has_location=False) | (Q(lat__isnull=False) & Q(lon__isnull=False)),
                name="asset_location_has_coordinates",
            ),
        ]
        indexes = [models.Index(fields=["survey", "kind"])]

    def __str__(self) -> str:
        return self.original_name


class UploadState(models.TextChoices):
    RECEIVING = "receiving", "Receiving"
    STORED = "stored", "Stored as an asset"
    DUPLICATE = "duplicate", "Duplicate of an existing asset"
    REFUSED = "refused", "Refused"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class Upload(models.Model):
    """A resumable upload in progress: bytes are appended to `temp_path` until `offset == size`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="uploads")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    offset = models.BigIntegerField(default=0)
    temp_path = models.CharField(max_length=500)
    state = models.CharField(max_length=16, choices=UploadState.choices, default=UploadState.RECEIVING)
    error = models.TextField(blank=True)
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(offset__gte=0) & Q(offset__lte=models.F("size")),
                                   name="upload_offset_within_size"),
            models.CheckConstraint(condition=Q(size__gte=0), name="upload_size_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.offset}/{self.size})"
