"""Metadata from real photos (Caliterra, Seneca, DJI H20T thermal), GeoTIFFs and self-made videos."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
import rasterio
from affine import Affine

from processing.core.cameras import estimate_sensor
from processing.core.metadata import ImageryInfo, read_imagery_info, sniff_format
from processing.core.video import parse_dji_srt, track_to_geojson, write_poster_frame


def dms(d: float, m: float, s: float) -> float:
    return d + m / 60 + s / 3600


def test_caliterra_photo_position_time_and_camera(shared_data: Path) -> None:
    info = read_imagery_info(shared_data / "drone/caliterra-half/IMG_9354.jpg")
    # EXIF as written: 30 deg 10' 16.404" N, 98 deg 5' 23.97" W, 317.3 m, GPS 18:20:51 UTC, camera 13:20:51
    assert info.kind == "photo" and info.format == "jpeg"
    assert info.lat == pytest.approx(dms(30, 10, 4101 / 250), abs=1e-9)
    assert info.lon == pytest.approx(-dms(98, 5, 23.97), abs=1e-9)
    assert info.alt_m == pytest.approx(317.3)
    assert info.relative_alt_m is None and info.gimbal_pitch is None
    assert info.captured_at == datetime(2014, 10, 19, 18, 20, 51, tzinfo=UTC)
    assert info.time_source == "gps"
    assert info.captured_at_local == "2014-10-19T13:20:51"
    assert (info.make, info.model) == ("Canon", "Canon PowerShot SX260 HS")
    assert (info.width, info.height, info.focal_mm) == (2000, 1500, 4.5)
    assert info.sensor_source.startswith("camera_table")
    # no relative altitude and no height given: no footprint rather than a guess
    assert info.footprint is None


def test_caliterra_footprint_size_matches_hand_computation(shared_data: Path) -> None:
    from pyproj import Geod

    info = read_imagery_info(shared_data / "drone/caliterra-half/IMG_9354.jpg", above_ground_m=80.0)
    # 1/2.3" sensor 6.17 x 4.55 mm, f = 4.5 mm: ground = H * sensor / f ; GSD = H * (6.17 / 2000) / 4.5
    width, length = 80 * 6.17 / 4.5, 80 * 4.55 / 4.5
    assert info.footprint_info["width_m"] == pytest.approx(width, rel=1e-3)
    assert info.footprint_info["length_m"] == pytest.approx(length, rel=1e-3)
    assert info.footprint_info["gsd_cm"] == pytest.approx(80 * 6.17 / 2000 / 4.5 * 100, rel=1e-3)
    ring = info.footprint["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    area, _ = Geod(ellps="WGS84").polygon_area_perimeter([c[0] for c in ring], [c[1] for c in ring])
    assert abs(area) == pytest.approx(width * length, rel=5e-3)
    lons = [c[0] for c in ring[:4]]
    lats = [c[1] for c in ring[:4]]
    assert sum(lons) / 4 == pytest.approx(info.lon, abs=1e-6)  # nadir: centred on the camera
    assert sum(lats) / 4 == pytest.approx(info.lat, abs=1e-6)
    assert "no gimbal pitch: assumed nadir" in info.footprint_info["assumptions"]


def test_caliterra_all_photos_located_and_timed(shared_data: Path) -> None:
    infos = [read_imagery_info(p) for p in sorted((shared_data / "drone/caliterra-half").glob("*.jpg"))]
    assert len(infos) == 75
    assert all(i.has_location and i.time_source == "gps" for i in infos)
    lats = [i.lat for i in infos]
    assert max(lats) - min(lats) < 0.01  # one construction site: under a kilometre across


def test_seneca_has_naive_camera_time(shared_data: Path) -> None:
    info = read_imagery_info(shared_data / "drone/seneca-half/IMG_0446.jpg", ground_elevation_m=231.7)
    assert info.captured_at == datetime(2013, 6, 4, 13, 37, 29)
    assert info.captured_at.tzinfo is None and info.time_source == "exif_local"
    assert info.lat == pytest.approx(dms(41, 2, 30093 / 6250), abs=1e-9)
    assert info.lon == pytest.approx(-dms(83, 18, 36832 / 1787), abs=1e-9)
    # altitude 281.69 m minus the ground elevation the caller passes
    assert info.footprint_info["height_m"] == pytest.approx(281.692 - 231.7, abs=0.01)
    assert info.footprint_info["height_source"] == "altitude_minus_ground"


def test_h20t_thermal_xmp_angles_and_footprint(shared_data: Path) -> None:
    from pyproj import Geod

    info = read_imagery_info(shared_data / "thermal/h20t/DJI_20220602143532_0191_T.JPG")
    assert info.kind == "thermal_photo" and info.thermal and info.image_source == "InfraredCamera"
    assert info.relative_alt_m == pytest.approx(94.992)
    assert info.alt_m == pytest.approx(10099 / 40)
    assert (info.gimbal_pitch, info.gimbal_yaw, info.gimbal_roll) == (-90.0, 6.0, 0.0)
    assert (info.flight_pitch, info.flight_yaw, info.flight_roll) == (-2.5, 3.1, -3.1)
    assert info.lat == pytest.approx(dms(51, 21, 58.0677), abs=1e-9)
    assert info.captured_at == datetime(2022, 6, 2, 12, 35, 32, tzinfo=UTC)
    assert info.time_source == "xmp_offset"
    # thermal core 640 x 512 at 12 um = 7.68 x 6.144 mm, f 13.5 mm
    fp = info.footprint_info
    assert fp["height_source"] == "relative_altitude" and fp["assumptions"] == []
    assert fp["width_m"] == pytest.approx(94.992 * 7.68 / 13.5, rel=1e-3)
    assert fp["length_m"] == pytest.approx(94.992 * 6.144 / 13.5, rel=1e-3)
    ring = info.footprint["coordinates"][0]
    geod = Geod(ellps="WGS84")
    # the top edge (top-left -> top-right) runs at yaw + 90 degrees
    azimuth, _, top = geod.inv(ring[0][0], ring[0][1], ring[1][0], ring[1][1])
    assert azimuth == pytest.approx(96.0, abs=0.1)
    assert top == pytest.approx(fp["width_m"], rel=2e-3)


def test_h20t_all_frames(shared_data: Path) -> None:
    infos = [read_imagery_info(p) for p in sorted((shared_data / "thermal/h20t").glob("*.JPG"))]
    assert len(infos) == 16
    assert all(i.kind == "thermal_photo" and i.footprint is not None for i in infos)
    assert all(90 < i.relative_alt_m < 100 for i in infos)


def test_sensor_fallbacks() -> None:
    # Caliterra's EXIF: 2000 px at 500000/61 px per inch -> 6.198 mm wide
    by_plane = estimate_sensor(model="Unknown cam", image_width=2000, image_height=1500, focal_mm=4.5,
                               focal_35mm=None, focal_plane_x_res=500000 / 61, focal_plane_unit=2)
    assert by_plane.source == "focal_plane_resolution"
    assert by_plane.width_mm == pytest.approx(2000 / (500000 / 61) * 25.4)
    # H20T thermal: f 13.5, 35 mm equivalent 58 -> diagonal 43.27 * 13.5 / 58 = 10.07 mm
    by_35 = estimate_sensor(model="Unknown", image_width=640, image_height=512, focal_mm=13.5, focal_35mm=58,
                            focal_plane_x_res=None)
    assert by_35.source == "35mm_equivalent"
    assert (by_35.width_mm**2 + by_35.height_mm**2) ** 0.5 == pytest.approx(43.2666 * 13.5 / 58, rel=1e-4)
    wide = estimate_sensor(model="ZH20T", image_width=4056, image_height=3040, focal_mm=4.5, focal_35mm=None,
                           focal_plane_x_res=None)
    assert wide.source == "camera_table:DJI Zenmuse H20T wide"
    assert estimate_sensor(model="x", image_width=10, image_height=10, focal_mm=None, focal_35mm=None,
                           focal_plane_x_res=None) is None


def test_orthophoto_geotiff(shared_data: Path) -> None:
    info = read_imagery_info(shared_data / "orthophotos/pix4d-bali.tif")
    assert info.kind == "orthophoto"
    assert info.raster["crs"] == "EPSG:32750"
    assert info.raster["resolution"][0] == pytest.approx(0.35272, abs=1e-5)
    assert (info.width, info.height, info.raster["count"]) == (686, 758, 4)
    assert info.raster["has_alpha"]
    west, south, east, north = info.raster["bounds_wgs84"]
    assert 115.15 < west < east < 115.17 and -8.59 < south < north < -8.58
    assert info.footprint["type"] == "Polygon"


def test_elevation_geotiff(tmp_path: Path) -> None:
    path = tmp_path / "dsm.tif"
    data = np.linspace(10, 50, 64 * 48, dtype="float32").reshape(48, 64)
    with rasterio.open(path, "w", driver="GTiff", width=64, height=48, count=1, dtype="float32",
                       crs="EPSG:27700", transform=Affine(0.5, 0, 180000, 0, -0.5, 730000)) as ds:
        ds.write(data, 1)
    info = read_imagery_info(path)
    assert info.kind == "elevation"
    assert info.raster["crs"] == "EPSG:27700"
    assert info.raster["bounds"] == [180000.0, 729976.0, 180032.0, 730000.0]
    assert 56 < info.lat < 57 and -6 < info.lon < -5  # near Oban


SRT_MINI3 = """1
00:00:00,000 --> 00:00:00,033
<font size="28">FrameCnt: 1, DiffTime: 33ms
2024-05-14 12:03:11.123
[iso: 100] [shutter: 1/500.0] [fnum: 1.7] [ev: 0] [focal_len: 24.00] [latitude: 56.415210] [longitude: -5.472110] [rel_alt: 45.300 abs_alt: 80.120] </font>

