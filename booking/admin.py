"""Admin for the reference data (organisations, framework, suppliers and compliance) and read-only
views of requests, orders, flights and the append-only audit trail."""

from __future__ import annotations

from django.contrib import admin

from . import models as m


@admin.register(m.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "contact_email"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(m.BudgetCode)
class BudgetCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "organisation", "annual_budget", "active"]
    list_filter = ["active", "organisation"]
    search_fields = ["code", "name"]


@admin.register(m.Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organisation", "supplier"]
    list_filter = ["role"]
    search_fields = ["user__username"]
    readonly_fields = ["calendar_token"]


class LotInline(admin.TabularInline):
    model = m.Lot
    extra = 0


@admin.register(m.Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "start_date", "end_date", "ceiling_value"]
    inlines = [LotInline]


class LotSupplierInline(admin.TabularInline):
    model = m.LotSupplier
    extra = 0


class RateCardInline(admin.TabularInline):
    model = m.RateCard
    extra = 0


@admin.register(m.Lot)
class LotAdmin(admin.ModelAdmin):
    list_display = ["__str__", "framework", "selection"]
    list_filter = ["framework"]
    inlines = [LotSupplierInline, RateCardInline]


class OperatorRegistrationInline(admin.TabularInline):
    model = m.OperatorRegistration
    extra = 0


class AuthorisationInline(admin.TabularInline):
    model = m.OperationalAuthorisation
    extra = 0


class InsuranceInline(admin.TabularInline):
    model = m.InsuranceCertificate
    extra = 0


class PilotInline(admin.TabularInline):
    model = m.Pilot
    extra = 0


class AircraftInline(admin.StackedInline):
    model = m.Aircraft
    extra = 0


@admin.register(m.Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "active"]
    search_fields = ["name"]
    inlines = [
        OperatorRegistrationInline,
        AuthorisationInline,
        InsuranceInline,
        PilotInline,
        AircraftInline,
    ]


for model in (
    m.RateCard,
    m.OperatorRegistration,
    m.OperationalAuthorisation,
    m.InsuranceCertificate,
    m.Pilot,
    m.Aircraft,
):
    admin.site.register(model)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Workflow records change only through booking.services (so the audit trail stays true)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AuditInline(admin.TabularInline):
    model = m.AuditEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "actor", "action", "from_state", "to_state", "reason", "data"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(m.FlightRequest)
class FlightRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "site_name",
        "organisation",
        "status",
        "policy_outcome",
        "window_start",
    ]
    list_filter = ["status", "organisation", "purpose"]
    search_fields = ["reference", "site_name"]
    inlines = [AuditInline]


@admin.register(m.CallOffOrder)
class CallOffOrderAdmin(ReadOnlyAdmin):
    list_display = ["po_number", "flight_request", "supplier", "value", "status", "created_at"]
    list_filter = ["status", "supplier"]


@admin.register(m.Flight)
class FlightAdmin(ReadOnlyAdmin):
    list_display = ["flight_request", "supplier", "scheduled_start", "status"]
    list_filter = ["status", "supplier"]


@admin.register(m.Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ["flight_request", "supplier", "amount", "created_at"]


@admin.register(m.AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Append-only: no add, change or delete, not even for superusers."""

    list_display = ["created_at", "flight_request", "actor", "action", "from_state", "to_state"]
    list_filter = ["action"]
    search_fields = ["flight_request__reference", "reason"]

    def get_actions(self, request):
        return {}
