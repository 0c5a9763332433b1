"""Reads: the share links a user may see, what a link names, and a site's surveys for its page."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from surveys.models import Asset, Site, Survey
from surveys.selectors import visible_sites, visible_surveys

from .models import BlurredVideo, ShareLink
from .services import can_share

#: The surveys a link to a site shows: those delivered (a delivery still being received is not shown).
SHOWN_STATUSES = ("delivered", "flagged", "accepted", "returned")  # also in services.share_link_create


def visible_share_links(user: Any) -> QuerySet[ShareLink]:
    """Officers and planners see the links (anyone else: none)."""
    qs = ShareLink.objects.select_related("site", "survey", "created_by", "revoked_by")
    return qs if can_share(user) else qs.none()


def link_state(link: ShareLink, now: Any = None) -> str:
    """"ok", "revoked" or "expired"."""
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= (now or timezone.now()):
        return "expired"
    return "ok"


def link_surveys(link: ShareLink) -> QuerySet[Survey]:
    """Exactly the surveys the link names: its survey, or the site's delivered surveys."""
    qs = Survey.objects.select_related("site", "supplier", "flight_request__organisation", "flight")
    if link.survey_id:
        return qs.filter(pk=link.survey_id)
    return qs.filter(site_id=link.site_id, status__in=SHOWN_STATUSES).order_by("created_at", "id")


def link_site(link: ShareLink) -> Site:
    return link.site if link.site_id else link.survey.site


def link_photos(link: ShareLink) -> QuerySet[Asset]:
    """The stills a link may show (blurred): its surveys' photos and the poster frames of their videos."""
    return Asset.objects.filter(survey__in=link_surveys(link).values("id"),
                                kind__in=("photo", "thermal_photo", "video"))


def site_for(user: Any, pk: int) -> Site | None:
    return visible_sites(user).filter(pk=pk).first()


def site_surveys(*, user: Any, site: Site) -> QuerySet[Survey]:
    """The site's surveys the user may see, oldest first (the timeline)."""
    return (visible_surveys(user).filter(site=site)
            .select_related("flight_request__organisation", "flight").order_by("created_at", "id"))


def survey_when(survey: Survey) -> Any:
    """The date a survey shows on the timeline: when it was flown, else when it was opened."""
    flight = survey.flight
    return flight.scheduled_start if flight is not None else survey.created_at


def surveys_with_elevation(surveys: list[Survey]) -> set[int]:
    """The ids of those surveys that have an elevation model (DSM/DTM GeoTIFF) delivered."""
    return set(Asset.objects.filter(survey__in=[s.pk for s in surveys], kind="elevation")
               .values_list("survey_id", flat=True))


def defect_scales(survey: Survey) -> dict[str, Any] | None:
    """The categories and the ranked severity scale of the inspection schema that applies to the survey, for the
    page's defect filters and marker colours (None when no schema applies)."""
    from inspection.core.schema import parse_schema
    from inspection.selectors import schema_for_survey

    row = schema_for_survey(survey=survey)
    if row is None:
        return None
    schema = parse_schema(row.document)
    return {"family": schema.family, "severity_name": schema.severity.name,
            "categories": [{"code": c.code, "label": c.label} for c in schema.categories],
            "severity": [{"code": lv.code, "label": lv.label, "rank": lv.rank}
                         for lv in sorted(schema.severity.levels, key=lambda lv: lv.rank)]}


#: at most this many fixes of a flight track go to the page (a 10-minute DJI SRT has about 18,000)
TRACK_POINTS = 1500


def _thin(points: list[dict[str, Any]], limit: int = TRACK_POINTS) -> list[dict[str, Any]]:
    if len(points) <= limit:
        return points
    step = (len(points) - 1) / (limit - 1)
    return [points[round(i * step)] for i in range(limit)]


def survey_videos(survey: Survey, *, shared_base: str | None = None) -> list[dict[str, Any]]:
    """The survey's videos for the site page: name, duration, poster and source, and the flight track (t_s, lat,
    lon) from the DJI SRT log read with the video or delivered beside it with the same name. Signed in, the
    poster is the video's still and the source its permission-checked download; through a share link
    (`shared_base`) the poster is the blurred still and the source the blurred rendition (`BlurredVideo`),
    absent (`preparing`) until the job has made it."""
    assets = list(survey.assets.filter(kind__in=("video", "flight_log")).only(
        "id", "kind", "original_name", "metadata").order_by("original_name", "id"))
    logs = {a.original_name.rsplit(".", 1)[0].lower(): a for a in assets if a.kind == "flight_log"}
    blurred = set(BlurredVideo.objects.filter(asset__in=[a for a in assets if a.kind == "video"])
                  .values_list("asset_id", flat=True)) if shared_base else set()
    videos = []
    for n, a in enumerate((a for a in assets if a.kind == "video"), start=1):
        meta = a.metadata or {}
        log = logs.get(a.original_name.rsplit(".", 1)[0].lower())
        points = meta.get("track") or ((log.metadata or {}).get("track") if log is not None else None) or []
        fixes = [{"t_s": p["t_s"], "lat": p["lat"], "lon": p["lon"]} for p in points
                 if isinstance(p, dict) and {"t_s", "lat", "lon"} <= set(p)]
        facts = meta.get("video") or {}
        videos.append({
            # through a link no file names, as the link's map data (views.share_map)
            "id": a.pk, "name": f"Video {n}" if shared_base else a.original_name, "duration_s": facts.get("duration_s"),
            "poster": f"{shared_base}/photos/{a.pk}.jpg" if shared_base else f"/files/{a.pk}/still.jpg",
            # through a link: the blurred rendition once the blur_video job made it, never the original
            "src": (f"{shared_base}/videos/{a.pk}.webm" if a.pk in blurred else None) if shared_base
            else f"/files/{a.pk}/download/",
            "preparing": bool(shared_base) and a.pk not in blurred,
            "track": _thin(sorted(fixes, key=lambda p: p["t_s"])) or None,
        })
    return videos


def site_list_rows(user: Any) -> QuerySet[Site]:
    """The sites `user` may see, each with how many of its surveys they may see and the latest one's date,
    counted in the list's own query."""
    from django.db.models import Count, Max, Q

    seen = visible_surveys(user).values("id")
    return (visible_sites(user).select_related("organisation")
            .annotate(survey_total=Count("surveys", filter=Q(surveys__in=seen), distinct=True),
                      last_survey=Max("surveys__created_at", filter=Q(surveys__in=seen))))
