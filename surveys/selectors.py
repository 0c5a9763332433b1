"""Reads: what a user may see, and the map of a survey."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.roles import (
    READ_ALL_SURVEYS_ROLES,
    is_admin,
    is_operator,
    organisation_id_of,
    role_of,
    supplier_id_of,
)
from processing.models import Job

from .models import Asset, Site, Survey, Upload


def visible_surveys(user: Any) -> QuerySet[Survey]:
    """The surveys `user` may see; anything else answers 404."""
    qs = Survey.objects.select_related("site", "flight_request", "flight", "supplier")
    if user is None or not user.is_authenticated:
        return qs.none()
    if is_admin(user) or role_of(user) in READ_ALL_SURVEYS_ROLES:
        return qs
    role = role_of(user)
    if role == "contractor":
        supplier_id = supplier_id_of(user)
        return qs.filter(supplier_id=supplier_id) if supplier_id else qs.none()
    if role == "requester":
        org_id = organisation_id_of(user)
        if not org_id:
            return qs.none()
        return qs.filter(
            Q(flight_request__organisation_id=org_id)
            | Q(flight_request__isnull=True, site__organisation_id=org_id)
        )
    return qs.none()


def visible_assets(user: Any) -> QuerySet[Asset]:
    """The delivered files `user` may download: those of the surveys they may see (anything else answers 404)."""
    return Asset.objects.select_related("survey", "blob").filter(survey__in=visible_surveys(user).values("id"))


def visible_sites(user: Any) -> QuerySet[Site]:
    qs = Site.objects.select_related("organisation")
    if user is None or not user.is_authenticated:
        return qs.none()
    if is_admin(user) or role_of(user) in READ_ALL_SURVEYS_ROLES:
        return qs
    survey_ids = visible_surveys(user).values("id")
    org_id = organisation_id_of(user)
    return qs.filter(Q(surveys__in=survey_ids) | Q(organisation_id=org_id or -1)).distinct()


def visible_uploads(user: Any) -> QuerySet[Upload]:
    """Uploads are private to whoever started them (and administrators)."""
    qs = Upload.objects.select_related("survey")
    if user is None or not user.is_authenticated:
        return qs.none()
    if is_admin(user):
        return qs
    return qs.filter(owner=user)


def survey_assets(*, survey: Survey) -> QuerySet[Asset]:
    return survey.assets.all().order_by("original_name", "id")


def survey_map(*, survey: Survey) -> dict:
    """GeoJSON FeatureCollection for the survey page: approved area, photo footprints and positions."""
    features: list[dict] = []
    area = approved_area(survey=survey)
    if area:
        features.append({"type": "Feature", "geometry": area,
                         "properties": {"layer": "approved_area", "name": survey.site.name}})
    for asset in survey.assets.all().only(
        "id", "kind", "original_name", "footprint", "lat", "lon", "has_location", "captured_at"
    ):
        props = {"asset": asset.pk, "kind": asset.kind, "name": asset.original_name,
                 "captured_at": asset.captured_at.isoformat() if asset.captured_at else None}
        if asset.footprint:
            features.append({"type": "Feature", "geometry": asset.footprint,
                             "properties": {**props, "layer": "footprint"}})
        if asset.has_location:
            features.append({"type": "Feature",
                             "geometry": {"type": "Point", "coordinates": [asset.lon, asset.lat]},
                             "properties": {**props, "layer": "position"}})
    features += _placed_photos(survey)
    return {"type": "FeatureCollection", "features": features}


def _placed_photos(survey: Survey) -> list[dict]:
    """Where the orthomosaic put each photo: its ground footprint and camera position as solved from the images
    (layers "placed_footprint" and "placed_position"), when the stored report has them. Unlike the upload-time
    footprints (camera GPS, nadir or stated height) these are where the photo's pixels are on the map."""
    report = survey.ortho_report or {}
    placed = report.get("photos_used") if isinstance(report, dict) else None
    if not isinstance(placed, list):
        return []
    asset_ids = dict(survey.assets.filter(kind="photo").values_list("original_name", "id"))
    features = []
    for photo in placed:
        if not isinstance(photo, dict) or not photo.get("footprint_lonlat"):
            continue
        props = {"asset": asset_ids.get(photo.get("name")), "name": photo.get("name"),
                 "offset_m": photo.get("offset_m"), "tilt_deg": photo.get("tilt_deg"),
                 "height_m": photo.get("height_m")}
        ring = [list(corner) for corner in photo["footprint_lonlat"]]
        features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring + ring[:1]]},
                         "properties": {**props, "layer": "placed_footprint"}})
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [photo["lon"], photo["lat"]]},
                         "properties": {**props, "layer": "placed_position"}})
    return features


def approved_area(*, survey: Survey) -> dict | None:
    """The approved area: the request's polygon, else the site's geometry."""
    if survey.flight_request_id and getattr(survey.flight_request, "area", None):
        return survey.flight_request.area
    return survey.site.geometry or None


def survey_jobs(*, survey: Survey) -> list[Job]:
    """Processing jobs of this survey, newest first."""
    return list(Job.objects.filter(survey=survey).order_by("-id")[:10])


def visible_jobs(user: Any) -> QuerySet[Job]:
    """Jobs of the surveys `user` may see; staff (see `accounts.roles.is_operator`) also see jobs of no survey."""
    qs = Job.objects.select_related("survey")
    if user is None or not user.is_authenticated:
        return qs.none()
    if is_operator(user):
        return qs
    return qs.filter(survey__in=visible_surveys(user).values("id"))


def survey_list_rows(user: Any) -> QuerySet[Survey]:
    """The surveys `user` may see, ready for a list: their site and request joined and each one's file count
    (`asset_total`) counted in the same query, so a page costs the same whatever its length."""
    files = (Asset.objects.filter(survey=OuterRef("pk")).order_by().values("survey")
             .annotate(n=Count("id")).values("n"))
    return (visible_surveys(user).select_related("site", "flight_request")
            .annotate(asset_total=Coalesce(Subquery(files, output_field=IntegerField()), 0)))
