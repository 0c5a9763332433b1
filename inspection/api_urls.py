"""API routes of this app (mounted under /api/v1/ by config/urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("surveys/<int:survey_id>/annotations/", api.SurveyAnnotationsView.as_view(), name="survey-annotations"),
    path("surveys/<int:survey_id>/annotations/export", api.SurveyAnnotationsExportView.as_view(),
         name="survey-annotations-export"),
    path("surveys/<int:survey_id>/annotations/import", api.SurveyAnnotationsImportView.as_view(),
         name="survey-annotations-import"),
    path("annotations/<int:pk>/", api.AnnotationView.as_view(), name="annotation-detail"),
    path("inspection/schemas/", api.SchemaListView.as_view(), name="inspection-schemas"),
    path("surveys/<int:survey_id>/reports/", api.SurveyReportsView.as_view(), name="survey-reports"),
    path("reports/<int:pk>/", api.ReportView.as_view(), name="report-detail"),
    path("reports/<int:pk>/report.pdf", api.ReportDownloadView.as_view(kind="pdf"), name="report-pdf"),
    path("reports/<int:pk>/report.html", api.ReportDownloadView.as_view(kind="html"), name="report-html"),
    path("reports/<int:pk>/report.json", api.ReportDownloadView.as_view(kind="json"), name="report-json"),
    path("reports/<int:pk>/sign-off/", api.ReportSignOffView.as_view(), name="report-sign-off"),
]
