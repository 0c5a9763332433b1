from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "state", "stage", "progress", "attempts", "survey", "created_at"]
    list_filter = ["state", "kind"]
    search_fields = ["id", "claimed_by", "error"]
    readonly_fields = [f.name for f in Job._meta.fields]
