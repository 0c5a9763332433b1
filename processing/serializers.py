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
