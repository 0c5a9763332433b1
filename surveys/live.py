"""Fragments that keep pages current without a reload (static/js/live.js polls them; docs/everyday.md).

Each answers the HTML of one element of a page, for whoever may see that page, and nothing else: the survey
page's delivery state (files stored, the Deliver button) and the request page's change marker."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from . import selectors
from .permissions import can_deliver


def delivery_context(user, survey) -> dict:
    """What the delivery-state fragment shows: files stored (and without a location), their size, and whether
    this user may declare the delivery complete."""
    totals = selectors.survey_assets(survey=survey).aggregate(
        n=Count("id"), no_location=Count("id", filter=Q(has_location=False)), size=Sum("size"))
    return {"survey": survey, "asset_count": totals["n"], "no_location": totals["no_location"],
            "stored_bytes": totals["size"] or 0, "can_deliver": can_deliver(user, survey)}


@login_required
@require_safe
def delivery_state(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(selectors.visible_surveys(request.user), pk=pk)
    return render(request, "live/_delivery_state.html", delivery_context(request.user, survey))


@login_required
@require_safe
def request_state(request: HttpRequest, pk: int) -> HttpResponse:
    """The request page's change marker: `seen` is the version the page was drawn at; once the request moved on
    (an action by someone else), the marker says so and the page reloads itself (live.js)."""
    from booking.selectors import visible_requests

    fr = get_object_or_404(visible_requests(request.user), pk=pk)
    version = request_version(fr)
    seen = request.GET.get("seen", version)
    return render(request, "live/_request_state.html",
                  {"fr": fr, "version": version, "seen": seen, "changed": seen != version})


def request_version(fr) -> str:
    """Changes whenever the request does: every action sets updated_at or writes an audit event (or both)."""
    last_event = fr.audit_events.order_by("-id").values_list("id", flat=True).first()
    return f"{fr.updated_at.timestamp():.6f}-{last_event or 0}"
