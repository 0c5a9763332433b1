"""Benchmark: our orthomosaic vs OpenCV's Stitcher (SCANS) on the Caliterra photos, side by side.

    .venv/bin/python -m bench.orthomosaic [--data ../shared/data] [--stitcher-photos 20] [--stitcher-timeout 300]

Each run happens in its own subprocess; peak memory is that child's own max RSS (os.wait4's rusage; ours runs
in one process with threads, so that is the whole tree). The Stitcher runs under a wall-clock timeout and an address-space
cap so it cannot take the machine down. Prints figures and ratios; results go to docs/benchmarks-orthomosaic.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

OURS = """
import json, sys, time
from pathlib import Path
from processing.core.orthomosaic import build_orthomosaic
photos = sorted(Path(sys.argv[1]).glob("*.jpg"))[: int(sys.argv[3])]
t = time.perf_counter()
r = build_orthomosaic(photos, Path(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - t, "used": len(r.photos_used),
                  "dropped": {d.name: d.reason for d in r.photos_dropped},
                  "gps_rms_m": r.gps_rms_m, "gps_median_m": r.gps_median_m, "gps_lag_s": r.gps_lag_s,
                  "gps_rms_lag_corrected_m": r.gps_rms_lag_corrected_m,
                  "gps_along_track_rms_m": r.gps_along_track_rms_m, "gps_cross_track_rms_m": r.gps_cross_track_rms_m,
                  "residual_rms_m": r.residual_rms_m, "residual_rms_px": r.residual_rms_px,
                  "size": [r.width, r.height], "gsd_m": r.gsd_m, "timings": r.timings_s}))
"""

STITCHER = """
import json, sys, time, cv2
from pathlib import Path
photos = sorted(Path(sys.argv[1]).glob("*.jpg"))[: int(sys.argv[2])]
images = [cv2.imread(str(p)) for p in photos]
t = time.perf_counter()
stitcher = cv2.Stitcher.create(cv2.Stitcher_SCANS)
status, pano = stitcher.stitch(images)
out = {"seconds": time.perf_counter() - t, "status": int(status)}
if status == 0:
    out["size"] = [int(pano.shape[1]), int(pano.shape[0])]
    cv2.imwrite(sys.argv[3], pano)
print(json.dumps(out))
"""


def run_child(code: str, args: list[str], *, timeout: float, mem_cap_gb: float | None = None) -> dict:
    """Run `code` in a fresh interpreter; its JSON line plus wall time and its own peak RSS (os.wait4)."""
    def limit() -> None:
        if mem_cap_gb:
            cap = int(mem_cap_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, stdout=out, stderr=err, text=True,
                                preexec_fn=limit)  # safe here: this parent runs no threads
        result: dict = {}
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                result["rc"] = os.waitstatus_to_exitcode(status)
                result["peak_rss_mb"] = round(usage.ru_maxrss / 1024)
                break
            if time.perf_counter() - start > timeout:
                proc.kill()
                _pid, _status, usage = os.wait4(proc.pid, 0)
                result.update(rc=None, error=f"killed after {timeout:.0f} s", peak_rss_mb=round(usage.ru_maxrss / 1024))
                break
            time.sleep(0.2)
        proc.returncode = result["rc"]
        out.seek(0)
        err.seek(0)
        lines = [ln for ln in out.read().splitlines() if ln.startswith("{")]
        if lines:
            result.update(json.loads(lines[-1]))
        elif "error" not in result:
            result["error"] = err.read()[-400:]
    result["wall_s"] = round(time.perf_counter() - start, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("SHARED_DATA_DIR", ROOT.parent / "shared" / "data")))
    parser.add_argument("--stitcher-photos", type=int, default=20)
    parser.add_argument("--stitcher-timeout", type=float, default=300)
    parser.add_argument("--stitcher-mem-gb", type=float, default=8)
    parser.add_argument("--skip-stitcher", action="store_true")
    parser.add_argument("--skip-full", action="store_true")
    args = parser.parse_args()
    half = args.data / "drone" / "caliterra-half"
    full = args.data / "drone" / "caliterra-full"
    seneca = args.data / "drone" / "seneca-half"
    print("load average at start (1, 5, 15 min): {:.2f} {:.2f} {:.2f} on {} CPUs".format(*os.getloadavg(),
                                                                                      os.cpu_count()))
    with tempfile.TemporaryDirectory(prefix="bench-ortho-") as tmp:
        tmp_path = Path(tmp)
        rows = {}
        rows["ours_half_20"] = run_child(OURS, [str(half), str(tmp_path / "o20"), str(args.stitcher_photos)],
                                         timeout=600)
        rows["ours_half_75"] = run_child(OURS, [str(half), str(tmp_path / "o75"), "75"], timeout=600)
        rows["ours_seneca_40"] = run_child(OURS, [str(seneca), str(tmp_path / "os"), "40"], timeout=600)
        if not args.skip_full:
            rows["ours_full_20"] = run_child(OURS, [str(full), str(tmp_path / "of"), "20"], timeout=600)
        if not args.skip_stitcher:
            rows["stitcher_half_20"] = run_child(
                STITCHER, [str(half), str(args.stitcher_photos), str(tmp_path / "pano.jpg")],
                timeout=args.stitcher_timeout, mem_cap_gb=args.stitcher_mem_gb)
    for name, row in rows.items():
        print(f"{name}: {json.dumps(row)}")
    ours, theirs = rows["ours_half_20"], rows.get("stitcher_half_20")
    if theirs and ours.get("seconds"):
        their_time = theirs.get("seconds") or theirs["wall_s"]
        print(f"time ratio Stitcher/ours on {args.stitcher_photos} photos: {their_time / ours['wall_s']:.1f}x "
              f"(Stitcher {'finished' if theirs.get('status') == 0 else 'did not finish: ' + str(theirs.get('error') or theirs.get('status'))})")
        if theirs.get("peak_rss_mb") and ours.get("peak_rss_mb"):
            print(f"memory ratio Stitcher/ours: {theirs['peak_rss_mb'] / ours['peak_rss_mb']:.1f}x")
    r75 = rows["ours_half_75"]
    print(f"75 photos: {r75['wall_s']} s wall (target < 60 s), peak {r75['peak_rss_mb']} MB (target < 2048 MB), "
          f"camera positions vs GPS {r75.get('gps_rms_m')} m RMS (vs the lag-corrected track "
          f"{r75.get('gps_rms_lag_corrected_m')} m, lag {r75.get('gps_lag_s')} s; target 3 m), "
          f"tie residual {r75.get('residual_rms_px')} px RMS")
    print("load average at end (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
