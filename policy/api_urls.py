"""API routes of this app (mounted under /api/v1/ by config/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("policy/checks", api.PolicyCheckViewSet, basename="policy-check")

urlpatterns: list = [
    path("policy/evaluate", api.EvaluateView.as_view(), name="policy-evaluate"),
    path("policy/daylight", api.DaylightView.as_view(), name="policy-daylight"),
    path("policy/current", api.CurrentPolicyView.as_view(), name="policy-current"),
    *router.urls,
]
