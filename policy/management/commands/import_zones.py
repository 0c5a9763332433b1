"""manage.py import_zones FILE --kind KIND : GeoJSON or KML/KMZ layers (NATS FRZ, NatureScot, council)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from policy import services
from policy.core.importers.layers import LayerError, zones_from_geojson, zones_from_kml
from policy.models import ZoneKind

from ._common import data_date_option, parse_data_date, read_file, resolve_data_date


def _when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{name}: {value!r} is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        raise CommandError(f"{name}: needs a UTC offset")
    return parsed


class Command(BaseCommand):
    help = "Import a GeoJSON or KML/KMZ layer as zones of one kind (the kind decides the rule). Idempotent."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file")
        parser.add_argument("--kind", required=True, choices=ZoneKind.values)
        parser.add_argument("--source", help="Source label (default: the kind and the file name)")
        parser.add_argument("--valid-from", help="ISO 8601 date-time with offset")
        parser.add_argument("--valid-to", help="ISO 8601 date-time with offset")
        data_date_option(parser)

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        path, kind = opts["file"], opts["kind"]
        valid_from, valid_to = _when(opts["valid_from"], "--valid-from"), _when(opts["valid_to"], "--valid-to")
        if valid_from and valid_to and valid_to <= valid_from:
            raise CommandError("--valid-to must be after --valid-from")
        data = read_file(path)
        data_date, how = resolve_data_date(path, parse_data_date(opts["data_date"]))
        suffix = Path(path).suffix.lower()
        try:
            if suffix in (".kml", ".kmz"):
                zones = list(zones_from_kml(data, kind=kind))
            else:
                zones = list(zones_from_geojson(data.decode("utf-8", errors="replace"), kind=kind))
        except LayerError as exc:
            raise CommandError(f"{path}: {exc}") from None
        if not zones:
            raise CommandError(f"{path}: no features with a geometry")
        for z in zones:
            z.setdefault("valid_from", valid_from)
            z.setdefault("valid_to", valid_to)
            if z.get("valid_from") is None:
                z["valid_from"] = valid_from
            if z.get("valid_to") is None:
                z["valid_to"] = valid_to
        source = opts["source"] or f"{kind}:{Path(path).name}"
        result = services.zones_replace_source(source=source, zones=zones, data_date=data_date)
        self.stdout.write(f"{path}: {result['total']} {kind} zones ({result['created']} new, {result['updated']} "
                          f"updated, {result['deleted']} removed), data date {data_date} from {how}")
