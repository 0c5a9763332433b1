from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from booking.models import Flight, FlightRequest

from .models import Asset, Site, Survey, Upload
from .sizes import human_size


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name", "geometry", "organisation", "created_at"]


def _absolute(serializer: serializers.Serializer, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request else path


class AssetSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(
        help_text="the permission-checked download of this file (GET; session or token auth)")

    class Meta:
        model = Asset
        fields = ["id", "survey", "kind", "original_name", "sha256", "size", "captured_at", "lat", "lon",
                  "has_location", "footprint", "metadata", "download_url", "created_at"]

    def get_download_url(self, obj: Asset) -> str:
        return _absolute(self, reverse("asset-download", kwargs={"pk": obj.pk}))


class SurveySerializer(serializers.ModelSerializer):
    site = SiteSerializer(read_only=True)
    asset_count = serializers.SerializerMethodField()
    flight_request_reference = serializers.CharField(source="flight_request.reference", read_only=True,
                                                     default=None)
    orthophoto = serializers.SerializerMethodField(
        help_text="the permission-checked download of the map (Cloud-Optimised GeoTIFF); null until there is one")

    class Meta:
        model = Survey
        fields = ["id", "site", "flight_request", "flight_request_reference", "flight", "supplier", "status",
                  "map_state", "conformance", "conformance_passed", "flagged_for_review", "ortho_report", "orthophoto",
                  "flying_height_m", "asset_count", "delivered_at", "created_at"]
        read_only_fields = fields

    def get_asset_count(self, obj: Survey) -> int:
        counted = getattr(obj, "asset_total", None)  # selectors.survey_list_rows counts them for a whole page
        return counted if counted is not None else obj.assets.count()

    def get_orthophoto(self, obj: Survey) -> str | None:
        return _absolute(self, reverse("survey-orthophoto", kwargs={"pk": obj.pk})) if obj.orthophoto else None


class SurveyCreateSerializer(serializers.Serializer):
    """Open a survey for a flight request (and, optionally, one of its flights)."""

    flight_request = serializers.PrimaryKeyRelatedField(queryset=FlightRequest.objects.none())
    flight = serializers.PrimaryKeyRelatedField(queryset=Flight.objects.none(), required=False, allow_null=True)
    flying_height_m = serializers.FloatField(
        required=False, allow_null=True, min_value=0.1, max_value=500,
        help_text="Flying height above ground (m) the contractor states; gives footprints to photos that record "
                  "no relative altitude (see docs/upload.md).")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from booking.selectors import visible_flights, visible_requests

        request = self.context.get("request")
        if request is None:  # schema generation: no user, nothing to choose from
            return
        self.fields["flight_request"].queryset = visible_requests(request.user)
        self.fields["flight"].queryset = visible_flights(request.user)


class UploadSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    asset = AssetSerializer(read_only=True, allow_null=True)  # null until the upload is complete

    class Meta:
        model = Upload
        fields = ["id", "url", "survey", "filename", "size", "sha256", "offset", "state", "error", "asset",
                  "created_at", "updated_at"]
        read_only_fields = fields

    def get_url(self, obj: Upload) -> str:
        request = self.context.get("request")
        path = f"/api/v1/uploads/{obj.pk}/"
        return request.build_absolute_uri(path) if request else path


class UploadCreateSerializer(serializers.Serializer):
    """The JSON form of upload creation (the tus form sends Upload-Length and Upload-Metadata headers)."""

    filename = serializers.CharField(max_length=255)
    size = serializers.IntegerField(min_value=1)
    sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$", error_messages={
        "invalid": "The file's SHA-256 must be 64 hex digits."})

    def validate_size(self, value: int) -> int:
        if value > settings.UPLOAD_MAX_FILE_BYTES:
            raise serializers.ValidationError(f"Files over {human_size(settings.UPLOAD_MAX_FILE_BYTES)} are not accepted.")
        return value


class FlyingHeightSerializer(serializers.Serializer):
    """The contractor's statement of the flight's height above ground (null withdraws it)."""

    flying_height_m = serializers.FloatField(allow_null=True, required=False, min_value=0.1, max_value=500)
