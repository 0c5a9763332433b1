"""Ground control point lists (gcp_list.txt): parsing, upload sniffing, and every error naming its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from processing.core.errors import ImageryError
from processing.core.gcp import looks_like_gcp_list, parse_gcp_list
from processing.core.validate import validate_upload

GOOD = """EPSG:27700
# marks painted on the sea wall, surveyed with RTK
185012.31 730440.12 4.21 1021.5 733.0 IMG_0001.JPG gcp1
185012.31 730440.12 4.21 410.0 698.25 IMG_0002.JPG gcp1

185060.02 730401.77 3.98 1600 1200 IMG_0002.JPG gcp2
"""


def test_a_good_list_is_read_with_its_crs_marks_and_sightings() -> None:
    gcps = parse_gcp_list(GOOD)
    assert gcps.crs == "EPSG:27700" and gcps.marks == 2 and len(gcps.sightings) == 3
    first = gcps.sightings[0]
    assert (first.easting, first.northing, first.elevation, first.x, first.y, first.photo, first.label, first.line) \
        == (185012.31, 730440.12, 4.21, 1021.5, 733.0, "IMG_0001.JPG", "gcp1", 3)
    options = gcps.to_options()
    assert options["gcp_crs"] == "EPSG:27700"
    assert options["gcps"][2] == {"photo": "IMG_0002.JPG", "x": 1600.0, "y": 1200.0, "easting": 185060.02,
                                  "northing": 730401.77}


@pytest.mark.parametrize(("header", "crs"), [
    ("WGS84 UTM 30N", "EPSG:32630"),
    ("wgs84 utm 14n", "EPSG:32614"),
    ("WGS84 UTM 56S", "EPSG:32756"),
    ("+proj=utm +zone=30 +datum=WGS84 +units=m +no_defs", "EPSG:32630"),
    ("EPSG:4326", "EPSG:4326"),
])
def test_the_header_forms_contractors_use(header: str, crs: str) -> None:
    row = "-5.47 56.41 10 100 100 a.jpg" if crs == "EPSG:4326" else "400000 6200000 10 100 100 a.jpg"
    assert parse_gcp_list(f"{header}\n{row}\n").crs == crs


@pytest.mark.parametrize(("text", "message"), [
    ("", "the file is empty"),
    ("EPSG:27700\n", "no ground control points"),
    ("not a crs\n1 2 3 4 5 a.jpg\n", "line 1: the first line must name the coordinate system"),
    ("WGS84 UTM 61N\n1 2 3 4 5 a.jpg\n", "line 1: UTM zone 61 does not exist"),
    ("EPSG:27700\n1 2 3 4 5\n", "line 2: expected 'geo_x geo_y geo_z im_x im_y image_name', got 5 field(s)"),
    ("EPSG:27700\n1 2 3 4 5 a.jpg\n1 two 3 4 5 a.jpg\n", "line 3: geo_y is not a number: 'two'"),
    ("EPSG:27700\n1 2 3 nan 5 a.jpg\n", "line 2: im_x is not a finite number"),
    ("EPSG:27700\n1 2 3 -4 5 a.jpg\n", "line 2: the pixel (-4, 5) is outside the photo"),
    ("EPSG:4326\n185012 730440 3 4 5 a.jpg\n", "line 2: (185012, 730440) is not a longitude, latitude"),
    ("EPSG:27700\n1 2 3 4 5 a.jpg m1\n\n1 2 3 9 9 a.jpg m1\n", "line 4: mark m1 is already placed in a.jpg on line 2"),
])
def test_bad_lists_are_refused_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(ImageryError) as caught:
        parse_gcp_list(text, name="gcps.txt")
    assert str(caught.value).startswith("gcps.txt") and message in str(caught.value)


def test_sniffing_tells_a_gcp_list_from_other_text() -> None:
    assert looks_like_gcp_list(GOOD)
    assert not looks_like_gcp_list("shopping list\neggs\n")
    assert not looks_like_gcp_list("EPSG:27700\n")
    assert not looks_like_gcp_list("EPSG:27700\nx y z a b c\n")


def test_an_uploaded_gcp_list_is_ground_control(tmp_path: Path) -> None:
    path = tmp_path / "upload.bin"
    path.write_text(GOOD)
    info = validate_upload(path, declared_name="gcp_list.txt")
    assert info.kind == "ground_control" and info.format == "gcp"
    assert info.ground_control == {"crs": "EPSG:27700", "marks": 2, "sightings": 3,
                                   "photos": ["IMG_0001.JPG", "IMG_0002.JPG"]}


def test_a_broken_gcp_list_is_refused_at_upload_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "upload.bin"
    path.write_text(GOOD + "185060.02 730401.77 3.98 1600 oops IMG_0003.JPG gcp3\n")
    with pytest.raises(ImageryError, match=r"gcp_list.txt line 7: im_y is not a number: 'oops'"):
        validate_upload(path, declared_name="gcp_list.txt")


def test_other_text_files_are_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "upload.bin"
    path.write_text("minutes of the site meeting\n")
    with pytest.raises(ImageryError, match="unsupported file type: a text file"):
        validate_upload(path, declared_name="notes.txt")
