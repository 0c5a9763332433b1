"""API routes of this app (mounted under /api/v1/ by config/urls.py)."""

from django.urls import path

from . import api

# Stored checks are listed by booking (`/api/v1/policy/checks/`): who sees a check is booking's rule.

urlpatterns: list = [
    path("policy/evaluate", api.EvaluateView.as_view(), name="policy-evaluate"),
    path("policy/daylight", api.DaylightView.as_view(), name="policy-daylight"),
    path("policy/current", api.CurrentPolicyView.as_view(), name="policy-current"),
]
