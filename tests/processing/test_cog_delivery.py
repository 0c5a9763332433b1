"""A contractor's own orthomosaic, end to end: tus upload -> declare delivery -> "cog" job (run_jobs) -> the
survey's tiles and TileJSON, for the delivered CRS (UTM 50S) and for the same image delivered in WGS84."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import rasterio
from django.core.management import call_command
from PIL import Image
from rasterio.warp import Resampling, calculate_default_transform, reproject

from processing.core import tiles
from processing.models import Job, JobState
from tests.surveys.helpers import make_delivery, tus_upload

# The pix4d Bali orthophoto covers lon 115.1597..115.1619, lat -8.5862..-8.5838 (read from the file).
BALI_AREA = {
    "type": "Polygon",
    "coordinates": [[[115.158, -8.588], [115.163, -8.588], [115.163, -8.582], [115.158, -8.582],
                     [115.158, -8.588]]],
}


@pytest.fixture
def cast(db):
    from tests.factories import make_cast

    return make_cast()


def to_wgs84(src: Path, dst: Path) -> Path:
    """The same orthophoto as a contractor exporting in geographic coordinates would deliver it."""
    with rasterio.open(src) as ds:
        transform, width, height = calculate_default_transform(ds.crs, "EPSG:4326", ds.width, ds.height,
                                                               *ds.bounds)
        profile = {**ds.profile, "crs": "EPSG:4326", "transform": transform, "width": width, "height": height,
                   "tiled": True, "blockxsize": 256, "blockysize": 256}
        with rasterio.open(dst, "w", **profile) as out:
            for band in range(1, ds.count + 1):
                reproject(rasterio.band(ds, band), rasterio.band(out, band), resampling=Resampling.nearest)
            out.colorinterp = ds.colorinterp
    return dst


@pytest.mark.parametrize("crs", ["EPSG:32750", "EPSG:4326"])
def test_delivered_geotiff_becomes_the_surveys_map_layer(client, cast, shared_data, tmp_path, crs):
    original = shared_data / "orthophotos" / "pix4d-bali.tif"
    source = original if crs == "EPSG:32750" else to_wgs84(original, tmp_path / "bali-wgs84.tif")
    survey = make_delivery(cast, area=BALI_AREA, deliverables=("orthomosaic",))

    client.force_login(cast.contractor)
    uploaded = tus_upload(client, survey.pk, "bali-ortho.tif", source.read_bytes())
    assert uploaded.status_code == 204, uploaded.content
    assert client.post(f"/api/v1/surveys/{survey.pk}/deliver/").status_code == 200

    job = Job.objects.get(survey=survey)
    assert (job.kind, job.state) == ("cog", JobState.PENDING)
    call_command("run_jobs", "--burst", "--quiet")
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.error or job.log
    survey.refresh_from_db()
    with rasterio.open(survey.orthophoto.path) as ds:
        assert ds.crs.to_string() == crs and ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
    assert survey.ortho_report["input"]["crs"] == crs

    # The requesting service sees the job finished, and the orthophoto on the survey's map.
    client.force_login(cast.requester)
    shown = client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert (shown["state"], shown["progress"], shown["stage"]) == ("succeeded", 100, "publish")
    assert 'data-ortho="1"' in client.get(f"/surveys/{survey.pk}/").content.decode()
    doc = client.get(f"/api/v1/surveys/{survey.pk}/tilejson.json").json()
    west, south, east, north = doc["bounds"]
    assert west == pytest.approx(115.1597, abs=2e-4) and east == pytest.approx(115.1619, abs=2e-4)
    assert south == pytest.approx(-8.5862, abs=2e-4) and north == pytest.approx(-8.5838, abs=2e-4)
    assert doc["minzoom"] <= 17 and doc["maxzoom"] in (19, 20)

    # A tile in the middle of the data is the delivered imagery, byte for byte the core renderer (which export_tiles shares).
    with tiles.open_source(survey.orthophoto.path) as cog:
        x0, y0, x1, y1 = tiles.tile_range(cog, doc["maxzoom"])
        x, y = (x0 + x1) // 2, (y0 + y1) // 2
        expected = tiles.render_tile(cog, doc["maxzoom"], x, y)
    response = client.get(f"/tiles/surveys/{survey.pk}/{doc['maxzoom']}/{x}/{y}.png")
    assert response.status_code == 200 and response.content == expected
    pixels = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGBA"))
    assert (pixels[..., 3] == 255).mean() > 0.5 and pixels[..., :3].std() > 10
