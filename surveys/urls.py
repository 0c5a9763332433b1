"""Web pages of this app (mounted at the site root by config/urls.py)."""

from django.urls import path, register_converter

from . import deepzoom, live, previews, tiles, views


class TileFormat:
    regex = "png|webp|jpg"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TileFormat, "tileformat")

app_name = "surveys"

urlpatterns = [
    path("surveys/", views.survey_list, name="list"),
    path("surveys/<int:pk>/", views.survey_detail, name="detail"),
    path("surveys/<int:pk>/deliver/", views.survey_deliver, name="deliver"),
    # fragments polled by static/js/live.js (pages that stay current)
    path("surveys/<int:pk>/delivery-state/", live.delivery_state, name="delivery_state"),
    path("requests/<int:pk>/state/", live.request_state, name="request_state"),
    path("surveys/<int:pk>/rebuild-map/", views.survey_rebuild_map, name="rebuild_map"),
    path("requests/<int:pk>/survey/", views.survey_open_for_request, name="open_for_request"),
    path("surveys/<int:pk>/orthophoto.tif", views.orthophoto_download, name="orthophoto_download"),
    path("surveys/<int:pk>/map-report.json", views.map_report_download, name="map_report_download"),
    path("surveys/<int:pk>/conformance-report.json", views.conformance_report_download,
         name="conformance_report_download"),
    # a photo's Deep Zoom pyramid for the annotation tool (surveys/deepzoom.py)
    path("photos/<int:asset_id>/deepzoom.dzi", deepzoom.photo_dzi, name="photo_dzi"),
    path("photos/<int:asset_id>/deepzoom_files/<int:level>/<int:col>_<int:row>.jpg",
         deepzoom.photo_tile, name="photo_tile"),
    path("files/<int:pk>/download/", views.asset_download, name="asset_download"),
    path("files/<int:asset_id>/still.jpg", previews.asset_preview, name="asset_preview"),
    path("tiles/surveys/<int:survey_id>/<int:z>/<int:x>/<int:y>.<tileformat:ext>", tiles.survey_tile,
         name="survey-tile"),
]
