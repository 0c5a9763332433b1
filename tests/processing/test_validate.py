"""Upload checks against hostile and broken files made in tmp_path; nothing is touched when a file is refused."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from processing.core.errors import ImageryError
from processing.core.validate import (
    UploadLimits,
    safe_extract_zip,
    safe_zip_members,
    validate_upload,
)


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _refused(path: Path, match: str, **kwargs) -> None:
    before = _snapshot(path.parent)
    with pytest.raises(ImageryError, match=match):
        validate_upload(path, **kwargs)
    assert _snapshot(path.parent) == before  # nothing written, moved or removed


def _small_jpeg(width: int = 64, height: int = 48) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(buf, "JPEG")
    return buf.getvalue()


def test_real_photo_is_accepted(shared_data: Path) -> None:
    info = validate_upload(shared_data / "drone/caliterra-half/IMG_9360.jpg")
    assert info.kind == "photo" and info.has_location
    thermal = validate_upload(shared_data / "thermal/h20t/DJI_20220602143532_0191_T.JPG", kind_hint="photo")
    assert thermal.kind == "thermal_photo"  # a thermal photo satisfies a "photo" hint


def test_truncated_jpeg(shared_data: Path, tmp_path: Path) -> None:
    data = (shared_data / "drone/caliterra-half/IMG_9354.jpg").read_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    _refused(path, "truncated")


def test_text_file_named_jpg(tmp_path: Path) -> None:
    path = tmp_path / "IMG_0001.jpg"
    path.write_text("Dear council, the photos are attached.\n")
    _refused(path, r"name says JPEG \(\.jpg\) but the content is a text file")


def test_declared_name_is_checked_against_content(shared_data: Path, tmp_path: Path) -> None:
    tmp = tmp_path / "upload-0001.part"
    tmp.write_bytes((shared_data / "drone/caliterra-half/IMG_9354.jpg").read_bytes())
    assert validate_upload(tmp, declared_name="IMG_9354.JPG").file == "IMG_9354.JPG"
    _refused(tmp, "name says PNG", declared_name="IMG_9354.png")


def test_bomb_png_refused_from_its_header(tmp_path: Path) -> None:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 4096)) + chunk(
        b"IEND", b""
    )
    path = tmp_path / "bomb.png"
    path.write_bytes(png)
    _refused(path, "100000 x 100000 .* decompression bomb")


def test_bomb_jpeg_refused_and_limit_configurable(tmp_path: Path) -> None:
    data = bytearray(_small_jpeg())
    sof = data.find(b"\xff\xc0")  # Pillow writes no EXIF thumbnail: the only SOF is the image's
    data[sof + 5 : sof + 9] = struct.pack(">HH", 60_000, 60_000)
    path = tmp_path / "bomb.jpg"
    path.write_bytes(bytes(data))
    _refused(path, "60000 x 60000 = 3,600,000,000 pixels")
    ok = tmp_path / "ok.jpg"
    ok.write_bytes(_small_jpeg(64, 48))
    assert validate_upload(ok).width == 64
    _refused(ok, "over the limit of 1,000", max_pixels=1000)
    _refused(ok, "over the limit of 1,000", limits=UploadLimits(max_pixels=1000))


def test_photo_without_gps_is_valid_and_marked(tmp_path: Path) -> None:
    path = tmp_path / "ground.jpg"
    path.write_bytes(_small_jpeg())
    info = validate_upload(path)
    assert info.kind == "photo" and info.lat is None and info.lon is None
    assert info.to_json()["no_location"] is True
    assert any("no location" in w for w in info.warnings)


def test_corrupt_geotiff(shared_data: Path, tmp_path: Path) -> None:
    data = (shared_data / "orthophotos/pix4d-bali.tif").read_bytes()
    cut = tmp_path / "ortho.tif"
    cut.write_bytes(data[: len(data) // 3])
    _refused(cut, "corrupt or cut short")
    garbage = tmp_path / "garbage.tif"
    garbage.write_bytes(b"II*\x00" + b"\x13" * 5000)
    _refused(garbage, "not a readable GeoTIFF")
    assert validate_upload(shared_data / "orthophotos/pix4d-bali.tif", kind_hint="orthophoto").kind == "orthophoto"


def test_unsupported_and_empty(tmp_path: Path) -> None:
    blob = tmp_path / "firmware.bin"
    blob.write_bytes(bytes(range(256)) * 4)
    _refused(blob, "unsupported file type")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    _refused(empty, "empty")


def test_kind_hint_mismatch(shared_data: Path) -> None:
    with pytest.raises(ImageryError, match="declared as video but the content is photo"):
        validate_upload(shared_data / "drone/caliterra-half/IMG_9354.jpg", kind_hint="video")


@pytest.mark.parametrize("member,why", [("../../etc/cron.d/x", r"'\.\.' path"), ("/etc/passwd", "absolute path"),
                                        ("C:\\Windows\\x.dll", "absolute path"), ("a\\..\\..\\x", r"'\.\.' path")])
def test_zip_slip_refused(tmp_path: Path, member: str, why: str) -> None:
    path = tmp_path / "delivery.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("photos/IMG_1.jpg", b"x")
        zf.writestr(member, b"evil")
    _refused(path, why)
    dest = tmp_path / "out"
    with pytest.raises(ImageryError):
        safe_extract_zip(path, dest)
    assert not dest.exists()


def test_zip_bomb_ratio_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.bin", b"\x00" * 5_000_000)
    with pytest.raises(ImageryError, match="zip bomb"):
        safe_zip_members(path)


def test_safe_zip_extracts(tmp_path: Path) -> None:
    path = tmp_path / "delivery.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("photos/IMG_1.jpg", _small_jpeg())
        zf.writestr("log.csv", b"latitude,longitude\n56.4,-5.4\n")
    info = validate_upload(path)
    assert info.format == "zip" and info.archive["entries"] == 2
    written = safe_extract_zip(path, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in written) == ["log.csv", "photos/IMG_1.jpg"]
    assert validate_upload(tmp_path / "out/photos/IMG_1.jpg").kind == "photo"
    assert validate_upload(tmp_path / "out/log.csv").kind == "flight_log"


def test_truncated_las(tmp_path: Path) -> None:
    header = bytearray(227)
    header[0:4] = b"LASF"
    header[24], header[25] = 1, 2
    struct.pack_into("<H", header, 94, 227)
    struct.pack_into("<I", header, 96, 227)
    header[104] = 0
    struct.pack_into("<H", header, 105, 20)
    struct.pack_into("<I", header, 107, 1000)
    path = tmp_path / "cloud.las"
    path.write_bytes(bytes(header) + b"\x00" * 20 * 10)
    _refused(path, "1,000 points of 20 bytes do not fit")
    path.write_bytes(bytes(header) + b"\x00" * 20 * 1000)
    info = validate_upload(path)
    assert info.kind == "point_cloud" and info.point_cloud["point_count"] == 1000
