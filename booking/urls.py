"""Web pages of this app (mounted at the site root by config/urls.py)."""

from django.urls import path, register_converter

from . import views


class ExportFormat:
    regex = "csv|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormat, "exportformat")

app_name = "booking"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/export.<exportformat:fmt>", views.request_export, name="request_export"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/export.<exportformat:fmt>", views.order_export, name="order_export"),
    path("flights/", views.flight_list, name="flight_list"),
    path("spend/export.<exportformat:fmt>", views.spend_export, name="spend_export"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/edit/", views.request_edit, name="request_edit"),
    path("requests/<int:pk>/actions/<slug:action>/", views.request_action, name="request_action"),
    path("spend/", views.spend, name="spend"),
    path("profile/", views.profile, name="profile"),
    path("profile/calendar/rotate/", views.calendar_token_rotate, name="calendar_token_rotate"),
]
