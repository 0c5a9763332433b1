from django import forms
from django.contrib import admin

from policy.core import PolicySettings, SettingsError

from .models import Aerodrome, PolicyCheck, PolicyVersion, Zone


class PolicyVersionForm(forms.ModelForm):
    class Meta:
        model = PolicyVersion
        fields = ["number", "settings", "change_note", "is_active"]

    def clean_settings(self):  # type: ignore[no-untyped-def]
        """Every threshold is validated and stored in full, so a version never depends on later defaults."""
        try:
            return PolicySettings.from_dict(self.cleaned_data["settings"] or {}).to_dict()
        except (SettingsError, AttributeError) as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    form = PolicyVersionForm
    list_display = ["number", "is_active", "created_at", "created_by"]
    readonly_fields = ["created_at", "created_by"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


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
