"""Forms of the workflow actions offered on the request page (booking/actions.py says which action
takes which). They only shape input; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from .forms import _datetime_field
from .models import Aircraft, Pilot, Quote, Supplier


class EmptyForm(forms.Form):
    """An action that needs nothing but the button."""


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason")


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Note (optional)"
    )


class AcceptDeliveryForm(forms.Form):
    """Accept a delivery; when its conformance check did not pass, the reason is required."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Note (optional)")

    def __init__(self, *args: Any, needs_reason: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs_reason = needs_reason
        if needs_reason:
            field = self.fields["reason"]
            field.required = True
            field.label = "Reason for accepting although the conformance check did not pass"
            field.error_messages["required"] = (
                "The conformance check of this delivery did not pass: give a reason for accepting it."
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


class QuoteForm(forms.Form):
    supplier = forms.ModelChoiceField(queryset=Supplier.objects.none(), label="Supplier")
    amount = forms.DecimalField(
        min_value=0, max_digits=12, decimal_places=2, label="Quoted amount (£, excluding VAT)"
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Notes")

    def __init__(self, *args: Any, suppliers: QuerySet[Supplier], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers


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
    time_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Reason, if flown outside the scheduled slot",
        help_text="Needed when take-off or landing is well outside the scheduled times; "
        "it is sent to the policy officers.",
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


def _lot_suppliers(flight_request) -> QuerySet[Supplier]:
    """Active suppliers on the request's lot, in rank order."""
    if not flight_request.lot_id:
        return Supplier.objects.none()
    return Supplier.objects.filter(
        lot_places__lot_id=flight_request.lot_id, active=True
    ).order_by("lot_places__rank")


def order_form(*, flight_request, order, data) -> PlaceOrderForm:
    """Suppliers on the request's lot in rank order, and any quotes received."""
    quotes = flight_request.quotes.select_related("supplier")
    return PlaceOrderForm(data, suppliers=_lot_suppliers(flight_request), quotes=quotes)


def quote_form(*, flight_request, order, data) -> QuoteForm:
    return QuoteForm(data, suppliers=_lot_suppliers(flight_request))


def schedule_form(*, flight_request, order, data) -> ScheduleForm:
    """Pilots and aircraft of the supplier holding the order only."""
    return ScheduleForm(data, supplier_id=order.supplier_id if order else None)


def accept_delivery_form(*, flight_request, order, data) -> AcceptDeliveryForm:
    """The reason is required when the delivered survey's conformance check failed or needs review."""
    from .fulfilment import conformance_outcome, delivered_survey

    survey = delivered_survey(flight_request)
    outcome = conformance_outcome(survey.conformance) if survey is not None else "no_survey"
    return AcceptDeliveryForm(data, needs_reason=outcome != "pass")
