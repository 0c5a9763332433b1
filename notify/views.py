"""The notifications page: what the e-mails said to this user, newest first; mark one or all read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from . import selectors, services


@login_required
@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_of(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notify/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read; with `open`, go on to its link (only a path in this app)."""
    note = get_object_or_404(selectors.notifications_of(request.user), pk=pk)
    services.notifications_mark_read(user=request.user, ids=[note.pk], now=timezone.now())
    if request.POST.get("open") and note.link and url_has_allowed_host_and_scheme(note.link, allowed_hosts=None):
        return redirect(note.link)
    return redirect("notify:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_read(user=request.user, ids=None, now=timezone.now())
    return redirect("notify:list")
