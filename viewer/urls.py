"""Web pages of this app (mounted at the site root by config/urls.py)."""

from django.urls import path

from . import views

app_name = "viewer"

_S = "s/<str:token>/"

urlpatterns = [
    path("sites/", views.site_list, name="site_list"),
    path("sites/<int:pk>/", views.site_page, name="site"),
    path("sites/<int:pk>/share-links/", views.site_share, name="site_share"),
    path("surveys/<int:pk>/share-links/", views.survey_share, name="survey_share"),
    path("share-links/<int:pk>/revoke/", views.share_revoke, name="share_revoke"),
    # through a share link: anonymous, read-only, exactly what the link names
    path(_S, views.share_page, name="share"),
    path(_S + "surveys/<int:survey_id>/wmts.xml", views.share_wmts, name="share_wmts"),
    path(_S + "surveys/<int:survey_id>/tilejson.json", views.share_tilejson, name="share_tilejson"),
    path(_S + "surveys/<int:survey_id>/tiles/<int:z>/<int:x>/<int:y>.<str:ext>", views.share_tile,
         name="share_tile"),
    path(_S + "surveys/<int:survey_id>/map.json", views.share_map, name="share_map"),
    path(_S + "surveys/<int:survey_id>/defects.geojson", views.share_defects, name="share_defects"),
    path(_S + "photos/<int:asset_id>.jpg", views.share_photo, name="share_photo"),
    path(_S + "videos/<int:asset_id>.webm", views.share_video, name="share_video"),
]
