"""Web routes of this app (mounted at the site root by config/urls.py)."""

from django.urls import path, register_converter

from . import views


class TileFormat:
    regex = "png|webp|jpg"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TileFormat, "tileformat")

app_name = "processing"

urlpatterns = [
    path(
        "tiles/surveys/<int:survey_id>/<int:z>/<int:x>/<int:y>.<tileformat:ext>",
        views.survey_tile,
        name="survey-tile",
    ),
]
