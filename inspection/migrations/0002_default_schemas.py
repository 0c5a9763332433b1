"""Version 1 of the four schema families (inspection.core.defaults)."""

from django.db import migrations

from inspection.core.defaults import DEFAULT_SCHEMAS


def seed(apps, schema_editor):
    InspectionSchema = apps.get_model("inspection", "InspectionSchema")
    for document in DEFAULT_SCHEMAS:
        if not InspectionSchema.objects.filter(family=document["family"]).exists():
            InspectionSchema.objects.create(
                family=document["family"], number=1, document=document,
                change_note="First version, from the published scale cited in the source.")


class Migration(migrations.Migration):
    dependencies = [("inspection", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
