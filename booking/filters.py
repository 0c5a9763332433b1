"""Filters, search, orderings and pagination of the booking lists (web pages, API and exports share them).

The FilterSets narrow a queryset that a selector has already scoped to what the user may see; none of them
widens it. Searching or filtering requests by supplier matches, for a contractor, only its own supplier's
orders (a contractor never learns from a search that a rival has an order on a request)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import django_filters
from django import forms
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.pagination import PageNumberPagination

from accounts.roles import role_of, supplier_id_of

from .models import (
    BudgetCode,
    CallOffOrder,
    Flight,
    FlightRequest,
    Lot,
    Organisation,
    Purpose,
    Role,
    Supplier,
)

#: The largest id a filter accepts (a 64-bit signed integer, the widest key either database has);
#: anything larger is a 400 naming the parameter, never an overflow in the database driver.
MAX_ID = 2**63 - 1
#: Rows per page a list offers (web and API); the first of the default is 50.
PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = max(PAGE_SIZES)
DATE = forms.DateInput(attrs={"type": "date"})


class IdFilter(django_filters.NumberFilter):
    """An id parameter: a whole number from 1 to MAX_ID."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def _user(filterset: django_filters.FilterSet) -> Any:
    return getattr(filterset.request, "user", None)


def _own_supplier_only(filterset: django_filters.FilterSet) -> int | None:
    """The supplier a contractor is limited to (None: not a contractor, so not limited)."""
    user = _user(filterset)
    if role_of(user) == Role.CONTRACTOR:
        return supplier_id_of(user) or -1
    return None


def purposes_matching(text: str) -> list[str]:
    text = text.lower()
    return [value for value, label in Purpose.choices if text in label.lower() or text in value]


def supplier_choices(request) -> QuerySet[Supplier]:
    qs = Supplier.objects.order_by("name")
    user = getattr(request, "user", None)
    if role_of(user) == Role.CONTRACTOR:
        return qs.filter(pk=supplier_id_of(user) or -1)
    return qs


def service_choices(request) -> QuerySet[Organisation]:
    return Organisation.objects.order_by("name")


def lot_choices(request) -> QuerySet[Lot]:
    return Lot.objects.select_related("framework").order_by("framework__start_date", "number")


class FlightRequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search",
                                  help_text="Reference, site, purpose, service or supplier")  # fmt: skip
    status = django_filters.MultipleChoiceFilter(
        choices=FlightRequest._meta.get_field("status").choices
    )
    purpose = django_filters.ChoiceFilter(choices=Purpose.choices, empty_label="Any purpose")
    service = django_filters.ModelChoiceFilter(
        field_name="organisation", queryset=service_choices, empty_label="Any service", label="Service"
    )
    lot = django_filters.ModelChoiceFilter(queryset=lot_choices, empty_label="Any lot")
    supplier = django_filters.ModelChoiceFilter(
        queryset=supplier_choices, method="by_supplier", empty_label="Any supplier"
    )
    policy_outcome = django_filters.ChoiceFilter(
        choices=FlightRequest._meta.get_field("policy_outcome").choices,
        empty_label="Any policy outcome", label="Policy outcome",
    )  # fmt: skip
    date_from = django_filters.DateFilter(field_name="window_end", lookup_expr="date__gte",
                                          label="Window from", widget=DATE)  # fmt: skip
    date_to = django_filters.DateFilter(field_name="window_start", lookup_expr="date__lte",
                                        label="Window to", widget=DATE)  # fmt: skip
    mine = django_filters.BooleanFilter(method="only_mine", label="Only mine",
                                        widget=forms.CheckboxInput)  # fmt: skip
    # API parameters kept from before (ids and ISO date-times)
    budget_code = django_filters.CharFilter(field_name="budget_code__code")
    organisation = IdFilter(field_name="organisation_id")
    window_after = django_filters.IsoDateTimeFilter(field_name="window_end", lookup_expr="gte")
    window_before = django_filters.IsoDateTimeFilter(field_name="window_start", lookup_expr="lte")
    reference = django_filters.CharFilter(lookup_expr="iexact")
    ordering = django_filters.OrderingFilter(
        fields=(("reference", "reference"), ("site_name", "site"), ("purpose", "purpose"),
                ("window_start", "window"), ("organisation__name", "service"), ("status", "status"),
                ("estimated_cost", "cost"), ("created_at", "created"), ("policy_outcome", "outcome")),
        label="Sort by",
    )  # fmt: skip

    #: Shown on the web page's filter form (the rest are API parameters).
    WEB_FIELDS = ("q", "status", "purpose", "service", "lot", "supplier", "policy_outcome",
                  "date_from", "date_to", "mine")  # fmt: skip

    class Meta:
        model = FlightRequest
        fields = ["status", "purpose", "budget_code", "organisation", "reference"]

    def _orders(self) -> QuerySet[CallOffOrder]:
        orders = CallOffOrder.objects.filter(flight_request=OuterRef("pk"))
        own = _own_supplier_only(self)
        return orders.filter(supplier_id=own) if own is not None else orders

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        by_supplier = Exists(self._orders().filter(supplier__name__icontains=value))
        return queryset.filter(
            Q(reference__icontains=value) | Q(site_name__icontains=value)
            | Q(purpose__in=purposes_matching(value)) | Q(organisation__name__icontains=value)
            | by_supplier
        )  # fmt: skip

    @extend_schema_field(OpenApiTypes.INT)  # a supplier id
    def by_supplier(self, queryset, name, value):
        return queryset.filter(Exists(self._orders().filter(supplier=value))) if value else queryset

    def only_mine(self, queryset, name, value):
        return queryset.filter(requester=_user(self)) if value else queryset


class OrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search",
                                  help_text="PO, reference, site or supplier")  # fmt: skip
    status = django_filters.MultipleChoiceFilter(
        choices=CallOffOrder._meta.get_field("status").choices
    )
    supplier = django_filters.ModelChoiceFilter(queryset=supplier_choices, empty_label="Any supplier")
    lot = django_filters.ModelChoiceFilter(queryset=lot_choices, empty_label="Any lot")
    service = django_filters.ModelChoiceFilter(field_name="flight_request__organisation", queryset=service_choices,
                                               empty_label="Any service", label="Service")  # fmt: skip
    budget = django_filters.ModelChoiceFilter(field_name="budget_code", empty_label="Any budget",
                                              queryset=BudgetCode.objects.order_by("code"))  # fmt: skip
    date_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte",
                                          label="Placed from", widget=DATE)  # fmt: skip
    date_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte",
                                        label="Placed to", widget=DATE)  # fmt: skip
    reference = django_filters.CharFilter(
        field_name="flight_request__reference", lookup_expr="iexact"
    )
    ordering = django_filters.OrderingFilter(
        fields=(("po_number", "po"), ("flight_request__reference", "reference"), ("supplier__name", "supplier"),
                ("lot__number", "lot"), ("budget_code__code", "budget"), ("value", "value"),
                ("status", "status"), ("created_at", "placed")),
        label="Sort by",
    )  # fmt: skip

    WEB_FIELDS = ("q", "status", "supplier", "lot", "service", "budget", "date_from", "date_to")

    class Meta:
        model = CallOffOrder
        fields = ["status", "supplier", "reference"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(po_number__icontains=value) | Q(flight_request__reference__icontains=value)
            | Q(flight_request__site_name__icontains=value) | Q(supplier__name__icontains=value)
        )  # fmt: skip


class FlightFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search",
                                  help_text="Reference, site, supplier or pilot")  # fmt: skip
    status = django_filters.MultipleChoiceFilter(choices=Flight._meta.get_field("status").choices)
    supplier = django_filters.ModelChoiceFilter(queryset=supplier_choices, empty_label="Any supplier")
    date_from = django_filters.DateFilter(field_name="scheduled_start", lookup_expr="date__gte",
                                          label="From", widget=DATE)  # fmt: skip
    date_to = django_filters.DateFilter(field_name="scheduled_start", lookup_expr="date__lte",
                                        label="To", widget=DATE)  # fmt: skip
    start_after = django_filters.IsoDateTimeFilter(field_name="scheduled_start", lookup_expr="gte")
    start_before = django_filters.IsoDateTimeFilter(field_name="scheduled_start", lookup_expr="lte")
    reference = django_filters.CharFilter(
        field_name="flight_request__reference", lookup_expr="iexact"
    )
    ordering = django_filters.OrderingFilter(
        fields=(("scheduled_start", "when"), ("flight_request__reference", "reference"),
                ("flight_request__site_name", "site"), ("supplier__name", "supplier"), ("status", "status")),
        label="Sort by",
    )  # fmt: skip

    WEB_FIELDS = ("q", "status", "supplier", "date_from", "date_to")

    class Meta:
        model = Flight
        fields = ["status", "reference"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(flight_request__reference__icontains=value) | Q(flight_request__site_name__icontains=value)
            | Q(supplier__name__icontains=value) | Q(pilot__name__icontains=value)
        )  # fmt: skip


# ---- pagination ------------------------------------------------------------------------------------


class ListPagination(PageNumberPagination):
    """API pages: `count`, `next`, `previous`, `results`; `?page=` and `?page_size=` (at most 200)."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


def page_size_of(request) -> int:
    try:
        size = int(request.GET.get("page_size", DEFAULT_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def paginate(request, queryset) -> dict:
    """One page of `queryset` for a web list: the page, its numbers (elided) and the query string of the
    other parameters, so the page links keep the search, filters and ordering."""
    size = page_size_of(request)
    paginator = Paginator(queryset, size)
    page = paginator.get_page(request.GET.get("page"))
    kept = [(k, v) for k in request.GET for v in request.GET.getlist(k) if k != "page"]
    return {
        "page": page,
        "page_numbers": list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        "page_size": size,
        "page_sizes": PAGE_SIZES,
        "kept_query": urlencode(kept),
        "export_query": urlencode([(k, v) for k, v in kept if k != "page_size"]),
        "ellipsis": Paginator.ELLIPSIS,
    }


def form_fields(filterset, names) -> list:
    """The bound form fields of `filterset` the web page shows, in order."""
    return [filterset.form[name] for name in names]


def filtered(filterset_class, request, queryset):
    """(FilterSet, filtered queryset) for a web list or an export; bad values are form errors and are left out."""
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    return filterset, filterset.qs
