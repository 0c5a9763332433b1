"""API routes of this app (mounted under /api/v1/ by config/urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("surveys/<int:survey_id>/candidates/", api.SurveyCandidatesView.as_view(), name="survey-candidates"),
    path("candidates/<int:pk>/accept/", api.CandidateAcceptView.as_view(), name="candidate-accept"),
    path("candidates/<int:pk>/reject/", api.CandidateRejectView.as_view(), name="candidate-reject"),
]
