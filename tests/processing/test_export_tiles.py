"""export_tiles: the tile set (as morecantile computes it), byte identity with the endpoint, atomic writes."""

from __future__ import annotations

from pathlib import Path

import morecantile
import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from PIL import Image

from processing.core import tiles
from processing.core.cog import to_cog

TMS = morecantile.tms.get("WebMercatorQuad")


@pytest.fixture(scope="module")
def bali(shared_data: Path) -> Path:
    return shared_data / "orthophotos" / "pix4d-bali.tif"


@pytest.fixture(scope="module")
def bali_cog(bali: Path, tmp_path_factory) -> Path:
    return to_cog(bali, tmp_path_factory.mktemp("cog") / "bali.tif")


def written(folder: Path, ext: str = "png") -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("processes", [1, 2])
def test_tile_set_equals_morecantile_cover(bali, tmp_path, processes):
    call_command("export_tiles", str(bali), "--zoom", "15-20", "--out", str(tmp_path), "--processes", str(processes))
    with tiles.open_source(bali) as source:
        w, s, e, n = source.bounds_wgs84
    expected = {f"{t.z}/{t.x}/{t.y}.png" for t in TMS.tiles(w, s, e, n, zooms=list(range(15, 21)))}
    assert written(tmp_path) == expected  # no .partial leftovers either
    assert len(expected) == 1 + 1 + 2 + 6 + 16 + 64


def test_export_tiles_equal_endpoint_tiles(client, db, bali_cog, tmp_path):
    from surveys.models import Site, Survey
    from tests.factories import make_cast

    cast = make_cast()
    site = Site.objects.create(name="Bali", geometry={}, organisation=cast.organisation)
    survey = Survey.objects.create(site=site, status="delivered", map_state="ready")
    survey.orthophoto.save("bali.tif", ContentFile(bali_cog.read_bytes()))
    out = tmp_path / "pyramid"
    # The survey's own stored orthophoto, as the endpoint serves it (the pyramid for a CDN or offline use).
    call_command("export_survey_tiles", str(survey.pk), "--zoom", "17-21", "--out", str(out), "--processes", "2")
    client.force_login(cast.planner)
    files = sorted(written(out))
    assert len(files) == 2 + 6 + 16 + 64 + 210
    for rel in files[::7]:  # a spread of tiles over every zoom, edge and inner ones
        z, x, rest = rel.split("/")
        response = client.get(f"/tiles/surveys/{survey.pk}/{z}/{x}/{rest}")
        assert response.status_code == 200
        assert response.content == (out / rel).read_bytes(), rel


@pytest.mark.parametrize("fmt", ["webp", "jpg"])
def test_other_formats(bali_cog, tmp_path, fmt):
    call_command("export_tiles", str(bali_cog), "--zoom", "18", "--out", str(tmp_path), "--format", fmt)
    files = sorted(tmp_path.rglob(f"*.{fmt}"))
    assert len(files) == 6
    with tiles.open_source(bali_cog) as source:
        for path in files:
            z, x, y = int(path.parent.parent.name), int(path.parent.name), int(path.stem)
            assert path.read_bytes() == tiles.render_tile(source, z, x, y, fmt)
    assert Image.open(files[0]).size == (256, 256)


def test_default_zoom_range_is_the_rasters(bali, tmp_path):
    call_command("export_tiles", str(bali), "--out", str(tmp_path))
    assert sorted(int(p.name) for p in tmp_path.iterdir()) == list(range(17, 20))


def test_rerun_overwrites_in_place(bali, tmp_path):
    call_command("export_tiles", str(bali), "--zoom", "18", "--out", str(tmp_path))
    first = {rel: (tmp_path / rel).read_bytes() for rel in written(tmp_path)}
    call_command("export_tiles", str(bali), "--zoom", "18", "--out", str(tmp_path), "--processes", "2")
    assert {rel: (tmp_path / rel).read_bytes() for rel in written(tmp_path)} == first


def test_edge_tiles_are_partly_transparent(bali, tmp_path):
    call_command("export_tiles", str(bali), "--zoom", "19", "--out", str(tmp_path))
    alphas = [np.asarray(Image.open(p).convert("RGBA"))[..., 3] for p in tmp_path.rglob("*.png")]
    assert any((a == 0).any() and (a == 255).any() for a in alphas)


@pytest.mark.parametrize("args,message", [
    (["--zoom", "20-15"], "MIN must not exceed MAX"),
    (["--zoom", "abc"], "MIN-MAX"),
    (["--processes", "0"], "at least 1"),
])
def test_bad_arguments(bali, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_tiles", str(bali), "--out", str(tmp_path), *args)


def test_missing_and_broken_sources(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("export_tiles", str(tmp_path / "nope.tif"), "--out", str(tmp_path / "o"))
    broken = tmp_path / "broken.tif"
    broken.write_bytes(b"II*\x00" + b"\x00" * 100)
    with pytest.raises(CommandError, match="broken.tif"):
        call_command("export_tiles", str(broken), "--zoom", "10", "--out", str(tmp_path / "o"))
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").rglob("*.png"))


@pytest.mark.django_db
def test_survey_source_errors(bali, tmp_path):
    from surveys.models import Site, Survey

    survey = Survey.objects.create(site=Site.objects.create(name="Empty", geometry={}), status="delivered")
    out = str(tmp_path / "o")
    for command, args, message in [
        ("export_survey_tiles", [str(survey.pk)], "has no map yet"),
        ("export_survey_tiles", [str(survey.pk + 1000)], "no such survey"),
        ("export_survey_tiles", [], "the following arguments are required: survey"),
        ("export_tiles", [str(tmp_path / "missing.tif")], "no such file"),
        ("export_tiles", [], "the following arguments are required: src"),
    ]:
        with pytest.raises(CommandError, match=message):
            call_command(command, *args, "--zoom", "18", "--out", out)
    assert not (tmp_path / "o").exists()
