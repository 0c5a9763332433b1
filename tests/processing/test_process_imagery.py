"""manage.py process_imagery: works without the database, exit code 2 with a clear message on bad input."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def test_builds_orthophoto_and_report(shared_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for n in range(9362, 9366):
        name = f"IMG_{n}.jpg"
        (folder / name).symlink_to(shared_data / "drone" / "caliterra-half" / name)
    (folder / "readme.txt").write_text("ignored: not a photo suffix")
    out = tmp_path / "out"
    stdout = StringIO()
    call_command("process_imagery", str(folder), "--out", str(out), "--no-progress",
                 "--options", '{"resolution_scale": 8, "max_features": 1500}', stdout=stdout)
    report = json.loads((out / "report.json").read_text())
    assert len(report["photos_used"]) == 4 and report["crs"] == "EPSG:32614"
    assert (out / "orthophoto.tif").stat().st_size > 10000
    assert "4 photos used" in stdout.getvalue()


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda tmp: [str(tmp / "missing"), "--out", str(tmp / "o")], "is not a directory"),
        (lambda tmp: [str(tmp), "--out", str(tmp / "o")], "no photos"),
        (lambda tmp: [str(tmp), "--out", str(tmp / "o"), "--options", "{oops"], "--options"),
    ],
)
def test_bad_input_exits_2(tmp_path: Path, make_args, message: str) -> None:
    with pytest.raises(CommandError, match=message) as info:
        call_command("process_imagery", *make_args(tmp_path), "--no-progress")
    assert info.value.returncode == 2


def test_unplaceable_photos_exit_2(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_text("not a photo")
    (tmp_path / "b.jpg").write_bytes(b"\xff\xd8\xff\xe0 broken")
    with pytest.raises(CommandError, match="only 0 of 2 photos can be placed") as info:
        call_command("process_imagery", str(tmp_path), "--out", str(tmp_path / "o"), "--no-progress")
    assert info.value.returncode == 2
    assert not (tmp_path / "o" / "orthophoto.tif").exists()


def _four_photos(shared_data: Path, folder: Path) -> None:
    folder.mkdir()
    for n in range(9362, 9366):
        name = f"IMG_{n}.jpg"
        (folder / name).symlink_to(shared_data / "drone" / "caliterra-half" / name)


def test_a_gcp_list_in_the_folder_places_the_map_on_its_marks(shared_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    _four_photos(shared_data, folder)
    (folder / "gcp_list.txt").write_text("WGS84 UTM 14N\n587700.0 3338050.0 300 1000 750 IMG_9363.jpg m1\n")
    stdout = StringIO()
    call_command("process_imagery", str(folder), "--out", str(tmp_path / "out"), "--no-progress",
                 "--options", '{"resolution_scale": 8}', stdout=stdout)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["position_basis"] == "gcps" and report["gcp_rms_m"] < 0.05
    assert "1 ground control mark(s), 1 sighting(s), EPSG:32614" in stdout.getvalue()
    assert "placed on ground control" in stdout.getvalue()
    call_command("process_imagery", str(folder), "--out", str(tmp_path / "plain"), "--no-progress", "--no-gcps",
                 "--options", '{"resolution_scale": 8}', stdout=StringIO())
    assert json.loads((tmp_path / "plain" / "report.json").read_text())["position_basis"] == "gps"


def test_a_broken_gcp_list_exits_2_naming_the_line(shared_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    _four_photos(shared_data, folder)
    gcps = tmp_path / "marks.txt"
    gcps.write_text("EPSG:32614\n587700.0 3338050.0 300 1000 IMG_9363.jpg\n")
    with pytest.raises(CommandError, match="marks.txt line 2: expected") as info:
        call_command("process_imagery", str(folder), "--out", str(tmp_path / "o"), "--no-progress",
                     "--gcps", str(gcps))
    assert info.value.returncode == 2 and not (tmp_path / "o").exists()
