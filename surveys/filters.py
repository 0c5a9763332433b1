"""Search, filters and orderings of the survey and site lists (web page and API). They narrow what
`surveys.selectors` lets the user see; a contractor's supplier choices hold only its own supplier."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from booking.filters import DATE, IdFilter, lot_choices, service_choices, supplier_choices

from .models import Site, Survey


class SurveyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search",
                                  help_text="Site, request reference, purpose or supplier")  # fmt: skip
    status = django_filters.MultipleChoiceFilter(choices=Survey._meta.get_field("status").choices,
                                                 label="Review")  # fmt: skip
    map_state = django_filters.ChoiceFilter(choices=Survey._meta.get_field("map_state").choices,
                                            empty_label="Any map state", label="Map")  # fmt: skip
    conformance = django_filters.ChoiceFilter(
        method="by_conformance", label="Conformance", empty_label="Any conformance",
        choices=(("passed", "Passed"), ("failed", "Failed"), ("unchecked", "Not checked")),
    )  # fmt: skip
    supplier = django_filters.ModelChoiceFilter(queryset=supplier_choices, empty_label="Any supplier")
    service = django_filters.ModelChoiceFilter(field_name="flight_request__organisation", queryset=service_choices,
                                               empty_label="Any service", label="Service")  # fmt: skip
    lot = django_filters.ModelChoiceFilter(field_name="flight_request__lot", queryset=lot_choices,
                                           empty_label="Any lot")  # fmt: skip
    date_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte",
                                          label="Opened from", widget=DATE)  # fmt: skip
    date_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte",
                                        label="Opened to", widget=DATE)  # fmt: skip
    # API parameters kept from before
    site = IdFilter(field_name="site_id")
    flight_request = IdFilter(field_name="flight_request_id")
    flagged_for_review = django_filters.BooleanFilter()
    ordering = django_filters.OrderingFilter(
        fields=(("id", "survey"), ("site__name", "site"), ("flight_request__reference", "reference"),
                ("status", "review"), ("map_state", "map"), ("created_at", "opened")),
        label="Sort by",
    )  # fmt: skip

    WEB_FIELDS = ("q", "status", "map_state", "conformance", "supplier", "service", "lot", "date_from", "date_to")

    class Meta:
        model = Survey
        fields = ["status", "map_state", "site", "flight_request", "flagged_for_review"]

    def search(self, queryset, name, value):
        from booking.filters import purposes_matching

        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(site__name__icontains=value) | Q(flight_request__reference__icontains=value)
            | Q(flight_request__purpose__in=purposes_matching(value)) | Q(supplier__name__icontains=value)
        )  # fmt: skip

    def by_conformance(self, queryset, name, value):
        if value == "passed":
            return queryset.filter(conformance_passed=True)
        if value == "failed":
            return queryset.filter(conformance_passed=False)
        if value == "unchecked":
            return queryset.filter(conformance_passed__isnull=True)
        return queryset


class SiteFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    organisation = IdFilter(field_name="organisation_id")
    ordering = django_filters.OrderingFilter(fields=(("name", "name"), ("created_at", "created")))

    class Meta:
        model = Site
        fields = ["organisation"]
