"""Broken inputs: dropped and reported, or a clear MosaicError that leaves earlier outputs untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from processing.core.errors import MosaicError
from processing.core.orthomosaic import build_orthomosaic

FAST = {"resolution_scale": 8.0, "feature_side": 800, "max_features": 1500}


def _photos(shared_data: Path, names: range) -> list[Path]:
    return [shared_data / "drone" / "caliterra-half" / f"IMG_{n}.jpg" for n in names]


def test_corrupt_and_non_image_files_are_dropped_with_reasons(shared_data: Path, tmp_path: Path) -> None:
    good = _photos(shared_data, range(9362, 9367))
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(good[0].read_bytes()[:30000])
    text = tmp_path / "notes.jpg"
    text.write_text("this is not a photo")
    report = build_orthomosaic([*good, truncated, text], tmp_path / "out", options=FAST)
    dropped = {d.name: d.reason for d in report.photos_dropped}
    assert set(dropped) == {"truncated.jpg", "notes.jpg"}
    assert "not a readable image" in dropped["notes.jpg"]
    assert "truncated" in dropped["truncated.jpg"]
    assert len(report.photos_used) == 5
    assert (tmp_path / "out" / "orthophoto.tif").stat().st_size > 10000


def test_failure_leaves_existing_outputs_untouched(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "orthophoto.tif").write_bytes(b"earlier mosaic")
    (out / "report.json").write_text('{"earlier": true}')
    text = tmp_path / "a.jpg"
    text.write_text("not a photo")
    one_good = _photos(shared_data, range(9362, 9363))
    with pytest.raises(MosaicError, match="only 1 of 2 photos can be placed"):
        build_orthomosaic([*one_good, text], out, options=FAST)
    assert (out / "orthophoto.tif").read_bytes() == b"earlier mosaic"
    assert (out / "report.json").read_text() == '{"earlier": true}'
    assert sorted(p.name for p in out.iterdir()) == ["orthophoto.tif", "report.json"]


def test_photos_that_do_not_overlap_are_dropped(shared_data: Path, tmp_path: Path) -> None:
    """Two far-apart photos of another site (Seneca) cannot join a Caliterra block."""
    caliterra = _photos(shared_data, range(9362, 9367))
    seneca = sorted((shared_data / "drone" / "seneca-half").glob("*.jpg"))[:1]
    report = build_orthomosaic([*caliterra, *seneca], tmp_path / "out2", options=FAST)
    dropped = {d.name: d.reason for d in report.photos_dropped}
    assert seneca[0].name in dropped and "matched" in dropped[seneca[0].name]
    assert len(report.photos_used) == 5
