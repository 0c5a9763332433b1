from __future__ import annotations

from rest_framework import serializers

from .models import Job


class JobSerializer(serializers.ModelSerializer):
    log_tail = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id", "kind", "state", "stage", "progress", "error", "attempts", "max_attempts", "survey",
            "finished_stages", "result", "heartbeat_at", "started_at", "finished_at", "created_at", "updated_at",
            "log_tail",
        ]
        read_only_fields = fields

    def get_log_tail(self, job: Job) -> str:
        return job.log_tail(20)


class TileJSONSerializer(serializers.Serializer):
    """TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0): the keys we fill in."""

    tilejson = serializers.CharField()
    name = serializers.CharField()
    scheme = serializers.ChoiceField(choices=["xyz"])
    tiles = serializers.ListField(child=serializers.CharField(), help_text="URL templates with {z}, {x}, {y}")
    minzoom = serializers.IntegerField(min_value=0, max_value=30)
    maxzoom = serializers.IntegerField(min_value=0, max_value=30)
    bounds = serializers.ListField(child=serializers.FloatField(), min_length=4, max_length=4,
                                   help_text="west, south, east, north in WGS84 degrees")
    center = serializers.ListField(child=serializers.FloatField(), min_length=3, max_length=3,
                                   help_text="longitude, latitude, zoom")
