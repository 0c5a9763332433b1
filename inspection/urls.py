"""Web pages of this app (mounted at the site root by config/urls.py)."""

from django.urls import path

from . import views

app_name = "inspection"

urlpatterns = [
    path("surveys/<int:pk>/annotate/", views.annotate, name="annotate"),
]
