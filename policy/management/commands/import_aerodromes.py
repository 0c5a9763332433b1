"""manage.py import_aerodromes FILE : OurAirports runways CSV -> aerodromes and their FRZ (ANO art. 94A)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from shapely.geometry import Point, shape

from policy import selectors, services
from policy.core.importers.runways import RunwayError, derive_frz, read_runways
from policy.models import Zone, ZoneKind

from ._common import data_date_option, parse_data_date, read_file, resolve_data_date


def _atz_names() -> list[tuple[object, str]]:
    """ATZ/no-ATZ circles from the airspace data, to name the aerodromes derived from runways."""
    out = []
    for z in Zone.objects.filter(kind=ZoneKind.FRZ, source__startswith="yaixm:"):
        out.append((shape(z.geometry), z.name))
    return out


class Command(BaseCommand):
    help = "Import aerodromes from an OurAirports runways CSV and derive their Flight Restriction Zones."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file")
        data_date_option(parser)

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        s = selectors.policy_settings(services.ensure_default_policy())
        text = read_file(opts["file"]).decode("utf-8", errors="replace")
        data_date, how = resolve_data_date(opts["file"], parse_data_date(opts["data_date"]))
        try:
            runways = read_runways(text)
        except RunwayError as exc:
            raise CommandError(f"{opts['file']}: {exc}") from None
        derived = list(derive_frz(runways, radius_m=s.frz_radius_m, long_radius_m=s.frz_long_radius_m,
                                  long_runway_m=s.frz_long_runway_m, rpz_length_m=s.rpz_length_m,
                                  rpz_half_width_m=s.rpz_half_width_m))
        atz = _atz_names()
        zones, aerodromes = [], []
        for aerodrome, aero_zones in derived:
            mid = Point(aerodrome["lon"], aerodrome["lat"])
            names = [name for geom, name in atz if geom.contains(mid)]
            if names:
                aerodrome["name"] = names[0].title()
                for z in aero_zones:
                    z["name"] = f"{names[0]} ({z['name']})"
                    z["attributes"]["permission_from"] = f"{names[0].title()} ATC, FISO or aerodrome operator"
            aerodromes.append(aerodrome)
            zones.extend(aero_zones)
        source = f"ourairports:{Path(opts['file']).name}"
        a = services.aerodromes_upsert(aerodromes=aerodromes, source=source, data_date=data_date)
        z = services.zones_replace_source(source=source, zones=zones, data_date=data_date)
        skipped = len(runways) - len(derived)
        self.stdout.write(f"{opts['file']}: {len(aerodromes)} aerodromes ({a['created']} new, {a['updated']} updated), "
                          f"{z['total']} FRZ zones ({z['created']} new, {z['updated']} updated, {z['deleted']} removed); "
                          f"{skipped} aerodromes without threshold coordinates keep the airspace circle; "
                          f"data date {data_date} from {how}")
