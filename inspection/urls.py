"""Web pages of this app (mounted at the site root by config/urls.py)."""

from django.urls import path

from . import views

app_name = "inspection"

urlpatterns = [
    path("surveys/<int:pk>/annotate/", views.annotate, name="annotate"),
    path("photos/<int:asset_id>/marked.jpg", views.annotated_photo, name="annotated_photo"),
]
