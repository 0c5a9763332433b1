"""API routes of this app (mounted under /api/v1/ by config/urls.py)."""

from django.urls import path

from . import api, elevation_api

urlpatterns = [
    path("surveys/<int:survey_id>/wmts.xml", api.SurveyWMTSView.as_view(), name="survey-wmts"),
    path("surveys/<int:survey_id>/tiles/<int:z>/<int:x>/<int:y>.<str:ext>", api.api_survey_tile,
         name="survey-api-tile"),
    path("surveys/<int:survey_id>/defects", api.SurveyDefectsView.as_view(), name="survey-defects"),
    path("surveys/<int:survey_id>/elevation/", elevation_api.SurveyElevationView.as_view(),
         name="survey-elevation"),
    path("surveys/<int:survey_id>/elevation/profile", elevation_api.SurveyElevationProfileView.as_view(),
         name="survey-elevation-profile"),
    path("surveys/<int:survey_id>/elevation/volume", elevation_api.SurveyElevationVolumeView.as_view(),
         name="survey-elevation-volume"),
    path("share-links/", api.ShareLinkListView.as_view(), name="share-link-list"),
    path("share-links/<int:pk>/revoke/", api.ShareLinkRevokeView.as_view(), name="share-link-revoke"),
]
