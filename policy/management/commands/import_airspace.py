"""manage.py import_airspace FILE... : UK airspace (YAIXM YAML) -> zones for rules AIR-01..08."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from policy import selectors, services
from policy.core.importers.yaixm import AirspaceError, load_yaixm, release_date, zones_from_yaixm

from ._common import data_date_option, parse_data_date, read_file, resolve_data_date


class Command(BaseCommand):
    help = "Import UK airspace in YAIXM YAML (ATZ, CTR/CTA, danger, restricted, prohibited, RA(T)). Idempotent."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("files", nargs="+")
        data_date_option(parser)

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        given = parse_data_date(opts["data_date"])
        settings = selectors.policy_settings(services.ensure_default_policy())
        for path in opts["files"]:
            text = read_file(path).decode("utf-8", errors="replace")
            source = f"yaixm:{Path(path).name}"
            try:
                doc = load_yaixm(text)
                data_date, how = resolve_data_date(path, given, release_date(doc))
                zones = list(zones_from_yaixm(doc, data_date=data_date, frz_radius_m=settings.frz_radius_m))
            except AirspaceError as exc:
                raise CommandError(f"{path}: {exc}") from None
            except yaml.YAMLError as exc:
                raise CommandError(f"{path}: cannot read as YAIXM YAML ({exc})") from None
            result = services.zones_replace_source(source=source, zones=zones, data_date=data_date)
            self.stdout.write(f"{path}: {result['total']} zones ({result['created']} new, {result['updated']} "
                              f"updated, {result['deleted']} removed), data date {data_date} from {how}")
