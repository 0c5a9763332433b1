"""API routes of this app (mounted under /api/v1/ by config/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("sites", api.SiteViewSet, basename="site")
router.register("surveys", api.SurveyViewSet, basename="survey")

urlpatterns = [
    path("surveys/<int:survey_id>/uploads/", api.UploadCreateView.as_view(), name="survey-uploads"),
    path("uploads/<uuid:upload_id>/", api.UploadView.as_view(), name="upload-detail"),
    path("assets/<int:pk>/download/", api.AssetDownloadView.as_view(), name="asset-download"),
    *router.urls,
]
