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
