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
