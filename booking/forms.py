"""Web forms of the booking pages. They only shape input; the rules live in booking.services, whose
FieldError messages are attached back to the field they name (see `attach_error`)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from .geometry import GeometryError, parse_area, parse_kml
from .models import (
    BudgetCode,
    Deliverable,
    Purpose,
    RequestStatus,
)

MAX_AREA_FILE_BYTES = 2 * 1024 * 1024
#: Document references the policy rules look for (docs/policy.md, `documents`), offered on the form.
DOCUMENT_LABELS = {
    "rams": "RAMS reference (risk assessment and method statement)",
    "dpia": "DPIA reference (people or gardens in view)",
    "landowner_consent": "Landowner consent reference",
    "roads_consent": "Roads team consent reference",
    "parks_consent": "Parks team consent reference",
    "hes_permission": "Historic Environment Scotland permission reference",
    "naturescot_consent": "NatureScot consent reference",
    "species_licence": "Protected species licence reference",
    "ripsa_authorisation": "RIPSA authorisation reference (directed surveillance)",
}
DOCUMENT_KEYS = tuple(DOCUMENT_LABELS)
#: Yes/no commitments of `documents` (the notifications are kept under `documents.notifications`).
DOCUMENT_FLAGS = {
    "blurring": "Faces and number plates will be blurred before publication",
    "flight_log_commitment": "The operator will deliver the flight log and report any incident",
}
NOTIFICATION_FLAGS = {
    "police": "Police Scotland told (101) before the flight",
    "residents": "Residents nearby told",
    "aerodrome": "Nearby aerodrome told",
}
#: Permission kinds of `permissions[]` (docs/policy.md): one reference (and optional zone) each.
PERMISSION_LABELS = {
    "frz": "FRZ permission reference (aerodrome)",
    "restricted": "Restricted area permission reference",
    "danger": "Danger area permission reference (range authority)",
    "controlled": "Controlled airspace permission reference (air traffic control)",
    "other": "Other permission reference",
}


#: Site context the map cannot tell (docs/policy.md, `site`), asked as yes/no questions.
SITE_FLAGS = {
    "built_up": "Built-up area",
    "residential_nearby": "Homes nearby",
    "roads": "Public roads in or next to the area",
    "parks": "Public park or open space",
    "assembly_nearby": "Crowds or events nearby",
}


def _takeoff_points(raw: str) -> list[list[float]]:
    try:
        points = json.loads(raw) if raw else []
    except ValueError as exc:
        raise forms.ValidationError("Take-off points are not valid JSON.") from exc
    if not isinstance(points, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(v, (int, float)) for v in p)
        for p in points
    ):
        raise forms.ValidationError("Take-off points must be a list of [longitude, latitude].")
    if any(not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90) for p in points):
        raise forms.ValidationError(
            "A take-off point is outside longitude -180..180 / latitude -90..90."
        )
    return [[float(p[0]), float(p[1])] for p in points]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _datetime_field(label: str, **kwargs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        **kwargs,
    )


def attach_error(form: forms.Form, field: str | None, message: str) -> None:
    """Put a service's error on the form field it names (or on the form as a whole)."""
    form.add_error(field if field in form.fields else None, message)