2
00:00:01,000 --> 00:00:01,033
<font size="28">FrameCnt: 31, DiffTime: 33ms
2024-05-14 12:03:12.123
[iso: 100] [latitude: 56.415310] [longitude: -5.472010] [rel_alt: 61.200 abs_alt: 96.020] </font>

3
00:00:02,000 --> 00:00:02,033
[latitude: 0.000000] [longitude: 0.000000] [rel_alt: 0.0 abs_alt: 0.0]
"""

SRT_PHANTOM = """1
00:00:00,000 --> 00:00:01,000
HOME(-5.4712,56.4123) 2017.08.05 14:11:51
GPS(-5.4713,56.4124,19) BAROMETER:64.3
ISO:100 Shutter:60 EV:0 Fnum:F2.2
"""


def test_srt_formats() -> None:
    points = parse_dji_srt(SRT_MINI3)
    assert len(points) == 2  # the 0,0 cue (no fix) is dropped
    assert (points[0].lat, points[0].lon, points[0].rel_alt_m, points[0].abs_alt_m) == (56.41521, -5.47211, 45.3, 80.12)
    assert points[1].t_s == 1.0 and points[0].time == "2024-05-14 12:03:11.123"
    assert track_to_geojson(points)["type"] == "LineString"
    phantom = parse_dji_srt(SRT_PHANTOM)
    assert (phantom[0].lat, phantom[0].lon, phantom[0].rel_alt_m) == (56.4124, -5.4713, 64.3)


def _write_video(path: Path, frames: int = 25, fps: float = 10.0) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (160, 120))
    assert writer.isOpened()
    for i in range(frames):
        frame = np.zeros((120, 160, 3), np.uint8)
        frame[:, : 6 * i] = (0, 200, 255)
        writer.write(frame)
    writer.release()


def test_video_with_srt_and_poster(tmp_path: Path) -> None:
    video = tmp_path / "DJI_0001.MP4"
    _write_video(video)
    (tmp_path / "DJI_0001.SRT").write_text(SRT_MINI3)
    info = read_imagery_info(video)
    assert info.kind == "video" and info.format == "mp4"
    assert (info.width, info.height) == (160, 120)
    assert info.video["fps"] == pytest.approx(10.0)
    assert info.video["frame_count"] == 25 and info.video["duration_s"] == pytest.approx(2.5)
    assert len(info.track) == 2 and info.relative_alt_m == 61.2
    assert (info.lat, info.lon) == (56.41521, -5.47211)
    assert info.time_source == "srt_local" and info.captured_at == datetime(2024, 5, 14, 12, 3, 11, 123000)
    poster = write_poster_frame(video, tmp_path / "poster.jpg", at_seconds=2.0)
    image = cv2.imread(str(poster))
    assert image.shape == (120, 160, 3)
    assert image[60, 100, 2] > 150  # frame 20 is orange up to x=120: we got a late frame, not the first
    srt_info = read_imagery_info(tmp_path / "DJI_0001.SRT")
    assert srt_info.kind == "flight_log" and len(srt_info.track) == 2


@pytest.mark.parametrize(
    "head,name,expected",
    [
        (b"\xff\xd8\xff\xe1", "a.bin", "jpeg"),
        (b"\x00\x00\x00\x18ftypmp42", "clip.dat", "mp4"),
        (b"LASF" + b"\x00" * 300, "cloud.las", "las"),
        (b"ply\nformat ascii 1.0\n", "m.ply", "ply"),
        (b"PK\x03\x04", "x.zip", "zip"),
        (b"<?xml version='1.0'?><gpx version='1.1'>", "t.xml", "gpx"),
        (b"just some words", "photo.jpg", "text"),
        (b"\x00\x01\x02\xff\xfe\x00", "a.jpg", "binary"),
    ],
)
def test_sniff_format_reads_content(head: bytes, name: str, expected: str) -> None:
    assert sniff_format(head, name) == expected


def test_json_round_trip(shared_data: Path) -> None:
    info = read_imagery_info(shared_data / "thermal/h20t/DJI_20220602143532_0191_T.JPG")
    data = info.to_json()
    assert data["no_location"] is False and data["captured_at"] == "2022-06-02T14:35:32+02:00"
    again = ImageryInfo.from_json(data | {"unexpected": 1})
    assert again == info
