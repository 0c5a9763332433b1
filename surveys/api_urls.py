"""API routes of this app (mounted under /api/v1/ by config/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, job_api, tiles

router = SimpleRouter()
router.register("sites", api.SiteViewSet, basename="site")
router.register("surveys", api.SurveyViewSet, basename="survey")
router.register("jobs", job_api.JobViewSet, basename="job")

urlpatterns = [
    path("surveys/<int:survey_id>/uploads/", api.UploadCreateView.as_view(), name="survey-uploads"),
    path("uploads/<uuid:upload_id>/", api.UploadView.as_view(), name="upload-detail"),
    path("assets/<int:pk>/download/", api.AssetDownloadView.as_view(), name="asset-download"),
    path("surveys/<int:survey_id>/tilejson.json", tiles.SurveyTileJSONView.as_view(), name="survey-tilejson"),
    *router.urls,
]
