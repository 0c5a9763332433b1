"""Pages: the policy document (HTML and PDF) with daylight windows for scheduling."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from policy.core.daylight import daylight_windows

from .document import policy_document_context
from .serializers import DaylightQuerySerializer

OBAN = (56.4151, -5.4718)  # Oban town centre: the default place for the daylight table


def _daylight(request: HttpRequest, depression: float) -> dict[str, Any]:
    today = date.today()
    params = {"lat": request.GET.get("lat", OBAN[0]), "lon": request.GET.get("lon", OBAN[1]),
              "start": request.GET.get("start", today.isoformat()),
              "end": request.GET.get("end", (today + timedelta(days=13)).isoformat())}
    q = DaylightQuerySerializer(data=params)
    if not q.is_valid():
        return {"params": params, "errors": {k: " ".join(map(str, v)) for k, v in q.errors.items()}}
    v = q.validated_data
    return {"params": params, "windows": daylight_windows(v["lat"], v["lon"], v["start"], v["end"], depression)}


@login_required
def policy_document(request: HttpRequest) -> HttpResponse:
    ctx = policy_document_context()
    ctx["daylight"] = _daylight(request, ctx["settings"].night_depression_deg)
    return render(request, "policy/document.html", ctx)


@login_required
def policy_document_pdf(request: HttpRequest) -> HttpResponse:
    from weasyprint import HTML

    ctx = policy_document_context()
    html = render_to_string("policy/document_print.html", ctx, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="drone-usage-policy-v{ctx["version"].number}.pdf"'
    return response



