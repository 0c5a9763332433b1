"""Serializers: stored policy checks and the daylight query."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from rest_framework import serializers

from .models import PolicyCheck

MAX_DAYLIGHT_DAYS = 366


class PolicyCheckSerializer(serializers.ModelSerializer):
    policy_version = serializers.IntegerField(source="policy_version.number", read_only=True)
    flight_request = serializers.CharField(source="flight_request.reference", read_only=True, default=None)

    class Meta:
        model = PolicyCheck
        fields = ["id", "flight_request", "stage", "outcome", "category", "findings", "rules_checked",
                  "policy_version", "plan", "zone_data_version", "evaluated_at", "created_at"]
        read_only_fields = fields

    def to_representation(self, instance):
        """Each finding also carries `explanation`: its evidence as one sentence for a council officer
        (policy.core.explain; "" when the message says it all), as the request page shows it."""
        from .core.explain import explain

        data = super().to_representation(instance)
        findings = data.get("findings")
        if isinstance(findings, list):
            data["findings"] = [{**f, "explanation": explain(f, tz=settings.TIME_ZONE)} if isinstance(f, dict) else f
                                for f in findings]
        return data


class DaylightQuerySerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, attrs):  # type: ignore[no-untyped-def]
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": "must be on or after start"})
        if attrs["end"] - attrs["start"] > timedelta(days=MAX_DAYLIGHT_DAYS - 1):
            raise serializers.ValidationError({"end": f"the range is at most {MAX_DAYLIGHT_DAYS} days"})
        return attrs
