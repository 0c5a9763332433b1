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
    Aircraft,
    BudgetCode,
    Deliverable,
    Pilot,
    Purpose,
    Quote,
    RequestStatus,
    Supplier,
)

MAX_AREA_FILE_BYTES = 2 * 1024 * 1024
#: Document references the policy rules look for (docs/policy.md, `documents`), offered on the form.
DOCUMENT_KEYS = ("rams", "dpia", "landowner_consent")
DOCUMENT_LABELS = {
    "rams": "RAMS reference (risk assessment and method statement)",
    "dpia": "DPIA reference (people or gardens in view)",
    "landowner_consent": "Landowner consent reference",
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
    frz_permission = forms.CharField(
        max_length=60, required=False, label="FRZ permission reference (if any)"
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
        permissions = (
            [{"kind": "frz", "zone": "", "reference": d["frz_permission"].strip()}]
            if d.get("frz_permission")
            else []
        )
        documents = {
            key: d[f"doc_{key}"].strip() for key in DOCUMENT_KEYS if d.get(f"doc_{key}", "").strip()
        }
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
            "permissions": permissions,
            "documents": documents,
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

    def site_fields(self) -> list:
        return [self[f"site_{key}"] for key in SITE_FLAGS]

    def document_fields(self) -> list:
        return [self[f"doc_{key}"] for key in DOCUMENT_KEYS]


def initial_from(flight_request) -> dict[str, Any]:
    """The FlightRequestForm's initial data for editing a saved draft."""
    fr = flight_request
    context = fr.site_context or {}
    frz = [p for p in fr.permissions or [] if isinstance(p, dict) and p.get("kind") == "frz"]
    return {
        "site_name": fr.site_name, "purpose": fr.purpose, "description": fr.description,
        "deliverables": fr.deliverables, "window_start": timezone.localtime(fr.window_start),
        "window_end": timezone.localtime(fr.window_end), "max_height_m": fr.max_height_m,
        "people_in_view": fr.people_in_view, "sessions": fr.sessions, "budget_code": fr.budget_code,
        "area": json.dumps(fr.area), "takeoff_points": json.dumps(fr.takeoff_points or []),
        "contingency_buffer_m": fr.contingency_buffer_m, "land_owner": context.get("land_owner", ""),
        "frz_permission": frz[0].get("reference", "") if frz else "",
        **{f"doc_{key}": (fr.documents or {}).get(key, "") for key in DOCUMENT_KEYS},
        **{f"site_{key}": bool(context.get(key)) for key in SITE_FLAGS},
    }  # fmt: skip


class RequestFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    status = forms.ChoiceField(choices=[("", "Any status"), *RequestStatus.choices], required=False)
    purpose = forms.ChoiceField(choices=[("", "Any purpose"), *Purpose.choices], required=False)
    mine = forms.BooleanField(required=False, label="Only mine")


class EmptyForm(forms.Form):
    """An action that needs nothing but the button."""


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason")


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Note (optional)"
    )


class PlaceOrderForm(forms.Form):
    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.none(),
        required=False,
        empty_label="By the lot's rank or rotation",
        label="Supplier",
    )
    override_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Override reason (only if the order exceeds a budget or the framework ceiling)",
    )

    quote = forms.ModelChoiceField(
        queryset=Quote.objects.none(),
        required=False,
        empty_label="No quote",
        label="Or order on a quote",
    )

    def __init__(
        self,
        *args: Any,
        suppliers: QuerySet[Supplier] | None = None,
        quotes: QuerySet[Quote] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if suppliers is not None:
            self.fields["supplier"].queryset = suppliers
        if quotes is not None and quotes.exists():
            self.fields["quote"].queryset = quotes
            self.fields["quote"].label_from_instance = lambda q: f"{q.supplier}: £{q.amount}"
        else:
            del self.fields["quote"]


class OperationFields(forms.Form):
    """The operating-category inputs of the flight plan (docs/policy.md, `operation`)."""

    category = forms.ChoiceField(
        choices=[("", "Let the policy check derive it"), ("A1", "Open A1"), ("A2", "Open A2"), ("A3", "Open A3"),
                 ("specific", "Specific (Operational Authorisation)")],
        required=False, label="Operating category",
    )  # fmt: skip
    max_distance_from_pilot_m = forms.IntegerField(
        min_value=1, max_value=20000, required=False, label="Furthest distance from the pilot (m)"
    )
    min_distance_people_m = forms.IntegerField(
        min_value=0, max_value=5000, required=False, label="Separation from uninvolved people (m)"
    )
    min_distance_people_takeoff_m = forms.IntegerField(
        min_value=0, max_value=5000, required=False, label="…during take-off and landing (m)"
    )
    min_distance_built_up_m = forms.IntegerField(
        min_value=0, max_value=5000, required=False, label="Separation from built-up areas (m)"
    )
    beyond_visual_line_of_sight = forms.BooleanField(
        required=False, label="Beyond visual line of sight"
    )
    overflies_assemblies = forms.BooleanField(
        required=False, label="Overflies an assembly of people"
    )
    night_procedures = forms.BooleanField(
        required=False, label="Night procedures in the operations manual"
    )

    OPERATION_NUMBERS = ("max_distance_from_pilot_m", "min_distance_people_m", "min_distance_people_takeoff_m",
                         "min_distance_built_up_m")  # fmt: skip

    def operation(self) -> dict:
        d = self.cleaned_data
        operation: dict[str, Any] = {
            key: d[key] for key in self.OPERATION_NUMBERS if d.get(key) is not None
        }
        if d.get("category"):
            operation["category"] = d["category"]
        operation["vlos"] = not d.get("beyond_visual_line_of_sight")
        operation["overflies_assemblies"] = bool(d.get("overflies_assemblies"))
        operation["night_procedures"] = bool(d.get("night_procedures"))
        return operation


class ScheduleForm(OperationFields):
    pilot = forms.ModelChoiceField(queryset=Pilot.objects.none())
    aircraft = forms.ModelChoiceField(queryset=Aircraft.objects.none())
    scheduled_start = _datetime_field("Start")
    scheduled_end = _datetime_field("End")
    field_order = ("pilot", "aircraft", "scheduled_start", "scheduled_end")

    def __init__(self, *args: Any, supplier_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pilot"].queryset = Pilot.objects.filter(supplier_id=supplier_id)
        self.fields["aircraft"].queryset = Aircraft.objects.filter(supplier_id=supplier_id)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("scheduled_start"), data.get("scheduled_end")
        if start and end and end <= start:
            self.add_error("scheduled_end", "The flight must end after it starts.")
        return data


class RescheduleForm(forms.Form):
    scheduled_start = _datetime_field("New start")
    scheduled_end = _datetime_field("New end")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label="Reason (e.g. weather)"
    )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("scheduled_start"), data.get("scheduled_end")
        if start and end and end <= start:
            self.add_error("scheduled_end", "The flight must end after it starts.")
        return data


def _number(label: str, **kwargs: Any) -> forms.FloatField:
    return forms.FloatField(label=label, required=False, **kwargs)


#: Day-of-flight conditions, keyed as in docs/policy.md (`weather`).
WEATHER_FIELDS = {
    "mean_wind_ms": ("Mean wind (m/s)", {"min_value": 0, "max_value": 60}),
    "gust_ms": ("Gusts (m/s)", {"min_value": 0, "max_value": 80}),
    "precipitation_mmh": ("Rain (mm/h)", {"min_value": 0, "max_value": 200}),
    "temperature_c": ("Temperature (°C)", {"min_value": -40, "max_value": 50}),
    "visibility_km": ("Visibility (km)", {"min_value": 0, "max_value": 100}),
    "cloud_base_m": ("Cloud base (m above ground)", {"min_value": 0, "max_value": 10000}),
}


class WeatherForm(forms.Form):
    """The pilot's observed conditions on the day (all optional; at least one for the check)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, (label, limits) in WEATHER_FIELDS.items():
            self.fields[key] = _number(label, **limits)

    def weather(self) -> dict | None:
        d = self.cleaned_data
        weather = {key: d[key] for key in WEATHER_FIELDS if d.get(key) is not None}
        return {**weather, "source": "pilot"} if weather else None


class RecordFlightForm(WeatherForm):
    """What the pilot records after flying: times, a short log and the day's conditions."""

    took_off_at = _datetime_field("Took off")
    landed_at = _datetime_field("Landed")
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Log notes"
    )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("took_off_at"), data.get("landed_at")
        if start and end and end <= start:
            self.add_error("landed_at", "Landing must come after take-off.")
        return data

    def flight_log(self) -> dict:
        d = self.cleaned_data
        return {
            "took_off_at": d["took_off_at"].isoformat(),
            "landed_at": d["landed_at"].isoformat(),
            "notes": d.get("notes", ""),
        }


# ---- which form each workflow action on the request page takes ----------------------------------


def plain(form_class: type[forms.Form]):
    """A form factory for an action whose form needs nothing from the request."""
    return lambda *, flight_request, order, data: form_class(data)


def order_form(*, flight_request, order, data) -> PlaceOrderForm:
    """Suppliers on the request's lot in rank order, and any quotes received."""
    suppliers = Supplier.objects.none()
    if flight_request.lot_id:
        suppliers = Supplier.objects.filter(
            lot_places__lot_id=flight_request.lot_id, active=True
        ).order_by("lot_places__rank")
    quotes = flight_request.quotes.select_related("supplier")
    return PlaceOrderForm(data, suppliers=suppliers, quotes=quotes)


def schedule_form(*, flight_request, order, data) -> ScheduleForm:
    """Pilots and aircraft of the supplier holding the order only."""
    return ScheduleForm(data, supplier_id=order.supplier_id if order else None)
