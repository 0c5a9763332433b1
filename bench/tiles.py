"""export_tiles vs gdal2tiles.py --xyz: same source, zoom range and process count, measured side by side.

    .venv/bin/python -m bench.tiles [--src FILE --zoom MIN-MAX]... [--processes 2] [--repeat 3]

Both are timed as the commands a user runs (interpreter start-up included), alternating runs, best of N.
Also checks that both wrote exactly the same set of z/x/y files. Default sources: the Pix4D Bali orthophoto
(shared data) and, when present, bench/out/caliterra/orthophoto.tif (an orthomosaic COG of caliterra-half;
make it with `manage.py process_imagery ../shared/data/drone/caliterra-half --out bench/out/caliterra`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED_DATA_DIR", ROOT.parent / "shared" / "data"))


def ensure_gdal2tiles() -> str:
    found = shutil.which("gdal2tiles.py") or shutil.which("gdal2tiles")
    if found:
        return found
    print("gdal2tiles.py not found: installing Debian's gdal-bin", file=sys.stderr)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "gdal-bin", "python3-gdal"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    found = shutil.which("gdal2tiles.py") or shutil.which("gdal2tiles")
    if not found:
        sys.exit("gdal2tiles.py is still missing after installing gdal-bin")
    return found


def tile_set(folder: Path, ext: str) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob(f"*.{ext}")}


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def run_pair(src: Path, zoom: str, processes: int, repeat: int, g2t: str) -> dict:
    ours_t, theirs_t = [], []
    with tempfile.TemporaryDirectory(prefix="bench-tiles-") as tmp:
        for i in range(repeat):
            ours_dir, theirs_dir = Path(tmp) / f"ours{i}", Path(tmp) / f"g2t{i}"
            theirs_t.append(timed([g2t, "--xyz", "-q", "-z", zoom, "--processes", str(processes), str(src),
                                   str(theirs_dir)]))
            ours_t.append(timed([sys.executable, "manage.py", "export_tiles", str(src), "--zoom", zoom,
                                 "--out", str(ours_dir), "--processes", str(processes)]))
        ours_set, theirs_set = tile_set(ours_dir, "png"), tile_set(theirs_dir, "png")
        size_ours = sum((ours_dir / p).stat().st_size for p in ours_set)
        size_theirs = sum((theirs_dir / p).stat().st_size for p in theirs_set)
    return {
        "src": src.name, "zoom": zoom, "processes": processes, "tiles": len(ours_set),
        "ours_s": min(ours_t), "gdal2tiles_s": min(theirs_t), "ratio": min(theirs_t) / min(ours_t),
        "same_tile_set": ours_set == theirs_set, "only_ours": len(ours_set - theirs_set),
        "only_gdal2tiles": len(theirs_set - ours_set), "mb_ours": size_ours / 1e6, "mb_gdal2tiles": size_theirs / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", action="append", type=Path, help="raster (repeatable; pairs with --zoom)")
    parser.add_argument("--zoom", action="append", help="MIN-MAX for each --src")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    g2t = ensure_gdal2tiles()
    jobs: list[tuple[Path, str]] = []
    if args.src:
        zooms = args.zoom or []
        if len(zooms) != len(args.src):
            parser.error("give one --zoom per --src")
        jobs = list(zip(args.src, zooms, strict=True))
    else:
        jobs.append((SHARED / "orthophotos" / "pix4d-bali.tif", "14-22"))
        caliterra = ROOT / "bench" / "out" / "caliterra" / "orthophoto.tif"
        if caliterra.is_file():
            jobs.append((caliterra, "15-22"))
        else:
            print(f"(no {caliterra.relative_to(ROOT)}: only the Bali orthophoto is measured)", file=sys.stderr)
    print(f"{'source':28} {'zoom':6} {'proc':>4} {'tiles':>6} {'ours s':>8} {'gdal2tiles s':>12} {'ratio':>6} "
          f"{'same set':>8} {'MB ours':>8} {'MB g2t':>8}")
    for src, zoom in jobs:
        r = run_pair(src, zoom, args.processes, args.repeat, g2t)
        print(f"{r['src']:28} {r['zoom']:6} {r['processes']:>4} {r['tiles']:>6} {r['ours_s']:>8.2f} "
              f"{r['gdal2tiles_s']:>12.2f} {r['ratio']:>5.1f}x {r['same_tile_set']!s:>8} "
              f"{r['mb_ours']:>8.1f} {r['mb_gdal2tiles']:>8.1f}")
        if not r["same_tile_set"]:
            print(f"   tile sets differ: {r['only_ours']} only ours, {r['only_gdal2tiles']} only gdal2tiles")


if __name__ == "__main__":
    main()
