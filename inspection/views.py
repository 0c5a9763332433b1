"""The annotation tool's page (static/js/annotate.js): one photo at a time, drawn on its Deep Zoom pyramid,
marked with the survey's schema, saved through the annotations API. Visibility follows the survey."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from surveys.files import stored_file_response
from surveys.selectors import visible_assets, visible_surveys

from . import selectors, services
from .permissions import can_annotate


@login_required
@require_safe
def annotate(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(visible_surveys(request.user), pk=pk)
    photos = [{"id": a.pk, "name": a.original_name, "width": (a.metadata or {}).get("width"),
               "height": (a.metadata or {}).get("height"),
               "dzi": reverse("surveys:photo_dzi", kwargs={"asset_id": a.pk}),
               "marked": reverse("inspection:annotated_photo", kwargs={"asset_id": a.pk})}
              for a in selectors.survey_photos(survey=survey)]
    schema = selectors.schema_for_survey(survey=survey)
    config = {"survey": survey.pk, "photos": photos, "schema": schema.document if schema else None,
              "can_annotate": can_annotate(request.user, survey),
              "annotations_url": reverse("survey-annotations", kwargs={"survey_id": survey.pk}),
              "reports_url": reverse("survey-reports", kwargs={"survey_id": survey.pk}),
              "tilejson_url": (reverse("survey-tilejson", kwargs={"survey_id": survey.pk})
                               if survey.orthophoto else None)}
    return render(request, "inspection/annotate.html", {"survey": survey, "config": config, "photos": photos})


@login_required
@require_safe
def annotated_photo(request: HttpRequest, asset_id: int) -> HttpResponseBase:
    """The photo with its defects drawn on it (`?size=thumb` for the gallery), for whoever may see the survey."""
    asset = get_object_or_404(visible_assets(request.user), pk=asset_id, kind__in=services.PHOTO_KINDS)
    thumb = request.GET.get("size") == "thumb"
    name = services.annotated_photo_ensure(asset=asset, thumb=thumb)
    stem = asset.original_name.rsplit(".", 1)[0]
    return stored_file_response(name=name, content_type="image/jpeg",
                                filename=f"{stem}-marked{'-thumb' if thumb else ''}.jpg")
