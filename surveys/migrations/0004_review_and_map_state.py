"""The survey's one status splits in two: the review state (`status`: receiving, delivered, flagged, accepted,
returned) and the map's state (`map_state`: none, building, ready, failed). Existing rows are mapped by
`migrated_states` (tested in tests/surveys/test_transitions.py)."""

from django.db import migrations, models

ACTIVE_JOB_STATES = ("pending", "running")


def migrated_states(*, status: str, flagged: bool, has_map: bool, latest_job: str | None,
                    request_status: str | None) -> tuple[str, str]:
    """(review state, map state) for a row of the old single status. `latest_job`: the state of the survey's
    newest job (None without one); `request_status`: its request's, if it has one."""
    if status == "receiving":
        return "receiving", "none"
    review = "flagged" if status == "flagged" or flagged else "delivered"
    if request_status == "completed":
        review = "accepted"
    elif request_status == "rework":
        review = "returned"
    direct = {"processing": "building", "ready": "ready", "failed": "failed"}
    if status in direct:
        return review, direct[status]
    # delivered / flagged: the old status said nothing about the map
    if latest_job in ACTIVE_JOB_STATES:
        return review, "building"
    if has_map:
        return review, "ready"
    return review, "failed" if latest_job == "failed" else "none"


def old_status(*, status: str, map_state: str) -> str:
    """The single status a row had before (for going back)."""
    if status in ("receiving", "flagged"):
        return status
    return {"building": "processing", "ready": "ready", "failed": "failed"}.get(map_state, "delivered")


def forward(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    Job = apps.get_model("processing", "Job")
    for survey in Survey.objects.select_related("flight_request").iterator():
        latest = Job.objects.filter(survey_id=survey.pk).order_by("-created_at", "-id").values_list(
            "state", flat=True).first()
        review, map_state = migrated_states(
            status=survey.status, flagged=survey.flagged_for_review, has_map=bool(survey.orthophoto),
            latest_job=latest,
            request_status=survey.flight_request.status if survey.flight_request_id else None)
        Survey.objects.filter(pk=survey.pk).update(status=review, map_state=map_state)


def backward(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    for survey in Survey.objects.only("id", "status", "map_state").iterator():
        Survey.objects.filter(pk=survey.pk).update(status=old_status(status=survey.status,
                                                                     map_state=survey.map_state))


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0003_ground_control_kind"),
        ("processing", "0002_job_kind_registered"),
        ("booking", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="survey",
            name="map_state",
            field=models.CharField(choices=[("none", "No map"), ("building", "Map building"), ("ready", "Map ready"),
                                            ("failed", "Map failed")], default="none", max_length=16),
        ),
        migrations.AlterField(
            model_name="survey",
            name="status",
            field=models.CharField(choices=[("receiving", "Receiving files"), ("delivered", "Delivered"),
                                            ("flagged", "Flagged for review"), ("accepted", "Accepted"),
                                            ("returned", "Returned for rework")], default="receiving",
                                   help_text="the review state of the delivery", max_length=16),
        ),
        migrations.RunPython(forward, backward),
    ]
