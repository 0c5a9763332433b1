"""API shapes (thin: validation is in services and the core)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import Annotation, InspectionSchema
from .selectors import location


class InspectionSchemaSerializer(serializers.ModelSerializer):
    class Meta:
        model = InspectionSchema
        fields = ["id", "family", "number", "document", "change_note", "created_at"]


class AnnotationSerializer(serializers.ModelSerializer):
    """Output only; writes take the raw fields and go through `inspection.services`."""

    schema = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()

    class Meta:
        model = Annotation
        fields = ["id", "survey", "kind", "asset", "pixel_geometry", "geometry", "schema", "category", "severity",
                  "extent", "risk_impact", "risk_probability", "note", "author", "created_at", "updated_at",
                  "location"]

    def get_schema(self, obj: Annotation) -> dict[str, Any]:
        return {"family": obj.schema.family, "number": obj.schema.number}

    def get_author(self, obj: Annotation) -> str | None:
        return obj.author.get_username() if obj.author_id else None

    def get_location(self, obj: Annotation) -> dict | None:
        footprints = self.context.get("footprints", {}).get(obj.survey_id, {})
        return location(obj, footprints)


class InspectionReportSerializer(serializers.Serializer):
    """A report version: who made it and when, how many defects, sign-off, and where its three files are."""

    id = serializers.IntegerField()
    survey = serializers.IntegerField(source="survey_id")
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    created_by = serializers.SerializerMethodField()
    fingerprint = serializers.CharField()
    defect_count = serializers.IntegerField()
    summary = serializers.SerializerMethodField()
    signed_off_by = serializers.SerializerMethodField()
    signed_off_at = serializers.DateTimeField(allow_null=True)
    is_current = serializers.SerializerMethodField()
    downloads = serializers.SerializerMethodField()

    def get_created_by(self, obj: Any) -> str | None:
        return obj.created_by.get_username() if obj.created_by_id else None

    def get_signed_off_by(self, obj: Any) -> str | None:
        return obj.signed_off_by.get_username() if obj.signed_off_by_id else None

    def get_summary(self, obj: Any) -> dict[str, Any]:
        return (obj.document or {}).get("summary", {}).get("by_severity", {})

    def get_is_current(self, obj: Any) -> bool:
        latest = self.context.get("latest", {}).get(obj.survey_id)
        return latest is None or latest == obj.number

    def get_downloads(self, obj: Any) -> dict[str, str]:
        from django.urls import reverse

        return {kind: reverse(f"report-{kind}", kwargs={"pk": obj.pk}) for kind in ("pdf", "html", "json")}
