"""API routes of this app (mounted under /api/v1/ by config/urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("surveys/<int:survey_id>/annotations/", api.SurveyAnnotationsView.as_view(), name="survey-annotations"),
    path("surveys/<int:survey_id>/annotations/export", api.SurveyAnnotationsExportView.as_view(),
         name="survey-annotations-export"),
    path("annotations/<int:pk>/", api.AnnotationView.as_view(), name="annotation-detail"),
    path("inspection/schemas/", api.SchemaListView.as_view(), name="inspection-schemas"),
]
