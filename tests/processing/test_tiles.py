"""Tiles: rendering core, the tile endpoint (visibility, cache headers, formats) and TileJSON."""

from __future__ import annotations

import io
from pathlib import Path

import morecantile
import numpy as np
import pytest
from django.core.files.base import ContentFile
from PIL import Image

from processing.core import tile_encode, tiles
from processing.core.cog import to_cog
from processing.core.errors import TileError

TMS = morecantile.tms.get("WebMercatorQuad")


@pytest.fixture(scope="module")
def bali_cog(shared_data: Path, tmp_path_factory) -> Path:
    return to_cog(shared_data / "orthophotos" / "pix4d-bali.tif", tmp_path_factory.mktemp("cog") / "bali.tif")


def decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


def test_tile_inside_data_is_opaque_imagery(bali_cog):
    with tiles.open_source(bali_cog) as source:
        x0, y0, x1, y1 = tiles.tile_range(source, 19)
        img = decode(tiles.render_tile(source, 19, (x0 + x1) // 2, (y0 + y1) // 2))
    assert img.shape == (256, 256, 4)
    assert (img[..., 3] == 255).mean() > 0.5
    assert img[..., :3].std() > 10  # real imagery, not a flat fill


def test_tile_outside_data_is_transparent(bali_cog):
    with tiles.open_source(bali_cog) as source:
        _, y0, x1, _ = tiles.tile_range(source, 19)
        img = decode(tiles.render_tile(source, 19, x1 + 5, y0))
    assert img.shape == (256, 256, 4) and not img[..., 3].any()


def test_tile_matches_source_pixels_where_it_covers_them(bali_cog, shared_data):
    """Centre pixel of a native-zoom tile against the source pixel under it (bilinear: within a few levels)."""
    import rasterio
    from pyproj import Transformer

    with tiles.open_source(bali_cog) as source:
        x0, y0, x1, y1 = tiles.tile_range(source, 19)
        x, y = (x0 + x1) // 2, (y0 + y1) // 2
        img = decode(tiles.render_tile(source, 19, x, y))
    bounds = TMS.xy_bounds(x, y, 19)
    res = (bounds.right - bounds.left) / 256
    mx, my = bounds.left + 128.5 * res, bounds.top - 128.5 * res
    with rasterio.open(shared_data / "orthophotos" / "pix4d-bali.tif") as ds:
        ex, ey = Transformer.from_crs(3857, ds.crs, always_xy=True).transform(mx, my)
        row, col = ds.index(ex, ey)
        window = ds.read(window=((row - 1, row + 2), (col - 1, col + 2)))
    got = img[128, 128]
    for band in range(3):
        assert window[band].min() - 3 <= got[band] <= window[band].max() + 3


@pytest.mark.parametrize("z", [16, 19, 21])
def test_block_and_single_tile_render_identically(bali_cog, z):
    with tiles.open_source(bali_cog) as source:
        x0, y0, x1, y1 = tiles.tile_range(source, z)
        nx, ny = min(3, x1 - x0 + 1), min(3, y1 - y0 + 1)
        block = tiles.render_block(source, z, x0, y0, nx, ny)
        for i in range(nx):
            for j in range(ny):
                single = tiles.render_block(source, z, x0 + i, y0 + j)
                assert np.array_equal(single, block[j * 256:(j + 1) * 256, i * 256:(i + 1) * 256])


@pytest.mark.parametrize("fmt,mode", [("png", "RGBA"), ("webp", "RGBA"), ("jpg", "RGB")])
def test_formats_decode(bali_cog, fmt, mode):
    with tiles.open_source(bali_cog) as source:
        x0, y0, *_ = tiles.tile_range(source, 18)
        data = tiles.render_tile(source, 18, x0, y0, fmt)
    img = Image.open(io.BytesIO(data))
    assert img.size == (256, 256) and img.mode == mode


def test_png_encoder_round_trips():
    rng = np.random.default_rng(5)
    for channels in (3, 4):
        pixels = rng.integers(0, 256, size=(256, 256, channels), dtype=np.uint8)
        img = np.asarray(Image.open(io.BytesIO(tile_encode.encode_png(pixels))))
        assert np.array_equal(img, pixels)


def test_tilejson_from_cog(bali_cog):
    with tiles.open_source(bali_cog) as source:
        doc = tiles.tilejson(source, "http://x/{z}/{x}/{y}.png")
    w, s, e, n = doc["bounds"]
    # pix4d-bali.tif: 686x758 px of 0.35 m at UTM 50S E 297463, N 9050677 (gdalinfo), i.e. about 115.16 E, 8.59 S
    assert 115.15 < w < e < 115.17 and -8.60 < s < n < -8.58
    assert 0.0020 < e - w < 0.0024  # 242 m
    assert doc["maxzoom"] == 19  # 0.35 m pixels: z19 is the first zoom at least as fine
    assert doc["minzoom"] <= 17


def test_bad_tile_requests_raise(bali_cog, tmp_path):
    with tiles.open_source(bali_cog) as source:
        with pytest.raises(TileError):
            tiles.render_tile(source, 3, 8, 0)
        with pytest.raises(TileError):
            tiles.render_tile(source, 18, 0, 0, "gif")
    (tmp_path / "x.tif").write_bytes(b"not a tiff")
    with pytest.raises(TileError, match="x.tif"):
        tiles.open_source(tmp_path / "x.tif")


# ----- the endpoint ---------------------------------------------------------------------------------------------


@pytest.fixture
def cast(db):
    from tests.factories import make_cast

    return make_cast()


@pytest.fixture
def survey_with_cog(cast, bali_cog):
    from surveys.models import Site, Survey

    site = Site.objects.create(name="Bali", geometry={"type": "Polygon", "coordinates": []},
                               organisation=cast.organisation)
    survey = Survey.objects.create(site=site, status="delivered", map_state="ready")
    survey.orthophoto.save(f"survey-{survey.pk}.tif", ContentFile(bali_cog.read_bytes()))
    return survey


def tile_url(survey, z, x, y, ext="png"):
    return f"/tiles/surveys/{survey.pk}/{z}/{x}/{y}.{ext}"


def test_endpoint_serves_tiles_with_cache_headers(client, cast, survey_with_cog, bali_cog):
    client.force_login(cast.requester)
    with tiles.open_source(bali_cog) as source:
        x0, y0, *_ = tiles.tile_range(source, 19)
        expected = tiles.render_tile(source, 19, x0, y0)
    response = client.get(tile_url(survey_with_cog, 19, x0, y0))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == expected
    assert "max-age" in response["Cache-Control"]
    etag = response["ETag"]
    again = client.get(tile_url(survey_with_cog, 19, x0, y0), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    assert client.get(tile_url(survey_with_cog, 19, x0, y0, "webp"))["Content-Type"] == "image/webp"


def test_endpoint_outside_data_is_transparent_and_bad_tiles_404(client, cast, survey_with_cog):
    client.force_login(cast.planner)
    response = client.get(tile_url(survey_with_cog, 10, 0, 0))
    assert response.status_code == 200 and not decode(response.content)[..., 3].any()
    assert client.get(tile_url(survey_with_cog, 3, 8, 0)).status_code == 404
    assert client.get(f"/tiles/surveys/{survey_with_cog.pk}/3/1/1.gif").status_code == 404


def test_endpoint_and_tilejson_refuse_outsiders(client, cast, survey_with_cog):
    client.force_login(cast.outsider)
    assert client.get(tile_url(survey_with_cog, 19, 0, 0)).status_code == 404
    assert client.get(f"/api/v1/surveys/{survey_with_cog.pk}/tilejson.json").status_code == 404
    client.logout()
    assert client.get(tile_url(survey_with_cog, 19, 0, 0)).status_code == 404


def test_tilejson_endpoint(client, cast, survey_with_cog, settings):
    # The tile address starts with SITE_URL (what users reach, e.g. behind a TLS proxy), not the Host header.
    settings.SITE_URL = "https://surveys.example.gov.uk/"
    client.force_login(cast.requester)
    doc = client.get(f"/api/v1/surveys/{survey_with_cog.pk}/tilejson.json").json()
    assert doc["tiles"] == [f"https://surveys.example.gov.uk/tiles/surveys/{survey_with_cog.pk}/{{z}}/{{x}}/{{y}}.png"]
    assert doc["maxzoom"] == 19 and len(doc["bounds"]) == 4


def test_tilejson_of_survey_without_orthophoto_is_404(client, cast, survey_with_cog):
    survey_with_cog.orthophoto = ""
    survey_with_cog.save()
    client.force_login(cast.requester)
    assert client.get(f"/api/v1/surveys/{survey_with_cog.pk}/tilejson.json").status_code == 404
