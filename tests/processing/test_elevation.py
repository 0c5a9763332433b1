"""Height profile and volumes on an elevation GeoTIFF whose answer is known: a 6 m cone of 20 m radius on a
plane at 10 m ODN in British National Grid (1 m cells) has π r² h / 3 = 2,513 m³ above its base; a pit, a
sloping plane for the profile; refusals for what cannot be measured."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin

from processing.core.elevation import ElevationError, profile, volume

E0, N0 = 185_000.0, 730_000.0  # near Oban, metres (EPSG:27700)
SIZE = 120
TO_WGS = Transformer.from_crs(27700, 4326, always_xy=True)


def lonlat(e: float, n: float) -> list[float]:
    lon, lat = TO_WGS.transform(e, n)
    return [lon, lat]


def write_dsm(path: Path, heights: np.ndarray, nodata: float | None = -9999.0) -> Path:
    profile_ = {"driver": "GTiff", "width": SIZE, "height": SIZE, "count": 1, "dtype": "float32", "crs": "EPSG:27700",
                "transform": from_origin(E0, N0 + SIZE, 1.0, 1.0), "nodata": nodata}
    with rasterio.open(path, "w", **profile_) as ds:
        ds.write(heights.astype("float32"), 1)
    return path


def cell_centres() -> tuple[np.ndarray, np.ndarray]:
    cols, rows = np.meshgrid(np.arange(SIZE) + 0.5, np.arange(SIZE) + 0.5)
    return E0 + cols, N0 + SIZE - rows


@pytest.fixture
def cone(tmp_path) -> Path:
    e, n = cell_centres()
    r = np.hypot(e - (E0 + 60), n - (N0 + 60))
    return write_dsm(tmp_path / "cone.tif", 10.0 + np.clip(6.0 * (1 - r / 20.0), 0, None))


def square(half: float, ce: float = E0 + 60, cn: float = N0 + 60) -> list[list[float]]:
    return [lonlat(ce - half, cn - half), lonlat(ce + half, cn - half), lonlat(ce + half, cn + half),
            lonlat(ce - half, cn + half)]


def test_a_stockpile_cone_has_its_analytic_volume(cone):
    v = volume(cone, square(30), base="edge-mean")
    assert v.base_m == pytest.approx(10.0, abs=1e-3)
    assert v.above_m3 == pytest.approx(math.pi * 20**2 * 6 / 3, rel=0.02)
    assert v.below_m3 == pytest.approx(0.0, abs=1e-6)
    assert v.area_m2 == pytest.approx(60 * 60, rel=0.03) and v.cell_m == pytest.approx(1.0)
    fixed = volume(cone, square(30), base=12.0)  # above 12 m: a cone of radius 20·(4/6), height 4
    assert fixed.above_m3 == pytest.approx(math.pi * (20 * 4 / 6) ** 2 * 4 / 3, rel=0.03)
    assert fixed.below_m3 == pytest.approx(2.0 * fixed.area_m2 - (v.above_m3 - fixed.above_m3), rel=0.03)


def test_a_pit_is_below_its_base_and_nodata_is_counted(tmp_path):
    e, n = cell_centres()
    heights = np.full((SIZE, SIZE), 5.0)
    pit = (np.abs(e - (E0 + 60)) < 10) & (np.abs(n - (N0 + 60)) < 10)
    heights[pit] = 3.0  # a 20 x 20 m hole 2 m deep: 800 m³
    heights[0:5, 0:5] = -9999.0
    path = write_dsm(tmp_path / "pit.tif", heights)
    v = volume(path, square(25), base="lowest")
    assert v.base_m == pytest.approx(5.0) and v.below_m3 == pytest.approx(800.0, rel=0.01) and v.above_m3 == 0
    corner = volume(path, [lonlat(E0 + 1, N0 + SIZE - 20), lonlat(E0 + 20, N0 + SIZE - 20),
                           lonlat(E0 + 20, N0 + SIZE - 1), lonlat(E0 + 1, N0 + SIZE - 1)], base=5.0)
    assert corner.nodata_cells > 0


def test_profile_follows_a_sloping_plane(tmp_path):
    e, n = cell_centres()
    path = write_dsm(tmp_path / "slope.tif", 20.0 + 0.1 * (e - E0))  # rises 1 m every 10 m eastwards
    points = profile(path, [lonlat(E0 + 10.5, N0 + 50.5), lonlat(E0 + 100.5, N0 + 50.5)], samples=10)
    assert points[-1].distance_m == pytest.approx(90.0, abs=0.05)
    for p in points:
        assert p.height_m == pytest.approx(20.0 + 0.1 * (10.5 + p.distance_m), abs=0.06)
    outside = profile(path, [lonlat(E0 - 50, N0 + 50), lonlat(E0 + 10, N0 + 50)], samples=7)
    assert outside[0].height_m is None and outside[-1].height_m is not None


def test_what_cannot_be_measured_is_refused_with_its_reason(cone, tmp_path):
    with pytest.raises(ElevationError, match="outside the elevation model"):
        volume(cone, square(10, ce=E0 + 5000))
    with pytest.raises(ElevationError, match="at least 3 points"):
        volume(cone, square(10)[:2])
    with pytest.raises(ElevationError, match="longitude/latitude"):
        profile(cone, [[200.0, 56.0], [-5.0, 56.0]])
    with pytest.raises(ElevationError, match="base"):
        volume(cone, square(10), base="highest")
    with pytest.raises(ElevationError, match="not a raster"):
        volume(tmp_path / "missing.tif", square(10))
    rgb = tmp_path / "rgb.tif"
    with rasterio.open(rgb, "w", driver="GTiff", width=8, height=8, count=3, dtype="uint8", crs="EPSG:27700",
                       transform=from_origin(E0, N0, 1, 1)) as ds:
        ds.write(np.zeros((3, 8, 8), dtype="uint8"))
    with pytest.raises(ElevationError, match="3 bands"):
        profile(rgb, square(1)[:2])


@pytest.mark.django_db
def test_the_api_measures_the_delivered_dsm_for_those_who_see_the_survey(cone):
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from rest_framework.test import APIClient

    from surveys.models import Asset, Blob
    from tests.factories import make_cast
    from tests.surveys.helpers import make_delivery

    cast = make_cast()
    survey = make_delivery(cast)
    requester = APIClient()
    requester.force_authenticate(cast.requester)
    base = f"/api/v1/surveys/{survey.pk}/elevation/"
    assert requester.get(base).json()["asset"] is None
    nothing = requester.post(base + "volume", {"polygon": square(30)}, format="json")
    assert nothing.status_code == 400 and "no elevation model" in nothing.json()["detail"]
    data = cone.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    stored = default_storage.save(f"blobs/{sha[:2]}/{sha}.tif", ContentFile(data))
    blob = Blob.objects.create(sha256=sha, file=stored, size=len(data))
    Asset.objects.create(survey=survey, kind="elevation", blob=blob, file=stored, original_name="dsm.tif",
                         sha256=sha, size=len(data))
    info = requester.get(base).json()
    assert info["name"] == "dsm.tif" and info["cell_m"] == 1.0 and info["max_m"] == pytest.approx(16.0, abs=0.3)  # peak between cell centres
    got = requester.post(base + "volume", {"polygon": {"type": "Polygon", "coordinates": [square(30)]}},
                         format="json").json()
    assert got["above_m3"] == pytest.approx(math.pi * 400 * 6 / 3, rel=0.02) and got["area_ha"] > 0.35
    line = requester.post(base + "profile", {"line": [lonlat(E0 + 30, N0 + 60.5), lonlat(E0 + 90, N0 + 60.5)],
                                             "samples": 61}, format="json").json()["points"]
    assert max(p["height_m"] for p in line) == pytest.approx(16.0, abs=0.4)
    bad = requester.post(base + "volume", {"polygon": square(30), "base": "top"}, format="json")
    assert bad.status_code == 400 and "base" in bad.json()["detail"]
    outsider = APIClient()
    outsider.force_authenticate(cast.outsider)
    assert outsider.post(base + "profile", {"line": square(3)[:2]}, format="json").status_code == 404
