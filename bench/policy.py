"""Benchmark: one flight plan evaluated against every UK zone from the shared data.

    .venv/bin/python -m bench.policy [--iterations N]

Builds the zone index once from the shared airspace (YAIXM) and runway (OurAirports) data, exactly as the
import commands derive it, then times `policy.core.evaluate` (plan parsing, projection, STRtree query, every
rule family, daylight) per plan. Target: p99 <= 5 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from policy.core import Aerodrome, Context, PolicySettings, ZoneIndex, ZoneRecord, evaluate
from policy.core.importers.runways import derive_frz, read_runways
from policy.core.importers.yaixm import zones_from_yaixm

ROOT = Path(__file__).resolve().parent.parent
TARGET_P99_MS = 5.0


def shared_dir() -> Path:
    return Path(os.environ.get("SHARED_DATA_DIR", str(ROOT.parent / "shared" / "data")))


def build_index(shared: Path, data_date: date) -> ZoneIndex:
    s = PolicySettings()
    zones = []
    for name in ("airspace.yaml", "rat.yaml"):
        zones += list(zones_from_yaixm((shared / "airspace" / name).read_text(), data_date=data_date,
                                       frz_radius_m=s.frz_radius_m))
    runways = read_runways((shared / "aerodromes" / "runways-EG.csv").read_text())
    aerodromes = []
    for aero, aero_zones in derive_frz(runways, radius_m=s.frz_radius_m, long_radius_m=s.frz_long_radius_m,
                                       long_runway_m=s.frz_long_runway_m, rpz_length_m=s.rpz_length_m,
                                       rpz_half_width_m=s.rpz_half_width_m):
        zones += aero_zones
        aerodromes.append(Aerodrome(aero["ident"], aero["name"], aero["lat"], aero["lon"], aero["longest_runway_m"]))
    records = [ZoneRecord(id=i + 1, kind=z["kind"], name=z["name"], geometry=z["geometry"], lower_m=z["lower_m"],
                          upper_m=z["upper_m"], valid_from=z.get("valid_from"), valid_to=z.get("valid_to"),
                          data_date=data_date, attributes=z["attributes"]) for i, z in enumerate(zones)]
    return ZoneIndex(records, aerodromes)


def plan_at(lon: float, lat: float, half_deg: float = 0.002) -> dict:
    ring = [[lon - half_deg, lat - half_deg], [lon + half_deg, lat - half_deg], [lon + half_deg, lat + half_deg],
            [lon - half_deg, lat + half_deg], [lon - half_deg, lat - half_deg]]
    return {
        "area": {"type": "Polygon", "coordinates": [ring]}, "takeoff_points": [[lon, lat]], "contingency_buffer_m": 20,
        "max_height_m": 90, "start": "2026-06-15T10:00:00+01:00", "end": "2026-06-15T12:00:00+01:00",
        "requester": "rita", "approver": "owen",
        "aircraft": {"model": "Skyview One", "class_mark": "UK2", "mass_g": 1500, "remote_id": True,
                     "green_light": True, "max_wind_ms": 12, "min_temp_c": -10, "max_temp_c": 40, "ip_rating": "IP54"},
        "operation": {"max_distance_from_pilot_m": 300, "min_distance_people_m": 60, "min_distance_built_up_m": 200},
        "operator": {"name": "Highland Aerial Ltd", "operator_id": "GBR-OP-1", "operator_id_expiry": "2027-03-31"},
        "pilots": [{"name": "Pat", "flyer_id": "F1", "flyer_id_expiry": "2030-01-01", "a2_cofc": "A2"}],
        "insurance": {"named_operator": "Highland Aerial Ltd", "third_party_cover_sdr": 1e6,
                      "public_liability_gbp": 5e6, "commercial_use": True, "expiry": "2026-12-31"},
        "documents": {"rams": "R", "dpia": "D", "landowner_consent": "L", "retention_days": 30, "blurring": True},
        "weather": {"mean_wind_ms": 5, "gust_ms": 8, "precipitation_mmh": 0, "temperature_c": 12,
                    "visibility_km": 20, "cloud_base_m": 600, "kp": 3},
    }


PLANS = {
    "open country (Loch Awe)": (-5.02, 56.38),
    "Oban airport (FRZ, RPZ)": (-5.3999, 56.4637),
    "Faslane (P611, D601, CTA)": (-4.8183, 56.0661),
    "Heathrow (CTR, FRZ, many zones)": (-0.4543, 51.4700),
}


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000)
    args = parser.parse_args(argv)
    shared = shared_dir()
    if not shared.is_dir():
        print(f"shared data not found at {shared} (set SHARED_DATA_DIR)", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    index = build_index(shared, date(2026, 6, 1))
    build_s = time.perf_counter() - t0
    ctx = Context(now=datetime(2026, 5, 25, tzinfo=UTC), zones=index, airspace_data_date=date(2026, 6, 1),
                  stage="day_of_flight")
    print(f"python {platform.python_version()} on {platform.machine()}; {len(index)} zones, "
          f"{len(index.aerodromes)} aerodromes; index built in {build_s:.2f} s (parse + project + STRtree)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} CPUs, load average {load:.1f}; {args.iterations} evaluations per plan")
    print(f"{'plan':34} {'outcome':>15} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'cpu p50':>8} {'cpu p99':>8}")
    worst = worst_cpu = 0.0
    for name, (lon, lat) in PLANS.items():
        plan = plan_at(lon, lat)
        decision = evaluate(plan, ctx)  # warm-up
        samples, cpu = [], []
        for _ in range(args.iterations):
            t, c = time.perf_counter(), time.thread_time()
            evaluate(plan, ctx)
            cpu.append((time.thread_time() - c) * 1000)
            samples.append((time.perf_counter() - t) * 1000)
        p50, p99, cpu99 = statistics.median(samples), percentile(samples, 0.99), percentile(cpu, 0.99)
        worst, worst_cpu = max(worst, p99), max(worst_cpu, cpu99)
        print(f"{name:34} {decision.outcome:>15} {p50:8.3f} {p99:8.3f} {max(samples):8.3f} "
              f"{statistics.median(cpu):8.3f} {cpu99:8.3f}")
    verdict = "OK" if worst <= TARGET_P99_MS else "OVER TARGET"
    print(f"worst wall-clock p99 {worst:.3f} ms vs target {TARGET_P99_MS} ms: {verdict} "
          f"(ratio {worst / TARGET_P99_MS:.2f}); worst CPU-time p99 {worst_cpu:.3f} ms "
          f"(ratio {worst_cpu / TARGET_P99_MS:.2f}). Wall-clock tails include time the process waits for a CPU.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
