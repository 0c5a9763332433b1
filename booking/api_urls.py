"""API routes of this app (mounted under /api/v1/ by config/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("requests", api.FlightRequestViewSet, basename="flightrequest")
router.register("orders", api.OrderViewSet, basename="order")
router.register("flights", api.FlightViewSet, basename="flight")
router.register("suppliers", api.SupplierViewSet, basename="supplier")
router.register("lots", api.LotViewSet, basename="lot")
router.register("frameworks", api.FrameworkViewSet, basename="framework")
router.register("policy/checks", api.PolicyCheckViewSet, basename="policy-check")

urlpatterns = [
    path("me/", api.MeView.as_view(), name="booking-me"),
    path("spend/", api.SpendView.as_view(), name="booking-spend"),
    path("recharge/<int:organisation_id>/", api.RechargeView.as_view(), name="booking-recharge"),
    path("calendar/<str:token>.ics", api.CalendarFeedView.as_view(), name="booking-calendar"),
    *router.urls,
]
