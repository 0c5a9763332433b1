"""The fuzz targets: one per reader of outside input, each with the errors the reader may raise and its seeds.

A target takes raw bytes (what a contractor, a data provider or a council officer could hand the system) and
drives the reader exactly as its caller does. It returns when the reader accepted the input or refused it with
its own error (the one its caller turns into a message); anything else escaping `run` is a crash. The targets
import no fuzzing library, so `tests/security/test_fuzz_regressions.py` replays kept inputs through them in CI.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
SHARED = Path(os.environ.get("SHARED_DATA_DIR", str(ROOT.parent / "shared" / "data")))
DATA_DATE = date(2026, 6, 11)


@dataclass(frozen=True)
class Target:
    name: str
    reader: str  # the functions driven, for the record
    run: Callable[[bytes], None]
    seeds: Callable[[], list[bytes]]
    tokens: tuple[bytes, ...] = ()  # a libFuzzer dictionary: words of the format


def _scratch(name: str) -> Path:
    """One reusable file per target for readers that take a path (in memory where /dev/shm exists)."""
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    folder = base / f"skysurvey-fuzz-{os.getpid()}"
    folder.mkdir(exist_ok=True)
    return folder / name


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")  # as every text importer reads its file


# ---- YAIXM airspace (policy zone importer) ------------------------------------------------------------------------
def run_yaixm(data: bytes) -> None:
    import yaml

    from policy.core.importers.yaixm import (
        AirspaceError,
        load_yaixm,
        release_date,
        zones_from_yaixm,
    )

    try:  # as policy/management/commands/import_airspace.py
        doc = load_yaixm(_text(data))
        release_date(doc)
        list(zones_from_yaixm(doc, data_date=DATA_DATE))
    except (AirspaceError, yaml.YAMLError):
        pass


def seeds_yaixm() -> list[bytes]:
    import yaml

    out: list[bytes] = []
    path = SHARED / "airspace" / "airspace.yaml"
    if path.is_file():
        features = yaml.safe_load(path.read_text())["airspace"]

        def shapes(f: dict[str, Any]) -> set[str]:
            return {next(iter(s)) for v in f.get("geometry", []) for s in v.get("boundary", [])}

        picks = [next(f for f in features if "arc" in shapes(f)),
                 next(f for f in features if "circle" in shapes(f)),
                 next(f for f in features if f.get("localtype") == "NOATZ"),
                 next(f for f in features if f.get("type") == "D"),
                 next(f for f in features if f.get("type") == "R")]
        for f in picks:
            out.append(yaml.safe_dump({"airspace": [f]}, sort_keys=False).encode())
        out.append(yaml.safe_dump({"release": {"airac_date": "2026-06-11T00:00:00Z"}, "airspace": picks[:2]},
                                  sort_keys=False).encode())
    rat = SHARED / "airspace" / "rat.yaml"
    if rat.is_file():
        out.append(rat.read_bytes())
    out.append(b"airspace:\n- name: TEST ATZ\n  type: ATZ\n  geometry:\n  - upper: 2000 ft\n    lower: SFC\n"
               b"    boundary:\n    - circle: {centre: 562749N 0052400W, radius: 2 nm}\n")
    return out


# ---- KML: the booking area file and the zone importer ---------------------------------------------------------
_KML_POLYGON = (b'<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
                b"<Placemark><name>Site</name><Polygon><outerBoundaryIs><LinearRing><coordinates>"
                b"-5.472,56.412,0 -5.468,56.412,0 -5.468,56.415,0 -5.472,56.415,0 -5.472,56.412,0"
                b"</coordinates></LinearRing></outerBoundaryIs><innerBoundaryIs><LinearRing><coordinates>"
                b"-5.471,56.413 -5.470,56.413 -5.470,56.414 -5.471,56.413"
                b"</coordinates></LinearRing></innerBoundaryIs></Polygon></Placemark></Document></kml>\n")
_KML_LAYER = (b'<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
              b'<Placemark id="uas-1"><name>EGPF FRZ</name><description><![CDATA[<b>RPZ</b> 0-400 ft]]>'
              b'</description><ExtendedData><Data name="lower_m"><value>0</value></Data>'
              b'<Data name="upper_m"><value>120</value></Data><SchemaData><SimpleData name="kind">frz</SimpleData>'
              b"</SchemaData></ExtendedData><MultiGeometry><Polygon><outerBoundaryIs><LinearRing><coordinates>"
              b"-4.45,55.86 -4.40,55.86 -4.40,55.89 -4.45,55.86</coordinates></LinearRing></outerBoundaryIs>"
              b"</Polygon><LineString><coordinates>-4.4,55.8 -4.3,55.9</coordinates></LineString>"
              b"<Point><coordinates>-4.43,55.87,10</coordinates></Point></MultiGeometry></Placemark>"
              b"<Placemark><name>Point only</name><Point><coordinates>-4.1,55.1</coordinates></Point></Placemark>"
              b"</Document></kml>\n")
_KML_TOKENS = (b"<kml", b"</kml>", b"<Placemark>", b"</Placemark>", b"<Polygon>", b"</Polygon>",
               b"<outerBoundaryIs>", b"<innerBoundaryIs>", b"<LinearRing>", b"<coordinates>", b"</coordinates>",
               b"<LineString>", b"<Point>", b"<MultiGeometry>", b"<name>", b"<description>", b"<Data name=",
               b"<value>", b"<SimpleData name=", b"<![CDATA[", b"]]>", b"<!DOCTYPE", b"<!ENTITY", b"&#x", b"xmlns=",
               b'encoding="UTF-16"', b"PK\x03\x04", b"doc.kml", b",", b" ", b"-", b"e308", b"nan", b"inf")


def _kmz(kml: bytes, name: str = "doc.kml") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, kml)
    return buf.getvalue()


def run_kml_booking(data: bytes) -> None:
    from booking.geometry import GeometryError, parse_kml

    try:  # noqa: SIM105 - as booking/serializers.py and booking/forms.py (area_file)
        parse_kml(data)
    except GeometryError:
        pass


def run_kml_zones(data: bytes) -> None:
    from policy.core.importers.layers import LayerError, zones_from_kml

    try:  # noqa: SIM105 - as policy/management/commands/import_zones.py
        list(zones_from_kml(data, kind="danger"))
    except LayerError:
        pass


def seeds_kml() -> list[bytes]:
    return [_KML_POLYGON, _KML_LAYER, _kmz(_KML_LAYER), _KML_POLYGON.decode().replace("UTF-8", "UTF-16")
            .encode("utf-16")]


# ---- GeoJSON: the booking area and the zone importer's layers ---------------------------------------------------
def run_geojson_area(data: bytes) -> None:
    from booking.geometry import GeometryError, parse_area

    try:  # noqa: SIM105 - as booking/serializers.py: the area field or an uploaded GeoJSON file
        parse_area(data)
    except GeometryError:
        pass


def run_geojson_zones(data: bytes) -> None:
    from policy.core.importers.layers import LayerError, zones_from_geojson

    try:  # noqa: SIM105 - as policy/management/commands/import_zones.py
        list(zones_from_geojson(_text(data), kind="nature"))
    except LayerError:
        pass


def seeds_geojson() -> list[bytes]:
    ring = [[-5.472, 56.412], [-5.468, 56.412], [-5.468, 56.415], [-5.472, 56.415], [-5.472, 56.412]]
    hole = [[-5.471, 56.413], [-5.470, 56.413], [-5.470, 56.414], [-5.471, 56.413]]
    poly = {"type": "Polygon", "coordinates": [ring, hole]}
    out = [json.dumps(poly).encode(),
           json.dumps({"type": "Feature", "properties": {"name": "Site"}, "geometry": poly}).encode(),
           json.dumps({"type": "FeatureCollection", "features": [
               {"type": "Feature", "id": 7, "properties": {"NAME": "SSSI", "lower_m": "0", "upper_m": 120},
                "geometry": {"type": "MultiPolygon", "coordinates": [[ring]]}}]}).encode(),
           json.dumps({"type": "GeometryCollection", "geometries": [poly, {"type": "Point",
                                                                          "coordinates": [-5.4, 56.4]}]}).encode()]
    boundary = SHARED / "boundaries" / "argyll-and-bute.geojson"
    if boundary.is_file():  # the real council boundary, simplified to a seed of a few kB
        from shapely.geometry import mapping, shape

        doc = json.loads(boundary.read_text())
        feature = doc["features"][0] if doc.get("type") == "FeatureCollection" else doc
        simple = shape(feature["geometry"]).simplify(0.02)
        out.append(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": feature.get("properties") or {}, "geometry": mapping(simple)}]}).encode())
    return out


_JSON_TOKENS = (b'"type"', b'"Polygon"', b'"MultiPolygon"', b'"Feature"', b'"FeatureCollection"',
                b'"GeometryCollection"', b'"geometries"', b'"coordinates"', b'"features"', b'"geometry"',
                b'"properties"', b'"name"', b'"id"', b"null", b"true", b"false", b"[]", b"{}", b"1e400", b"-0",
                b"NaN", b"Infinity", b'"images"', b'"annotations"', b'"categories"', b'"image_id"',
                b'"category_id"', b'"bbox"', b'"segmentation"', b'"attributes"', b'"file_name"', b'"photo"',
                b'"pixel_geometry"', b'"Point"', b'"LineString"')


# ---- EXIF / DJI XMP of photos ------------------------------------------------------------------------------------
def run_exif_xmp(data: bytes) -> None:
    from processing.core.errors import ImageryError
    from processing.core.metadata import read_imagery_info, sniff_format
    from processing.core.xmp import JpegStructureError, dji_fields, find_xmp, parse_xmp, walk_jpeg

    dji_fields(parse_xmp(find_xmp(data)))
    try:
        layout = walk_jpeg(data)
        dji_fields(parse_xmp(layout.xmp))
    except JpegStructureError:
        pass
    if sniff_format(data[:64], "photo.jpg") not in ("jpeg", "png", "webp"):
        return  # the other formats have their own targets
    path = _scratch("photo.jpg")
    path.write_bytes(data)
    try:  # as the upload check and the asset metadata reader
        info = read_imagery_info(path)
        json.dumps(info.to_json(), default=str)
    except ImageryError:
        pass


def _jpeg_headers(path: Path, keep_scan: int = 64) -> bytes:
    """The marker segments of a real JPEG up to its scan (thermal APP3 payloads dropped), a few scan bytes, EOI:
    the EXIF and XMP as the camera wrote them, in a seed small enough to mutate quickly."""
    raw = path.read_bytes()
    out, pos = bytearray(raw[:2]), 2
    while pos + 4 <= len(raw) and raw[pos] == 0xFF:
        marker, length = raw[pos + 1], int.from_bytes(raw[pos + 2:pos + 4], "big")
        if marker == 0xDA:
            out += raw[pos:pos + 2 + length + keep_scan] + b"\xff\xd9"
            break
        if marker != 0xE3:
            out += raw[pos:pos + 2 + length]
        pos += 2 + length
    return bytes(out)


def seeds_exif_xmp() -> list[bytes]:
    out = []
    for folder in ("thermal/h20t", "drone/caliterra-half", "drone/seneca-half"):
        files = sorted((SHARED / folder).glob("*.[jJ][pP][gG]"))[:2]
        out += [_jpeg_headers(p) for p in files]
    png = SHARED / "cracks" / "crackforest-masks" / "001.png"
    if png.is_file():
        out.append(png.read_bytes()[:4096])
    return out


_EXIF_TOKENS = (b"\xff\xd8\xff", b"\xff\xe1", b"\xff\xc0", b"\xff\xda", b"\xff\xd9", b"Exif\x00\x00", b"II*\x00",
                b"MM\x00*", b"http://ns.adobe.com/xap/1.0/\x00", b"<x:xmpmeta", b"</x:xmpmeta>",
                b'drone-dji:RelativeAltitude="', b'drone-dji:GimbalPitchDegree="', b'drone-dji:GimbalYawDegree="',
                b'drone-dji:FlightYawDegree="', b'drone-dji:GpsLatitude="', b'drone-dji:GpsLongitude="',
                b'drone-dji:ImageSource="InfraredCamera"', b'xmp:CreateDate="', b"inf", b"-inf", b"1e308", b"nan")


# ---- DJI SRT telemetry -------------------------------------------------------------------------------------------
def run_srt(data: bytes) -> None:
    from processing.core.errors import ImageryError
    from processing.core.metadata import read_imagery_info
    from processing.core.video import parse_dji_srt, track_to_geojson

    text = _text(data)
    track_to_geojson(parse_dji_srt(text))  # lenient: it raises nothing
    path = _scratch("DJI_0001.SRT")
    path.write_bytes(data)
    try:  # noqa: SIM105 - as an uploaded .SRT file (the same reader as a video's sibling telemetry)
        json.dumps(read_imagery_info(path).to_json(), default=str)
    except ImageryError:
        pass


def seeds_srt() -> list[bytes]:
    mini3 = "".join(
        f"{n}\n00:00:0{n - 1},000 --> 00:00:0{n},000\n<font size=\"28\">FrameCnt: {n}, DiffTime: 33ms\n"
        f"2026-06-15 10:1{n}:0{n}.123\n[iso: 100] [shutter: 1/500.0] [fnum: 1.7] [ev: 0] "
        f"[latitude: 56.41{n}] [longitude: -5.47{n}] [rel_alt: 45.{n} abs_alt: 80.1] </font>\n\n"
        for n in range(1, 4))
    phantom = ("1\n00:00:00,000 --> 00:00:01,000\nHOME(-5.4700,56.4100) 2026.06.15 10:11:12\n"
               "GPS(-5.4712,56.4123,18) BAROMETER:64.3\nISO:100 Shutter:60 EV:0 Fnumber:2.8\n\n"
               "2\n00:00:01,000 --> 00:00:02,000\nGPS (-5.4713, 56.4124, 19) D 12.0m, H 6.00m\n\n")
    return [mini3.encode(), ("\ufeff" + mini3.replace("\n", "\r\n")).encode(), phantom.encode()]


_SRT_TOKENS = (b" --> ", b"00:00:01,000", b"[latitude: ", b"[longitude: ", b"rel_alt: ", b"abs_alt: ", b"GPS(",
               b"BAROMETER:", b" H ", b"m", b"2026-06-15 10:11:12.5", b"\r\n\r\n", b"\n\n", b"<font>", b"</font>")


# ---- GCP list ----------------------------------------------------------------------------------------------------
def run_gcp(data: bytes) -> None:
    from processing.core.errors import ImageryError
    from processing.core.gcp import looks_like_gcp_list, parse_gcp_list

    text = _text(data)
    looks_like_gcp_list(text)
    try:  # noqa: SIM105 - as the upload reader and process_imagery --gcp
        parse_gcp_list(text).to_options()
    except ImageryError:
        pass


def seeds_gcp() -> list[bytes]:
    return [b"EPSG:27700\n# marks\n212345.1 734567.2 12.3 1024.5 768.0 DJI_0001.JPG gcp1\n"
            b"212345.1 734567.2 12.3 2000 1500 DJI_0002.JPG gcp1\n212400.0 734600.0 11.9 300 400 DJI_0002.JPG gcp2\n",
            b"WGS84 UTM 30N\n500000 6250000 40 10 20 IMG_1.jpg\n",
            b"+proj=longlat +datum=WGS84 +no_defs\n-5.47\t56.41\t30\t100\t200\tIMG_2.jpg\tA extra\n"]


_GCP_TOKENS = (b"EPSG:", b"27700", b"4326", b"+proj=", b"WGS84 UTM ", b"N\n", b"S\n", b"\t", b"nan", b"inf", b"#")


# ---- COCO (and GeoJSON) annotation import ----------------------------------------------------------------------
def run_coco(data: bytes) -> None:
    from inspection.core.errors import InspectionError
    from inspection.core.formats import detect, parse_coco, parse_geojson
    from inspection.core.geometry import check_map_geometry, check_pixel_geometry

    try:  # as inspection/management/commands/import_annotations.py: JSON errors are the command's
        document = json.loads(data.decode())
    except (UnicodeDecodeError, ValueError, RecursionError):
        return
    try:  # as inspection.services.annotations_import, up to the database
        drafts = parse_geojson(document) if detect(document) == "geojson" else parse_coco(document)
        for d in drafts:
            if d.photo is not None:
                check_pixel_geometry(d.pixel_geometry, width=4000, height=3000)
            else:
                check_map_geometry(d.geometry)
    except InspectionError:
        pass


def seeds_coco() -> list[bytes]:
    from inspection.core.formats import to_coco, to_geojson

    box = {"type": "Polygon", "coordinates": [[[10, 10], [200, 10], [200, 90], [10, 90], [10, 10]]]}
    line = {"type": "LineString", "coordinates": [[5, 5], [50, 60], [70, 20]]}
    records = [{"id": 1, "kind": "photo", "photo": "DJI_0001.JPG", "pixel_geometry": box, "category": "crack",
                "severity": 3, "extent": "local", "note": "north face"},
               {"id": 2, "kind": "photo", "photo": "DJI_0002.JPG", "pixel_geometry": line, "category": "spall",
                "severity": 1, "extent": None, "note": ""},
               {"id": 3, "kind": "map", "photo": None, "geometry": {"type": "Point", "coordinates": [-5.47, 56.41]},
                "category": "crack", "severity": 2, "extent": None, "note": "", "lat": 56.41, "lon": -5.47}]
    photos = [{"file_name": "DJI_0001.JPG", "width": 4000, "height": 3000},
              {"file_name": "DJI_0002.JPG", "width": 4000, "height": 3000}]
    coco = to_coco(records, photos, ["crack", "spall"])
    bare = json.loads(json.dumps(coco))
    for ann in bare["annotations"]:  # as other tools write it: no attributes, segmentation or bbox only
        ann.pop("attributes")
    bare["annotations"][1]["segmentation"] = []
    return [json.dumps(coco).encode(), json.dumps(bare).encode(), json.dumps(to_geojson(records)).encode()]


# ---- GeoTIFF header validation -----------------------------------------------------------------------------------
# Small caps so a fuzzed header declaring a huge raster is refused before its blocks are read, as in production.
_FUZZ_LIMITS = {"max_pixels": 4_000_000, "max_raster_pixels": 4_000_000, "max_image_bytes": 64 * 1024**2}


def run_geotiff(data: bytes) -> None:
    from processing.core.errors import ImageryError
    from processing.core.metadata import sniff_format
    from processing.core.validate import validate_upload

    if sniff_format(data[:64], "ortho.tif") != "tiff":
        return  # validate_upload hands other formats to their readers
    path = _scratch("ortho.tif")
    path.write_bytes(data)
    try:  # noqa: SIM105 - as the upload check of an orthophoto or elevation model
        validate_upload(path, declared_name="ortho.tif", **_FUZZ_LIMITS)
    except ImageryError:
        pass


def seeds_geotiff() -> list[bytes]:
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    out = []
    folder = Path(tempfile.mkdtemp(prefix="fuzz-seeds-"))
    try:
        rng = np.random.default_rng(15)
        profiles = [
            {"count": 3, "dtype": "uint8", "tiled": True, "blockxsize": 16, "blockysize": 16, "compress": "deflate"},
            {"count": 1, "dtype": "float32", "compress": "lzw", "nodata": -9999.0},
            {"count": 4, "dtype": "uint8", "photometric": "RGB", "interleave": "band"},
            {"count": 1, "dtype": "uint16"},  # no CRS: a radiometric still
        ]
        for i, extra in enumerate(profiles):
            path = folder / f"seed{i}.tif"
            crs = None if i == 3 else "EPSG:27700"
            with rasterio.open(path, "w", driver="GTiff", width=32, height=32, crs=crs,
                               transform=from_origin(212000, 734000, 0.05, 0.05), **extra) as ds:
                ds.write((rng.random((extra["count"], 32, 32)) * 200).astype(extra["dtype"]))
            out.append(path.read_bytes())
        bali = SHARED / "orthophotos" / "pix4d-bali.tif"
        if bali.is_file():  # a real orthophoto's tags (EPSG:32750, alpha), cut to 32 x 32
            with rasterio.open(bali) as src:
                profile = src.profile | {"width": 32, "height": 32, "transform": src.window_transform(
                    Window(300, 300, 32, 32)), "blockxsize": 16, "blockysize": 16, "tiled": True}
                pixels = src.read(window=Window(300, 300, 32, 32))
            path = folder / "bali.tif"
            with rasterio.open(path, "w", **profile) as ds:
                ds.write(pixels)
            out.append(path.read_bytes())
    finally:
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()
    return out


_TIFF_TOKENS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"\x00\x01", b"\x01\x01", b"\x02\x01", b"\x03\x01",
                b"\x15\x01", b"\x42\x01", b"\x43\x01", b"\x44\x01", b"\x45\x01", b"\x11\x01", b"\x17\x01",
                b"\xaf\x87", b"\xd8\x85", b"\x0e\x83", b"\x82\x84", b"\xff\xff\xff\x7f", b"\x00\x00\x01\x00")


TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("yaixm", "policy.core.importers.yaixm load_yaixm, release_date, zones_from_yaixm", run_yaixm, seeds_yaixm,
           (b"airspace:", b"rat:", b"release:", b"airac_date:", b"- name:", b"type: ATZ", b"localtype: NOATZ",
            b"geometry:", b"boundary:", b"- line:", b"- arc:", b"- circle:", b"centre:", b"radius:", b"to:",
            b"dir: ccw", b"upper:", b"lower:", b"SFC", b"FL", b" ft", b" nm", b"562749N 0052400W", b"&a", b"*a",
            b"!!binary", b"{", b"}", b"[", b"]", b"(3-5 JUL)", b"(31 FEB)")),
    Target("kml_booking", "booking.geometry.parse_kml", run_kml_booking, seeds_kml, _KML_TOKENS),
    Target("kml_zones", "policy.core.importers.layers.zones_from_kml (KML and KMZ)", run_kml_zones, seeds_kml,
           _KML_TOKENS),
    Target("geojson_area", "booking.geometry.parse_area", run_geojson_area, seeds_geojson, _JSON_TOKENS),
    Target("geojson_zones", "policy.core.importers.layers.zones_from_geojson", run_geojson_zones, seeds_geojson,
           _JSON_TOKENS),
    Target("exif_xmp", "processing.core.xmp walk_jpeg, parse_xmp, dji_fields; metadata.read_imagery_info (photos)",
           run_exif_xmp, seeds_exif_xmp, _EXIF_TOKENS),
    Target("srt", "processing.core.video.parse_dji_srt; metadata.read_imagery_info (.SRT)", run_srt, seeds_srt,
           _SRT_TOKENS),
    Target("gcp", "processing.core.gcp looks_like_gcp_list, parse_gcp_list", run_gcp, seeds_gcp, _GCP_TOKENS),
    Target("coco", "inspection.core.formats detect, parse_coco, parse_geojson; geometry checks", run_coco, seeds_coco,
           _JSON_TOKENS),
    Target("geotiff", "processing.core.validate.validate_upload (TIFF: header caps, geotiff.read_raster_facts)",
           run_geotiff, seeds_geotiff, _TIFF_TOKENS),
)}

# Modules whose Python code atheris instruments for coverage (their own parsing, not just our wrappers).
INSTRUMENTED = ("policy.core", "booking.geometry", "processing.core", "inspection.core", "yaml", "exifread",
                "defusedxml")
