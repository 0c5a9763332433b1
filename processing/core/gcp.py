"""Ground control point lists: surveyed ground marks and where they appear in the photos.

The file format is the plain-text `gcp_list.txt` most UK drone contractors already export for OpenDroneMap and
similar tools (format described at docs.opendronemap.org/gcp): the first line names the coordinate system of the
ground positions, then one line per sighting of a mark in a photo, separated by spaces or tabs:

    EPSG:27700
    geo_x geo_y geo_z im_x im_y image_name [gcp_name] [anything else]

geo_x/geo_y are easting/northing (or longitude/latitude for a geographic CRS), im_x/im_y the pixel in the
full-resolution photo (x right, y down), image_name the photo's file name. The header may be an EPSG code, a PROJ
string or "WGS84 UTM 30N". Blank lines and lines starting with # are ignored. Pure code: no Django.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from pyproj import CRS

from .errors import ImageryError

_UTM_HEADER = re.compile(r"^WGS84 UTM (\d{1,2})([NS])$", re.IGNORECASE)


@dataclass(frozen=True)
class GcpSighting:
    easting: float  # or longitude, in the file's CRS
    northing: float  # or latitude
    elevation: float
    x: float  # pixel in the full-resolution photo
    y: float
    photo: str
    label: str  # the mark's name, or "line N" when the file gives none
    line: int


@dataclass(frozen=True)
class GcpList:
    crs: str  # as the pipeline's options take it: "EPSG:n" or the PROJ string
    sightings: tuple[GcpSighting, ...]

    @property
    def marks(self) -> int:
        return len({s.label for s in self.sightings})

    def to_options(self) -> dict[str, Any]:
        """The orthomosaic options that apply this list (OrthoOptions keys gcps and gcp_crs)."""
        return {"gcp_crs": self.crs, "gcps": [
            {"photo": s.photo, "x": s.x, "y": s.y, "easting": s.easting, "northing": s.northing}
            for s in self.sightings]}


def looks_like_gcp_list(text: str) -> bool:
    """Cheap test for upload sniffing: a CRS-like first line and a first data line of 5 numbers and a name."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    if len(lines) < 2:
        return False
    header = lines[0]
    if not (header.upper().startswith(("EPSG:", "+PROJ", "WGS84 UTM"))):
        return False
    fields = lines[1].split()
    if len(fields) < 6:
        return False
    try:
        [float(v) for v in fields[:5]]
    except ValueError:
        return False
    return True


def parse_gcp_list(text: str, *, name: str = "gcp_list.txt") -> GcpList:
    """Parse and check a GCP list; every problem is an ImageryError naming the file and the line."""
    numbered = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1)]
    numbered = [(n, line) for n, line in numbered if line and not line.startswith("#")]
    if not numbered:
        raise ImageryError(f"{name}: the file is empty")
    header_line, header = numbered[0]
    crs = _parse_crs(header, name, header_line)
    sightings = []
    for n, line in numbered[1:]:
        fields = line.split()
        if len(fields) < 6:
            raise ImageryError(f"{name} line {n}: expected 'geo_x geo_y geo_z im_x im_y image_name', "
                               f"got {len(fields)} field(s)")
        values = []
        for column, raw in zip(("geo_x", "geo_y", "geo_z", "im_x", "im_y"), fields[:5], strict=True):
            try:
                value = float(raw)
            except ValueError:
                raise ImageryError(f"{name} line {n}: {column} is not a number: {raw!r}") from None
            if not math.isfinite(value):
                raise ImageryError(f"{name} line {n}: {column} is not a finite number: {raw!r}")
            values.append(value)
        geo_x, geo_y, geo_z, im_x, im_y = values
        if im_x < 0 or im_y < 0:
            raise ImageryError(f"{name} line {n}: the pixel ({im_x:g}, {im_y:g}) is outside the photo")
        if CRS.from_user_input(crs).is_geographic and not (-180 <= geo_x <= 180 and -90 <= geo_y <= 90):
            raise ImageryError(f"{name} line {n}: ({geo_x:g}, {geo_y:g}) is not a longitude, latitude")
        label = fields[6] if len(fields) > 6 else f"line {n}"
        sightings.append(GcpSighting(easting=geo_x, northing=geo_y, elevation=geo_z, x=im_x, y=im_y,
                                     photo=fields[5], label=label, line=n))
    if not sightings:
        raise ImageryError(f"{name}: no ground control points after the coordinate system line")
    seen: dict[tuple[str, str], int] = {}
    for s in sightings:
        key = (s.label, s.photo)
        if key in seen and not s.label.startswith("line "):
            raise ImageryError(f"{name} line {s.line}: mark {s.label} is already placed in {s.photo} "
                               f"on line {seen[key]}")
        seen[key] = s.line
    return GcpList(crs=crs, sightings=tuple(sightings))


def _parse_crs(header: str, name: str, line: int) -> str:
    match = _UTM_HEADER.match(header)
    if match:
        zone = int(match[1])
        if not 1 <= zone <= 60:
            raise ImageryError(f"{name} line {line}: UTM zone {zone} does not exist")
        return f"EPSG:{(32600 if match[2].upper() == 'N' else 32700) + zone}"
    try:
        crs = CRS.from_user_input(header)
    except Exception:  # pyproj raises CRSError and others
        raise ImageryError(f"{name} line {line}: the first line must name the coordinate system "
                           f"(e.g. EPSG:27700), got {header[:60]!r}") from None
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else header
