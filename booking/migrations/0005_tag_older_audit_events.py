"""Audit events written before events named the supplier they concern: tag those of a supplier's work
(an order, a schedule, a flight, a delivery) from the records they name, so that the supplier keeps
reading its own history. An event whose supplier cannot be told for certain stays untagged (and is
then shown to no contractor)."""

from django.db import migrations

SUPPLIER_ACTIONS = ("order", "accept", "schedule", "reschedule", "approve_flight", "refuse_flight",
                    "preflight_check", "record_flight", "deliver", "accept_delivery", "return_delivery",
                    "quote", "decline")


def tag(apps, schema_editor):
    AuditEvent = apps.get_model("booking", "AuditEvent")
    Flight = apps.get_model("booking", "Flight")
    CallOffOrder = apps.get_model("booking", "CallOffOrder")
    Supplier = apps.get_model("booking", "Supplier")
    for event in AuditEvent.objects.filter(supplier__isnull=True, action__in=SUPPLIER_ACTIONS).iterator():
        data = event.data or {}
        supplier_id = None
        if data.get("flight"):
            supplier_id = Flight.objects.filter(pk=data["flight"]).values_list("supplier_id", flat=True).first()
        po = data.get("declined_po") if event.action == "decline" else data.get("po_number")
        if supplier_id is None and po:
            supplier_id = CallOffOrder.objects.filter(po_number=po).values_list("supplier_id", flat=True).first()
        if supplier_id is None and event.action == "quote" and data.get("supplier"):
            supplier_id = Supplier.objects.filter(name=data["supplier"]).values_list("id", flat=True).first()
        if supplier_id is None and event.action in {"deliver", "accept_delivery", "return_delivery"}:
            suppliers = set(CallOffOrder.objects.filter(flight_request_id=event.flight_request_id,
                                                        status__in=["delivered", "completed", "accepted"])
                            .values_list("supplier_id", flat=True))
            supplier_id = suppliers.pop() if len(suppliers) == 1 else None
        if supplier_id is not None:
            # Audit events are append-only for the application (its queryset refuses update); the base
            # manager's plain queryset lets this one-off backfill name their supplier, and nothing else.
            AuditEvent._base_manager.filter(pk=event.pk).update(supplier_id=supplier_id)


class Migration(migrations.Migration):
    dependencies = [("booking", "0004_flight_signoff_findings")]
    operations = [migrations.RunPython(tag, migrations.RunPython.noop)]
