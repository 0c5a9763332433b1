"""`manage.py imagery_info`: JSON lines for files and folders, errors reported per file, no database needed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

KEYS = {"file", "kind", "lat", "lon", "alt_m", "relative_alt_m", "captured_at", "make", "model", "focal_mm",
        "gimbal_pitch", "gimbal_yaw", "footprint"}


def _run(*args: str) -> tuple[list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("imagery_info", *args, stdout=out, stderr=err)
    return [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_folder_as_json_lines(shared_data: Path) -> None:
    rows, err = _run(str(shared_data / "thermal/h20t"), "--json")
    assert len(rows) == 16
    assert all(row.keys() >= KEYS for row in rows)
    first = rows[0]
    assert first["file"].endswith("DJI_20220602143532_0191_T.JPG")
    assert first["kind"] == "thermal_photo" and first["model"] == "ZH20T"
    assert first["relative_alt_m"] == pytest.approx(94.992) and first["gimbal_pitch"] == -90.0
    assert first["footprint"]["type"] == "Polygon" and first["captured_at"] == "2022-06-02T14:35:32+02:00"
    assert "16/16" in err  # progress bar on stderr


def test_unknown_values_are_null_and_heights_can_be_given(shared_data: Path) -> None:
    photo = shared_data / "drone/caliterra-half/IMG_9354.jpg"
    rows, _ = _run(str(photo), "--json")
    assert rows[0]["relative_alt_m"] is None and rows[0]["gimbal_yaw"] is None and rows[0]["footprint"] is None
    rows, _ = _run(str(photo), "--json", "--above-ground", "100")
    assert rows[0]["footprint"]["type"] == "Polygon"
    assert rows[0]["footprint_info"]["width_m"] == pytest.approx(100 * 6.17 / 4.5, rel=1e-3)


def test_broken_files_print_an_error_and_the_command_goes_on(shared_data: Path, tmp_path: Path) -> None:
    data = (shared_data / "drone/caliterra-half/IMG_9354.jpg").read_bytes()
    (tmp_path / "a_broken.jpg").write_bytes(data[:300])
    (tmp_path / "b_good.jpg").write_bytes(data)
    rows, err = _run(str(tmp_path), str(tmp_path / "missing.jpg"), "--json")
    by_name = {Path(r["file"]).name: r for r in rows}
    assert "not a valid JPEG" in by_name["a_broken.jpg"]["error"]
    assert "no such file" in by_name["missing.jpg"]["error"]
    assert by_name["b_good.jpg"]["lat"] == pytest.approx(30.1712233, abs=1e-6)
    assert "2 of 3 files could not be read" in err


def test_plain_output_and_nothing_to_read(shared_data: Path, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("imagery_info", str(shared_data / "drone/seneca-half/IMG_0446.jpg"), stdout=out, stderr=io.StringIO())
    assert "photo 41.034671,-83.305725 2013-06-04T13:37:29 Canon" in out.getvalue()
    with pytest.raises(CommandError, match="no such file"):
        call_command("imagery_info", str(tmp_path / "nope"), stdout=io.StringIO(), stderr=io.StringIO())
