from __future__ import annotations

import django_filters

from .models import CallOffOrder, Flight, FlightRequest


class FlightRequestFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=FlightRequest._meta.get_field("status").choices
    )
    purpose = django_filters.CharFilter()
    budget_code = django_filters.CharFilter(field_name="budget_code__code")
    organisation = django_filters.NumberFilter(field_name="organisation_id")
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
    supplier = django_filters.NumberFilter(field_name="supplier_id")
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
