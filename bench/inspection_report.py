"""Benchmark: an inspection report of 50 defects on a survey of the 75 real Caliterra photos (target < 30 s).

    .venv/bin/python -m bench.inspection_report [--data ../shared/data] [--defects 50] [--repeat 2]

Sets up a throw-away database and media folder (SQLite, in a temporary folder), the test cast
(tests/factories.py) and one delivered survey of the 75 photos of ../shared/data/drone/caliterra-half (2000×1500).
The photos are placed on a 15 × 5 grid of 80 m × 60 m footprints at Oban (British National Grid, so every
defect has a grid reference) and an orthophoto GeoTIFF (0.25 m, tiled, with overviews) is warped from them, so
the report has an overview map and an inset per defect. 40 defects are marked on 40 different photos (boxes,
points, lines) and the rest on the map. Timed: `render_report` (reading the annotations and positions, 40 crops
from the stored originals, the overview and 50 insets from the COG, the HTML, WeasyPrint's PDF) plus
`report_publish` (storing the version), i.e. what the `inspection_report` job does. Setup is not timed; the
temporary folder is removed at the end.
Figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOOT_W, FOOT_H, RES, COLS = 80.0, 60.0, 0.25, 15
ORIGIN = (185000.0, 730000.0)


def footprint(i: int) -> list[list[float]]:
    x0, y1 = ORIGIN[0] + (i % COLS) * FOOT_W, ORIGIN[1] - (i // COLS) * FOOT_H
    return [[x0, y1], [x0 + FOOT_W, y1], [x0 + FOOT_W, y1 - FOOT_H], [x0, y1 - FOOT_H]]


def orthophoto(paths: list[Path], out: Path) -> None:
    import cv2
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    rows_n = (len(paths) + COLS - 1) // COLS
    cols, rows = int(COLS * FOOT_W / RES), int(rows_n * FOOT_H / RES)
    canvas = np.zeros((rows, cols, 3), np.uint8)
    for i, path in enumerate(paths):
        photo = cv2.imread(str(path))
        h, w = photo.shape[:2]
        dst = np.float32([[(x - ORIGIN[0]) / RES, (ORIGIN[1] - y) / RES] for x, y in footprint(i)])
        m = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), dst)
        x0, y0 = int(dst[:, 0].min()), int(dst[:, 1].min())
        bw, bh = int(dst[:, 0].max()) - x0, int(dst[:, 1].max()) - y0
        shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64)
        canvas[y0:y0 + bh, x0:x0 + bw] = cv2.warpPerspective(photo, shift @ m, (bw, bh))
    with rasterio.open(out, "w", driver="GTiff", width=cols, height=rows, count=3, dtype="uint8",
                       crs="EPSG:27700", transform=from_origin(ORIGIN[0], ORIGIN[1], RES, RES), tiled=True,
                       blockxsize=512, blockysize=512, compress="deflate") as ds:
        ds.write(np.transpose(canvas[:, :, ::-1], (2, 0, 1)))
        ds.build_overviews([2, 4, 8, 16])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("SHARED_DATA_DIR",
                                                                          ROOT.parent / "shared" / "data")))
    parser.add_argument("--defects", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    photos = sorted((args.data / "drone" / "caliterra-half").glob("*.jpg"))
    if len(photos) < 75:
        sys.exit(f"need the 75 photos of {args.data / 'drone' / 'caliterra-half'}")
    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'db.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import logging
    import shutil

    import django

    django.setup()
    for name in ("weasyprint", "fontTools"):  # their progress lines, not ours
        logging.getLogger(name).setLevel(logging.WARNING)
    from django.core.files import File
    from django.core.management import call_command
    from django.utils import timezone
    from pyproj import Transformer

    from inspection.models import InspectionReport
    from inspection.report_render import render_report
    from inspection.selectors import schema_for_survey
    from inspection.services import annotation_create, report_publish
    from surveys.services import asset_ingest_file
    from tests.factories import make_cast
    from tests.surveys.helpers import make_delivery

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    cast = make_cast()
    survey = make_delivery(cast)
    assets = [asset_ingest_file(survey=survey, path=p, original_name=p.name).asset for p in photos[:75]]
    to_lonlat = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    survey.ortho_report = {"crs": "EPSG:27700", "photos_dropped": [], "photos_used": [
        {"name": a.original_name, "footprint": footprint(i),
         "footprint_lonlat": [list(to_lonlat.transform(x, y)) for x, y in footprint(i)]}
        for i, a in enumerate(assets)]}
    tif = work / "ortho.tif"
    orthophoto(photos[:75], tif)
    with tif.open("rb") as fh:
        survey.orthophoto.save("bench-ortho.tif", File(fh), save=False)
    survey.save()
    doc = schema_for_survey(survey=survey).document
    levels = sorted(doc["severity"]["levels"], key=lambda lv: lv["rank"])
    cats = [c["code"] for c in doc["categories"]]
    now = timezone.now()
    on_photos = min(40, args.defects)
    for n in range(args.defects):
        level, category = levels[n % len(levels)], cats[n % len(cats)]
        extra = {"extent": (level.get("extents") or [doc["extent"]["levels"][-1]["code"]])[-1]} \
            if doc.get("extent") else {}
        where: dict
        if n < on_photos:
            asset = assets[(n * 7) % 75]
            x, y = 200 + (n * 137) % 1500, 150 + (n * 91) % 1100
            shape = n % 3
            geom = ({"type": "Point", "coordinates": [x, y]} if shape == 0 else
                    {"type": "LineString", "coordinates": [[x, y], [x + 200, y + 80], [x + 260, y + 240]]}
                    if shape == 1 else
                    {"type": "Polygon", "coordinates": [[[x, y], [x + 240, y], [x + 240, y + 160], [x, y + 160],
                                                         [x, y]]]})
            where = {"asset": asset.pk, "pixel_geometry": geom}
        else:
            e, nn = ORIGIN[0] + 40 + (n * 53) % 1100, ORIGIN[1] - 30 - (n * 29) % 250
            lon, lat = to_lonlat.transform(e, nn)
            where = {"geometry": {"type": "Point", "coordinates": [lon, lat]}}
        annotation_create(survey=survey, by=cast.contractor, now=now, category=category, severity=level["code"],
                          note=f"defect {n + 1}: {category}", **extra, **where)
    setup_s = time.perf_counter() - t0
    times = []
    for run in range(args.repeat):
        survey.annotations.filter(pk=survey.annotations.first().pk).update(note=f"run {run}")  # a new version
        t = time.perf_counter()
        rendered = render_report(survey, generated_at=timezone.now().isoformat(timespec="seconds"))
        report = report_publish(survey=survey, rendered=rendered, by=cast.contractor, now=timezone.now())
        times.append(time.perf_counter() - t)
    pdf = Path(report.pdf_file.path)
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    page_count = next((line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")), "?")
    print(f"setup (not timed): {setup_s:.1f} s; photos {len(assets)}, defects {args.defects} "
          f"({on_photos} on photos), versions {InspectionReport.objects.filter(survey=survey).count()}")
    print(f"report: {', '.join(f'{t:.1f}' for t in times)} s (best {min(times):.1f} s); PDF {page_count} pages, "
          f"{pdf.stat().st_size / 1e6:.1f} MB; HTML {len(rendered.html) / 1e6:.1f} MB")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
