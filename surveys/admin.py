from django.contrib import admin

from .models import Asset, Blob, Site, Survey, Upload


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "created_at"]
    search_fields = ["name"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["id", "site", "flight_request", "supplier", "status", "map_state", "conformance_passed",
                    "flagged_for_review", "created_at"]
    list_filter = ["status", "map_state", "flagged_for_review"]
    raw_id_fields = ["site", "flight_request", "flight", "supplier"]


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["id", "original_name", "survey", "kind", "size", "has_location", "captured_at"]
    list_filter = ["kind", "has_location"]
    search_fields = ["original_name", "sha256"]
    raw_id_fields = ["survey", "blob", "uploaded_by"]


@admin.register(Blob)
class BlobAdmin(admin.ModelAdmin):
    list_display = ["sha256", "size", "created_at"]
    search_fields = ["sha256"]


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["id", "filename", "survey", "owner", "state", "offset", "size", "updated_at"]
    list_filter = ["state"]
    raw_id_fields = ["survey", "owner", "asset"]
