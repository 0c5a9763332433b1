from django import forms
from django.contrib import admin

from .core.errors import InspectionError
from .core.schema import parse_schema
from .models import Annotation, AnnotationEvent, InspectionSchema


class InspectionSchemaForm(forms.ModelForm):
    class Meta:
        model = InspectionSchema
        fields = ["family", "number", "document", "change_note", "is_active"]

    def clean(self):
        data = super().clean()
        if self.instance.pk:  # only is_active can change on a published version
            return data
        try:
            parsed = parse_schema(data.get("document"))
        except InspectionError as exc:
            raise forms.ValidationError({"document": f"{exc.field}: {exc.message}"}) from exc
        if parsed.family != data.get("family"):
            raise forms.ValidationError({"family": f"the document is for {parsed.family!r}"})
        return data


@admin.register(InspectionSchema)
class InspectionSchemaAdmin(admin.ModelAdmin):
    """An administrator edits a schema by saving a new version (copy the document, change it, raise the number
    and say why in the change note); an annotation keeps the version it was classified with."""

    list_display = ("family", "number", "is_active", "created_at")
    list_filter = ("family", "is_active")
    form = InspectionSchemaForm

    def get_readonly_fields(self, request, obj=None):
        # a published version is kept as it was (annotations point at it); only is_active may change
        return ("family", "number", "document", "change_note") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if not obj.created_by_id:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ("id", "survey", "kind", "category", "severity", "extent", "author", "updated_at")
    list_filter = ("kind", "category")

    def has_add_permission(self, request):  # writes go through the API and its audit
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AnnotationEvent)
class AnnotationEventAdmin(admin.ModelAdmin):
    list_display = ("annotation_id", "survey", "action", "actor", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
