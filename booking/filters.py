from __future__ import annotations

import django_filters
from django import forms

from .models import CallOffOrder, Flight, FlightRequest

#: The largest id a filter accepts (a 64-bit signed integer, the widest key either database has);
#: anything larger is a 400 naming the parameter, never an overflow in the database driver.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """An id parameter: a whole number from 1 to MAX_ID."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class FlightRequestFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=FlightRequest._meta.get_field("status").choices
    )
    purpose = django_filters.CharFilter()
    budget_code = django_filters.CharFilter(field_name="budget_code__code")
    organisation = IdFilter(field_name="organisation_id")
    window_after = django_filters.IsoDateTimeFilter(field_name="window_end", lookup_expr="gte")
    window_before = django_filters.IsoDateTimeFilter(field_name="window_start", lookup_expr="lte")
    reference = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = FlightRequest
        fields = ["status", "purpose", "budget_code", "organisation", "reference"]


class OrderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=CallOffOrder._meta.get_field("status").choices
    )
    supplier = IdFilter(field_name="supplier_id")
    reference = django_filters.CharFilter(
        field_name="flight_request__reference", lookup_expr="iexact"
    )

    class Meta:
        model = CallOffOrder
        fields = ["status", "supplier", "reference"]


class FlightFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Flight._meta.get_field("status").choices)
    start_after = django_filters.IsoDateTimeFilter(field_name="scheduled_start", lookup_expr="gte")
    start_before = django_filters.IsoDateTimeFilter(field_name="scheduled_start", lookup_expr="lte")
    reference = django_filters.CharFilter(
        field_name="flight_request__reference", lookup_expr="iexact"
    )

    class Meta:
        model = Flight
        fields = ["status", "reference"]
