from django.contrib import admin

from .models import Aerodrome, PolicyCheck, PolicyVersion, Zone


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ["number", "is_active", "created_at", "created_by"]
    readonly_fields = ["created_at"]


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "source", "data_date", "valid_from", "valid_to"]
    list_filter = ["kind", "source"]
    search_fields = ["name", "external_id"]


@admin.register(Aerodrome)
class AerodromeAdmin(admin.ModelAdmin):
    list_display = ["ident", "name", "longest_runway_m", "frz_radius_m", "data_date"]
    search_fields = ["ident", "name"]


@admin.register(PolicyCheck)
class PolicyCheckAdmin(admin.ModelAdmin):
    list_display = ["id", "flight_request", "stage", "outcome", "policy_version", "created_at"]
    list_filter = ["stage", "outcome"]
    readonly_fields = [f.name for f in PolicyCheck._meta.fields]
