"""Reads: the current policy version, the zone index (cached per process), stored checks."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, QuerySet

from policy.core import Aerodrome as CoreAerodrome
from policy.core import PolicySettings, ZoneIndex, ZoneRecord

from .models import Aerodrome, PolicyCheck, PolicyVersion, Zone, ZoneKind

AIRSPACE_KINDS = (ZoneKind.FRZ, ZoneKind.PROHIBITED, ZoneKind.RESTRICTED, ZoneKind.DANGER,
                  ZoneKind.TEMPORARY, ZoneKind.CONTROLLED)


def current_policy_version() -> PolicyVersion | None:
    return PolicyVersion.objects.filter(is_active=True).order_by("-number").first()


def previous_policy_version(version: PolicyVersion) -> PolicyVersion | None:
    return PolicyVersion.objects.filter(number__lt=version.number).order_by("-number").first()


def policy_settings(version: PolicyVersion | None) -> PolicySettings:
    return PolicySettings.from_dict(version.settings if version else {})


def zone_data_version() -> str:
    """Changes whenever any zone or aerodrome is added, changed or removed."""
    z = Zone.objects.aggregate(n=Count("id"), t=Max("updated_at"), m=Max("id"))
    a = Aerodrome.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    raw = f"{z['n']}.{z['m']}.{z['t']}|{a['n']}.{a['t']}"
    return f"z{z['n']}-a{a['n']}-{hashlib.sha1(raw.encode()).hexdigest()[:12]}"


def airspace_data_date() -> date | None:
    """The date of the stalest airspace source (AIR-10): each source (airspace.yaml, rat.yaml, the runways,
    a NATS FRZ file) is imported whole with one data date, and the data is only as current as its oldest part."""
    per_source = (Zone.objects.filter(kind__in=AIRSPACE_KINDS).values("source")
                  .annotate(d=Max("data_date")).values_list("d", flat=True))
    return min(per_source, default=None)


def zone_record(z: Zone) -> ZoneRecord:
    return ZoneRecord(id=z.pk, kind=z.kind, name=z.name, geometry=z.geometry, lower_m=z.lower_m,
                      upper_m=z.upper_m, valid_from=z.valid_from, valid_to=z.valid_to, source=z.source,
                      data_date=z.data_date, attributes=z.attributes or {})


@dataclass(frozen=True)
class ZoneData:
    index: ZoneIndex
    version: str
    airspace_data_date: date | None


_lock = threading.Lock()
_cache: dict[str, ZoneData] = {}


def zone_data() -> ZoneData:
    """The zone index, built once per process and rebuilt when the zone data changes."""
    version = zone_data_version()
    cached = _cache.get("current")
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        cached = _cache.get("current")
        if cached is not None and cached.version == version:
            return cached
        zones = [zone_record(z) for z in Zone.objects.all().order_by("id")]
        aerodromes = [CoreAerodrome(a.ident, a.name, a.lat, a.lon, a.longest_runway_m)
                      for a in Aerodrome.objects.all().order_by("ident")]
        data = ZoneData(ZoneIndex(zones, aerodromes), version, airspace_data_date())
        _cache["current"] = data
        return data


def checks_for_request(flight_request) -> QuerySet[PolicyCheck]:  # type: ignore[no-untyped-def]
    return PolicyCheck.objects.filter(flight_request=flight_request).select_related("policy_version")


def latest_check(flight_request) -> PolicyCheck | None:  # type: ignore[no-untyped-def]
    return checks_for_request(flight_request).first()
