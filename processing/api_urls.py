"""API routes of this app (mounted under /api/v1/ by config/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("jobs", api.JobViewSet, basename="job")

urlpatterns = [
    path("surveys/<int:survey_id>/tilejson.json", api.SurveyTileJSONView.as_view(), name="survey-tilejson"),
    *router.urls,
]
