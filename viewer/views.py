"""Pages: the site viewer for signed-in users, share-link management from the site and survey pages, and
everything reachable through a share link (/s/<token>/...), read-only and anonymous."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from surveys.selectors import survey_map, visible_surveys

from . import gis, selectors, services
from .models import ShareLink


def _survey_entry(survey: Any, *, tiles: str, tilejson: str, mapdata: str | None, defects: str,
                  photo: str | None, dzi: str | None, elevation: str | None = None,
                  shared_base: str | None = None) -> dict[str, Any]:
    """What the page's script (static/js/site_viewer.js) knows of one survey. `elevation`: the base of its elevation
    API (…/elevation/, with `profile` and `volume` under it) when it has a DSM/DTM and the viewer may measure."""
    fr, when = survey.flight_request, selectors.survey_when(survey)
    return {"id": survey.pk, "date": when.date().isoformat() if when else "",
            "service": fr.organisation.name if fr is not None and fr.organisation_id else "",
            "contractor": survey.supplier.name if survey.supplier_id else "",
            "status": survey.get_status_display(), "has_map": bool(survey.orthophoto),
            "tilejson": tilejson, "tiles": tiles, "map": mapdata, "defects": defects, "photo": photo, "dzi": dzi,
            "scales": selectors.defect_scales(survey), "elevation": elevation,
            "videos": selectors.survey_videos(survey, shared_base=shared_base),
            # areas changed since the previous survey of the site (detection's "detect_changes"), signed in only
            "changes": None if shared_base else f"/api/v1/surveys/{survey.pk}/candidates/?status=proposed"}


def _basemap() -> dict[str, Any]:
    return {"url": settings.BASEMAP_URL, "attribution": settings.BASEMAP_ATTRIBUTION,
            "maxZoom": settings.BASEMAP_MAX_ZOOM}


# ---------------------------------------------------------------- the site page (signed in)


@login_required
@require_GET
def site_list(request: HttpRequest) -> HttpResponse:
    """Every site the user may see, searchable by name, paged, each linking to its page (its surveys over time)."""
    from booking.filters import filtered, form_fields, paginate
    from surveys.filters import SiteFilter

    filterset, qs = filtered(SiteFilter, request, selectors.site_list_rows(request.user).order_by("name", "id"))
    return render(request, "viewer/site_list.html", {
        "filter": filterset, "fields": form_fields(filterset, ("q",)), **paginate(request, qs)})


@login_required
@require_GET
def site_page(request: HttpRequest, pk: int) -> HttpResponse:
    site = selectors.site_for(request.user, pk)
    if site is None:
        raise Http404("no such site")
    surveys = list(selectors.site_surveys(user=request.user, site=site))
    with_dsm = selectors.surveys_with_elevation(surveys)
    entries = [_survey_entry(
        s, tiles=f"/tiles/surveys/{s.pk}/{{z}}/{{x}}/{{y}}.png", tilejson=f"/api/v1/surveys/{s.pk}/tilejson.json",
        mapdata=f"/api/v1/surveys/{s.pk}/map/", defects=f"/api/v1/surveys/{s.pk}/defects?type=geojson",
        photo="/files/{asset}/still.jpg", dzi="/photos/{asset}/deepzoom.dzi",
        elevation=reverse("survey-elevation", args=[s.pk]) if s.pk in with_dsm else None) for s in surveys]
    context = {"site": site, "surveys": surveys, "viewer": {"site": site.pk, "geometry": site.geometry,
                                                            "surveys": entries, "basemap": _basemap()},
               "shared": None}
    return render(request, "viewer/site.html", context)


# ---------------------------------------------------------------- share links: made and revoked from the pages


def _expires_in(request: HttpRequest) -> Any:
    return services.parse_duration(request.POST.get("expires_in", ""))


@login_required
@require_POST
def site_share(request: HttpRequest, pk: int) -> HttpResponse:
    site = selectors.site_for(request.user, pk)
    if site is None:
        raise Http404("no such site")
    if not services.can_share(request.user):
        raise PermissionDenied
    return _share(request, reverse("viewer:site", args=[pk]), site=site)


@login_required
@require_POST
def survey_share(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(visible_surveys(request.user), pk=pk)
    if not services.can_share(request.user):
        raise PermissionDenied
    return _share(request, reverse("surveys:detail", args=[pk]) + "#share-links", survey=survey)


def _share(request: HttpRequest, back: str, **names: Any) -> HttpResponse:
    try:
        link = services.share_link_create(by=request.user, now=timezone.now(), expires_in=_expires_in(request),
                                          purpose=request.POST.get("purpose", ""),
                                          passcode=request.POST.get("passcode", ""), **names)
    except services.ShareLinkError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Share link made, valid until {timezone.localtime(link.expires_at):%d %b %Y %H:%M}: "
                                  f"{share_url(link)}")
    return redirect(back)


@login_required
@require_POST
def share_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(selectors.visible_share_links(request.user), pk=pk)
    try:
        services.share_link_revoke(link=link, by=request.user, now=timezone.now())
    except services.ShareLinkError as exc:
        if not services.can_revoke(request.user, link):
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Share link {link.pk} revoked: it no longer opens.")
    back = reverse("viewer:site", args=[link.site_id]) if link.site_id else reverse(
        "surveys:detail", args=[link.survey_id]) + "#share-links"
    return redirect(back)


def share_url(link: ShareLink) -> str:
    return settings.SITE_URL.rstrip("/") + f"/s/{link.token}/"


# ---------------------------------------------------------------- through a link (no account)


class Gone(Exception):
    pass


def _address(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _unlock_key(link: ShareLink) -> str:
    return f"share-link-{link.pk}-unlocked"


def _open(request: HttpRequest, token: str, what: str, *, record: bool = True) -> ShareLink:
    """The link, if valid and (when it has a passcode) unlocked in this browser session; 404 for an unknown token,
    410 once expired or revoked (recorded), 403 while locked."""
    link = ShareLink.objects.select_related("site", "survey__site").filter(token=token).first()
    if link is None:
        raise Http404("no such link")
    state = selectors.link_state(link)
    if state != "ok":
        services.view_record(link=link, now=timezone.now(), address=_address(request), what=what,
                             path=request.path, outcome=state)
        raise Gone(state)
    if link.passcode_hash and not request.session.get(_unlock_key(link)):
        raise PermissionDenied("this link asks for its passcode first")
    if record:
        services.view_record(link=link, now=timezone.now(), address=_address(request), what=what, path=request.path)
    return link


def _gone(request: HttpRequest, state: str) -> HttpResponse:
    return render(request, "viewer/share_gone.html", {"state": state}, status=410)


def _link_view(what: str, *, record: bool = True):
    def decorate(view):
        def wrapper(request: HttpRequest, token: str, **kwargs: Any) -> HttpResponse:
            try:
                link = _open(request, token, what, record=record)
            except Gone as exc:
                return _gone(request, str(exc))
            response = view(request, link, **kwargs)
            response["X-Robots-Tag"] = "noindex, nofollow"
            response["Referrer-Policy"] = "no-referrer"
            return response
        wrapper.__name__ = view.__name__
        wrapper.__doc__ = view.__doc__
        return wrapper
    return decorate


@require_http_methods(["GET", "POST"])
def share_page(request: HttpRequest, token: str) -> HttpResponse:
    """The read-only page of what the link names; with a passcode, its form first."""
    link = ShareLink.objects.select_related("site", "survey__site").filter(token=token).first()
    if link is None:
        raise Http404("no such link")
    state = selectors.link_state(link)
    now = timezone.now()
    if state != "ok":
        services.view_record(link=link, now=now, address=_address(request), what="page", path=request.path,
                             outcome=state)
        return _gone(request, state)
    if link.passcode_hash and not request.session.get(_unlock_key(link)):
        error = ""
        if request.method == "POST":
            if services.passcode_matches(link, request.POST.get("passcode", "")):
                request.session.cycle_key()
                request.session[_unlock_key(link)] = True
                services.view_record(link=link, now=now, address=_address(request), what="passcode",
                                     path=request.path)
                return redirect(f"/s/{link.token}/")
            services.view_record(link=link, now=now, address=_address(request), what="passcode",
                                 path=request.path, outcome="wrong-passcode")
            error = "That passcode is not right."
        return render(request, "viewer/share_passcode.html", {"error": error, "token": link.token},
                      status=403 if error else 200)
    if request.method == "POST":
        return redirect(f"/s/{link.token}/")
    services.view_record(link=link, now=now, address=_address(request), what="page", path=request.path)
    site = selectors.link_site(link)
    base = f"/s/{link.token}"
    surveys = list(selectors.link_surveys(link))
    entries = [_survey_entry(
        s, tiles=f"{base}/surveys/{s.pk}/tiles/{{z}}/{{x}}/{{y}}.png", tilejson=f"{base}/surveys/{s.pk}/tilejson.json",
        mapdata=f"{base}/surveys/{s.pk}/map.json", defects=f"{base}/surveys/{s.pk}/defects.geojson",
        # through a link: the blurred copy only, never the original's pyramid
        photo=f"{base}/photos/{{asset}}.jpg", dzi=None, shared_base=base) for s in surveys]
    context = {"site": site, "surveys": surveys, "link": link, "base": base,
               "viewer": {"site": site.pk, "geometry": site.geometry, "surveys": entries, "basemap": _basemap(),
                          "shared": True},
               "shared": link}
    response = render(request, "viewer/site.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _link_survey(link: ShareLink, survey_id: int) -> Any:
    survey = selectors.link_surveys(link).filter(pk=survey_id).first()
    if survey is None:
        raise Http404("this link does not name that survey")
    return survey


@require_GET
@_link_view("wmts")
def share_wmts(request: HttpRequest, link: ShareLink, survey_id: int) -> HttpResponse:
    survey = _link_survey(link, survey_id)
    base = request.build_absolute_uri(f"/s/{link.token}/surveys/{survey.pk}/")
    return gis.wmts_response(survey, tiles_base=base + "tiles/")


@require_GET
@_link_view("tilejson")
def share_tilejson(request: HttpRequest, link: ShareLink, survey_id: int) -> HttpResponse:
    survey = _link_survey(link, survey_id)
    base = request.build_absolute_uri(f"/s/{link.token}/surveys/{survey.pk}/tiles/")
    return JsonResponse(gis.tilejson_document(survey, tiles_base=base))


@require_GET
@_link_view("tile", record=False)  # tiles are not recorded one by one: the page, WMTS or TileJSON opened is
def share_tile(request: HttpRequest, link: ShareLink, survey_id: int, z: int, x: int, y: int, ext: str) -> HttpResponse:
    return gis.tile_response(request, _link_survey(link, survey_id), z, x, y, ext)


@require_GET
@_link_view("map")
def share_map(request: HttpRequest, link: ShareLink, survey_id: int) -> HttpResponse:
    """Where the photos are (camera positions and footprints), without file names."""
    collection = survey_map(survey=_link_survey(link, survey_id))
    for f in collection["features"]:
        f["properties"].pop("name", None)
    return JsonResponse(collection)


@require_GET
@_link_view("defects")
def share_defects(request: HttpRequest, link: ShareLink, survey_id: int) -> HttpResponse:
    return JsonResponse(gis.defects_geojson(_link_survey(link, survey_id), public=True),
                        content_type="application/geo+json")


def _link_photo(link: ShareLink, asset_id: int) -> Any:
    asset = selectors.link_photos(link).filter(pk=asset_id).first()
    if asset is None:
        raise Http404("this link does not name that photo")
    try:
        return services.blurred_photo(asset=asset, now=timezone.now())
    except FileNotFoundError as exc:  # no face model: never fall back to the original
        raise Http404("photos cannot be shown through links until the face model is installed") from exc
    except services.ShareLinkError as exc:
        raise Http404(exc.message) from exc


@require_GET
@_link_view("photo")
def share_photo(request: HttpRequest, link: ShareLink, asset_id: int) -> HttpResponse:
    """The photo with faces blurred (rendered once, stored); the original is never sent through a link."""
    blurred = _link_photo(link, asset_id)
    response = FileResponse(blurred.file.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@_link_view("video")
def share_video(request: HttpRequest, link: ShareLink, asset_id: int) -> HttpResponseBase:
    """The video with faces blurred (rendered once by the blur_video job); the original is never sent."""
    from surveys.files import stored_file_response

    asset = selectors.link_photos(link).filter(pk=asset_id, kind="video").select_related("blurred_video").first()
    blurred = getattr(asset, "blurred_video", None) if asset is not None else None
    if blurred is None:
        raise Http404("this link does not name that video, or its blurred copy is not ready yet")
    response = stored_file_response(name=blurred.file.name, content_type="video/webm",
                                    filename=f"video-{asset.pk}-blurred.webm", range_header=request.headers.get("Range"))
    response["Cache-Control"] = "private, max-age=3600"
    return response


def dumps(value: Any) -> str:
    return json.dumps(value, default=str)
