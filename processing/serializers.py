from __future__ import annotations

from rest_framework import serializers

from .models import Job
from .selectors import job_state_detail, job_waiting


class JobSerializer(serializers.ModelSerializer):
    log_tail = serializers.SerializerMethodField()
    waiting = serializers.SerializerMethodField(
        help_text='Why a pending job has not started: "queue_unreachable" (the job queue could not be reached; the '
                  'job is kept and starts when it is back), "dispatching", "queued" (waiting for a free worker); '
                  '"" once it runs.')
    state_detail = serializers.SerializerMethodField(help_text="The state in one sentence, for people.")

    class Meta:
        model = Job
        fields = [
            "id", "kind", "state", "stage", "progress", "error", "attempts", "max_attempts", "survey",
            "finished_stages", "result", "heartbeat_at", "started_at", "finished_at", "created_at", "updated_at",
            "log_tail", "waiting", "state_detail", "dispatched_at", "dispatch_attempts",
        ]
        read_only_fields = fields

    def get_log_tail(self, job: Job) -> str:
        return job.log_tail(20)

    def get_waiting(self, job: Job) -> str:
        return job_waiting(job)

    def get_state_detail(self, job: Job) -> str:
        return job_state_detail(job)


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
