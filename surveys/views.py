"""Server-rendered pages: the survey list and the survey page (map, conformance, jobs, map quality, upload)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from . import files, selectors, services
from .permissions import can_create_survey, can_deliver, can_rebuild_map
from .quality import ortho_quality


@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    from booking.filters import filtered, form_fields, paginate

    from .filters import SurveyFilter

    filterset, qs = filtered(SurveyFilter, request, selectors.visible_surveys(request.user).order_by("-created_at", "-id"))
    return render(request, "surveys/survey_list.html", {
        "filter": filterset, "fields": form_fields(filterset, SurveyFilter.WEB_FIELDS), **paginate(request, qs),
    })  # fmt: skip


@login_required
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(selectors.visible_surveys(request.user), pk=pk)
    assets = selectors.survey_assets(survey=survey)
    context = {
        "survey": survey,
        "asset_count": assets.count(),
        "no_location": assets.filter(has_location=False).count(),
        "assets": assets[:500],
        "jobs": selectors.survey_jobs(survey=survey),
        "can_deliver": can_deliver(request.user, survey),
        "can_rebuild": can_rebuild_map(request.user, survey) and services.can_rebuild_now(survey),
        "checks": (survey.conformance or {}).get("checks", []),
        "quality": ortho_quality(survey.ortho_report, has_map=bool(survey.orthophoto)),
        "chunk_bytes": 8 * 1024 * 1024,
        "max_bytes": settings.UPLOAD_MAX_FILE_BYTES,
    }
    return render(request, "surveys/survey_detail.html", context)


@login_required
@require_POST
def survey_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(selectors.visible_surveys(request.user), pk=pk)
    if not can_deliver(request.user, survey):
        raise PermissionDenied
    try:
        survey = services.survey_deliver(survey=survey, by=request.user, now=timezone.now(),
                                         flying_height_m=request.POST.get("flying_height_m") or None)
    except services.SurveyError as exc:
        messages.error(request, exc.message)
    else:
        if survey.flagged_for_review:
            messages.error(request, "Delivered, but the conformance check failed: flagged for review.")
        else:
            messages.success(request, "Delivered: the conformance check passed.")
    return redirect("surveys:detail", pk=survey.pk)


@login_required
@require_POST
def survey_open_for_request(request: HttpRequest, pk: int) -> HttpResponse:
    """From the request page, after "Flown": open (create, or reuse the existing) survey of the request's flown
    flight and land on its upload section, where the contractor uploads and declares the delivery."""
    from booking.selectors import visible_requests

    flight_request = get_object_or_404(visible_requests(request.user), pk=pk)
    if not can_create_survey(request.user):
        raise PermissionDenied
    if flight_request.status not in {"flown", "rework"}:
        messages.error(request, f"Request {flight_request.reference} is {flight_request.get_status_display().lower()}: "
                                "its imagery is delivered once it is flown (or returned for rework).")
        return redirect("booking:request_detail", pk=pk)
    try:
        survey, created = services.survey_open(flight_request=flight_request, by=request.user)
    except services.SurveyError as exc:
        messages.error(request, exc.message)
        return redirect("booking:request_detail", pk=pk)
    messages.success(request, f"{'Opened' if created else 'Continuing'} survey {survey.pk} for the flown flight: "
                              "upload the files, then declare the delivery complete.")
    return redirect(reverse("surveys:detail", args=[survey.pk]) + "#upload")


@login_required
@require_POST
def survey_rebuild_map(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(selectors.visible_surveys(request.user), pk=pk)
    if not can_rebuild_map(request.user, survey):
        raise PermissionDenied
    try:
        job = services.survey_rebuild_map(survey=survey, by=request.user)
    except services.SurveyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The map is being built again (job {job.pk}); the current map stays until then.")
    return redirect("surveys:detail", pk=survey.pk)


# ---------------------------------------------------------------- downloads (permission-checked; /media/ is not served)


def _downloaded(request: HttpRequest, survey, file: str, asset=None) -> None:
    if request.method == "GET":  # a HEAD sends no file
        services.survey_file_downloaded(survey=survey, by=request.user, now=timezone.now(), file=file, asset=asset)


@login_required
@require_safe
def asset_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A delivered file, as an attachment typed by its detected format; 404 unless the user may see its survey."""
    asset = get_object_or_404(selectors.visible_assets(request.user), pk=pk)
    wanted = request.headers.get("Range")
    response = files.asset_response(asset, range_header=wanted)
    if not wanted or wanted.replace(" ", "").startswith("bytes=0-"):
        _downloaded(request, asset.survey, "asset", asset)  # once per download, not per chunk a video seeks
    return response


@login_required
@require_safe
def orthophoto_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The survey's map as a Cloud-Optimised GeoTIFF."""
    survey = get_object_or_404(selectors.visible_surveys(request.user), pk=pk)
    response = files.orthophoto_response(survey)
    _downloaded(request, survey, "orthophoto")
    return response


@login_required
@require_safe
def map_report_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The orthomosaic's quality report (JSON)."""
    survey = get_object_or_404(selectors.visible_surveys(request.user), pk=pk)
    response = files.report_response(survey, "map_report")
    _downloaded(request, survey, "map_report")
    return response


@login_required
@require_safe
def conformance_report_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The delivery's conformance report (JSON)."""
    survey = get_object_or_404(selectors.visible_surveys(request.user), pk=pk)
    response = files.report_response(survey, "conformance_report")
    _downloaded(request, survey, "conformance_report")
    return response