class FlightRequestForm(forms.Form):
    """A new flight request (saved as a draft; the requester submits it from the request page)."""

    site_name = forms.CharField(max_length=200, label="Site name")
    area = forms.CharField(
        widget=forms.HiddenInput(),
        required=False,
        help_text="GeoJSON Polygon (WGS84), written by the map",
    )
    area_file = forms.FileField(
        required=False,
        label="…or upload the site as a GeoJSON or KML file",
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,.kml"}),
    )
    purpose = forms.ChoiceField(choices=Purpose.choices)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="What and why"
    )
    deliverables = forms.MultipleChoiceField(
        choices=Deliverable.choices, widget=forms.CheckboxSelectMultiple, label="Deliverables"
    )
    window_start = _datetime_field("Preferred window from")
    window_end = _datetime_field("Preferred window to")
    max_height_m = forms.IntegerField(
        min_value=1, max_value=1000, initial=90, label="Maximum height (m above ground)"
    )
    people_in_view = forms.BooleanField(
        required=False, label="People or private gardens may be in view"
    )
    sessions = forms.IntegerField(min_value=1, max_value=50, initial=1, label="Sessions on site")
    budget_code = forms.ModelChoiceField(queryset=BudgetCode.objects.none(), label="Budget code")
    takeoff_points = forms.CharField(
        widget=forms.HiddenInput(), required=False, help_text="[[lon, lat], ...] written by the map"
    )
    contingency_buffer_m = forms.IntegerField(
        min_value=0,
        max_value=2000,
        required=False,
        label="Contingency buffer included in the area (m)",
    )
    land_owner = forms.ChoiceField(
        choices=[("", "Not known"), ("council", "The council"), ("hes", "Historic Environment Scotland"),
                 ("private", "Private")],
        required=False, label="Who owns the take-off land",
    )  # fmt: skip
    retention_days = forms.IntegerField(
        min_value=0, max_value=3650, required=False, label="Imagery kept for (days)"
    )

    def __init__(
        self, *args: Any, budget_codes: QuerySet[BudgetCode] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for key, label in SITE_FLAGS.items():
            self.fields[f"site_{key}"] = forms.BooleanField(required=False, label=label)
        for key in DOCUMENT_KEYS:
            self.fields[f"doc_{key}"] = forms.CharField(
                max_length=80, required=False, label=DOCUMENT_LABELS[key]
            )
        for key, label in {**DOCUMENT_FLAGS, **_notify_labels()}.items():
            self.fields[f"doc_{key}"] = forms.BooleanField(required=False, label=label)
        for kind, label in PERMISSION_LABELS.items():
            self.fields[f"{kind}_permission"] = forms.CharField(
                max_length=60, required=False, label=label
            )
            self.fields[f"{kind}_zone"] = forms.CharField(
                max_length=120, required=False, label="…for the zone (blank: every zone of that kind)"
            )
        codes = budget_codes if budget_codes is not None else BudgetCode.objects.filter(active=True)
        self.fields["budget_code"].queryset = codes
        if not self.is_bound and "budget_code" not in self.initial and len(codes) == 1:
            self.initial["budget_code"] = codes[
                0
            ].pk  # a service with one budget code needs no choice

    def clean_takeoff_points(self) -> list[list[float]]:
        return _takeoff_points(self.cleaned_data.get("takeoff_points") or "")

    def clean_area_file(self):
        upload = self.cleaned_data.get("area_file")
        if upload and upload.size > MAX_AREA_FILE_BYTES:
            raise forms.ValidationError("The site file is larger than 2 MB.")
        return upload

    def clean(self) -> dict:
        data = super().clean()
        upload = data.get("area_file")
        try:
            if upload:
                raw = upload.read()
                name = (upload.name or "").lower()
                data["area"] = (
                    parse_kml(raw)
                    if name.endswith(".kml") or raw.lstrip()[:1] == b"<"
                    else parse_area(raw)
                )
            elif data.get("area"):
                data["area"] = parse_area(data["area"])
            else:
                self.add_error("area", "Draw the site on the map or upload a GeoJSON or KML file.")
        except GeometryError as exc:
            self.add_error("area_file" if upload else "area", f"Site area: {exc}")
        start, end = data.get("window_start"), data.get("window_end")
        if start and end and end <= start:
            self.add_error("window_end", "The window must end after it starts.")
        return data

    def service_kwargs(self) -> dict:
        """The cleaned data as keyword arguments for booking.services."""
        d = self.cleaned_data
        return {
            "site_name": d["site_name"],
            "area": d["area"],
            "purpose": d["purpose"],
            "description": d.get("description", ""),
            "deliverables": list(d["deliverables"]),
            "window_start": d["window_start"],
            "window_end": d["window_end"],
            "max_height_m": d["max_height_m"],
            "people_in_view": bool(d.get("people_in_view")),
            "sessions": d["sessions"],
            "budget_code": d["budget_code"],
            "permissions": self.permissions(),
            "documents": self.documents(),
            "takeoff_points": d.get("takeoff_points") or [],
            "contingency_buffer_m": d.get("contingency_buffer_m"),
            "site_context": self.site_context(),
        }

    def site_context(self) -> dict:
        d = self.cleaned_data
        context: dict[str, Any] = {key: bool(d.get(f"site_{key}")) for key in SITE_FLAGS}
        context["country"] = "scotland"  # the council's area
        if d.get("land_owner"):
            context["land_owner"] = d["land_owner"]
        return context

    def permissions(self) -> list[dict]:
        d = self.cleaned_data
        return [
            {"kind": kind, "zone": (d.get(f"{kind}_zone") or "").strip(), "reference": ref.strip()}
            for kind in PERMISSION_LABELS
            if (ref := d.get(f"{kind}_permission") or "").strip()
        ]

    def documents(self) -> dict[str, Any]:
        d = self.cleaned_data
        documents: dict[str, Any] = {
            key: d[f"doc_{key}"].strip() for key in DOCUMENT_KEYS if d.get(f"doc_{key}", "").strip()
        }
        if d.get("retention_days") is not None:
            documents["retention_days"] = d["retention_days"]
        documents.update({key: bool(d.get(f"doc_{key}")) for key in DOCUMENT_FLAGS})
        documents["notifications"] = {k: bool(d.get(f"doc_notify_{k}")) for k in NOTIFICATION_FLAGS}
        return documents

    def site_fields(self) -> list:
        return [self[f"site_{key}"] for key in SITE_FLAGS]

    def document_fields(self) -> list:
        return [self[f"doc_{key}"] for key in DOCUMENT_KEYS] + [self["retention_days"]]

    def commitment_fields(self) -> list:
        return [self[f"doc_{key}"] for key in (*DOCUMENT_FLAGS, *_notify_labels())]

    def permission_fields(self) -> list:
        return [(self[f"{kind}_permission"], self[f"{kind}_zone"]) for kind in PERMISSION_LABELS]


def _notify_labels() -> dict[str, str]:
    return {f"notify_{key}": label for key, label in NOTIFICATION_FLAGS.items()}


def document_lines(documents: dict | None) -> list[tuple[str, str]]:
    """A request's `documents` as (label, value) lines for its page."""
    documents = documents or {}
    lines = [(DOCUMENT_LABELS.get(k, k).split(" reference")[0], str(v))
             for k, v in documents.items() if k in DOCUMENT_LABELS and v]  # fmt: skip
    if documents.get("retention_days") is not None:
        lines.append(("Imagery kept for", f"{documents['retention_days']} days"))
    for key, label in DOCUMENT_FLAGS.items():
        if key in documents:
            lines.append((label, "yes" if documents[key] else "no"))
    told = documents.get("notifications") or {}
    if isinstance(told, dict) and told:
        names = [k for k in NOTIFICATION_FLAGS if told.get(k)]
        lines.append(("Told before the flight", ", ".join(names) if names else "nobody yet"))
    return lines


def initial_from(flight_request) -> dict[str, Any]:
    """The FlightRequestForm's initial data for editing a saved draft."""
    fr = flight_request
    context, documents = fr.site_context or {}, fr.documents or {}
    told = documents.get("notifications") if isinstance(documents.get("notifications"), dict) else {}
    permits = {}
    for p in fr.permissions or []:
        if isinstance(p, dict) and p.get("kind") in PERMISSION_LABELS:
            permits.setdefault(p["kind"], p)
    return {
        "site_name": fr.site_name, "purpose": fr.purpose, "description": fr.description,
        "deliverables": fr.deliverables, "window_start": timezone.localtime(fr.window_start),
        "window_end": timezone.localtime(fr.window_end), "max_height_m": fr.max_height_m,
        "people_in_view": fr.people_in_view, "sessions": fr.sessions, "budget_code": fr.budget_code,
        "area": json.dumps(fr.area), "takeoff_points": json.dumps(fr.takeoff_points or []),
        "contingency_buffer_m": fr.contingency_buffer_m, "land_owner": context.get("land_owner", ""),
        "retention_days": documents.get("retention_days"),
        **{f"{k}_permission": p.get("reference", "") for k, p in permits.items()},
        **{f"{k}_zone": p.get("zone", "") for k, p in permits.items()},
        **{f"doc_{key}": documents.get(key, "") for key in DOCUMENT_KEYS},
        **{f"doc_{key}": bool(documents.get(key)) for key in DOCUMENT_FLAGS},
        **{f"doc_notify_{key}": bool(told.get(key)) for key in NOTIFICATION_FLAGS},
        **{f"site_{key}": bool(context.get(key)) for key in SITE_FLAGS},
    }  # fmt: skip


class RequestFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    status = forms.ChoiceField(choices=[("", "Any status"), *RequestStatus.choices], required=False)
    purpose = forms.ChoiceField(choices=[("", "Any purpose"), *Purpose.choices], required=False)
    mine = forms.BooleanField(required=False, label="Only mine")
