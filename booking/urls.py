"""Web pages of this app (mounted at the site root by config/urls.py)."""

from django.urls import path

from . import views

app_name = "booking"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/edit/", views.request_edit, name="request_edit"),
    path("requests/<int:pk>/actions/<slug:action>/", views.request_action, name="request_action"),
    path("spend/", views.spend, name="spend"),
    path("profile/", views.profile, name="profile"),
]
