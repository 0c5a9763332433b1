"""Name the supplier of checks stored before checks named it: the one whose operator registration (or, failing
that, whose name) the plan's operator holds. Checks whose plan holds no operator stay without one."""

from django.db import migrations


def name_suppliers(apps, schema_editor):
    PolicyCheck = apps.get_model("policy", "PolicyCheck")
    OperatorRegistration = apps.get_model("booking", "OperatorRegistration")
    Supplier = apps.get_model("booking", "Supplier")
    by_operator_id: dict = {}
    by_name: dict = {}
    for operator_id, holder, supplier_id in OperatorRegistration.objects.values_list(
        "operator_id", "holder_name", "supplier_id"
    ):
        by_operator_id.setdefault(operator_id, set()).add(supplier_id)
        by_name.setdefault(holder, set()).add(supplier_id)
    for pk, name in Supplier.objects.values_list("pk", "name"):
        by_name.setdefault(name, set()).add(pk)
    for check in PolicyCheck.objects.filter(supplier_id__isnull=True).only("pk", "plan").iterator():
        operator = (check.plan or {}).get("operator") if isinstance(check.plan, dict) else None
        if not isinstance(operator, dict):
            continue
        # only an unambiguous match: a check no one can be sure of stays hidden from every contractor
        candidates = by_operator_id.get(operator.get("operator_id")) or by_name.get(operator.get("name")) or set()
        if len(candidates) == 1:
            PolicyCheck.objects.filter(pk=check.pk).update(supplier_id=next(iter(candidates)))


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0003_zone_kind_space_site"),
        ("booking", "0001_initial"),
    ]

    operations = [migrations.RunPython(name_suppliers, migrations.RunPython.noop)]
