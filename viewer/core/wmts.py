"""An OGC WMTS 1.0.0 capabilities document (OGC 07-057r7) for one raster layer in the GoogleMapsCompatible
tile matrix set (the well-known Web Mercator set of annex E.4: EPSG:3857, 256-pixel tiles, level z has 2^z
columns and rows), served RESTfully from an XYZ tile URL. Pure: no Django."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

#: Scale denominator of level 0 of GoogleMapsCompatible (OGC 07-057r7, annex E.4).
LEVEL0_SCALE = 559082264.0287178
#: Half the Web Mercator world width in metres (the set's top-left corner is (-ORIGIN, ORIGIN)).
ORIGIN = 20037508.3427892
TMS_ID = "GoogleMapsCompatible"


def capabilities(*, title: str, layer: str, bounds_wgs84: tuple[float, float, float, float], minzoom: int,
                 maxzoom: int, tile_template: str, fmt: str = "image/png") -> str:
    """The capabilities XML. `tile_template` is the ResourceURL template with {TileMatrix}, {TileCol} and
    {TileRow}; `bounds_wgs84` is (west, south, east, north). Levels minzoom..maxzoom are listed, each with the
    range of tiles that hold data (TileMatrixSetLimits), so clients ask only for tiles that exist. No OperationsMetadata: the service is RESTful only (OGC 07-057r7
    §10.2), which is how clients (GDAL, OWSLib, QGIS) read a document without one."""
    if not 0 <= minzoom <= maxzoom <= 30:
        raise ValueError(f"bad zoom range {minzoom}..{maxzoom}")
    west, south, east, north = bounds_wgs84
    matrices = []
    limits = []
    for z in range(maxzoom + 1):  # the whole well-known set up to maxzoom; data only from minzoom
        n = 2**z
        matrices.append(
            f"<TileMatrix><ows:Identifier>{z}</ows:Identifier>"
            f"<ScaleDenominator>{LEVEL0_SCALE / n!r}</ScaleDenominator>"
            f"<TopLeftCorner>{-ORIGIN!r} {ORIGIN!r}</TopLeftCorner>"
            f"<TileWidth>256</TileWidth><TileHeight>256</TileHeight>"
            f"<MatrixWidth>{n}</MatrixWidth><MatrixHeight>{n}</MatrixHeight></TileMatrix>")
        if z < minzoom:
            continue
        col0, row0 = lonlat_to_tile(west, north, z)
        col1, row1 = lonlat_to_tile(east, south, z)
        limits.append(
            f"<TileMatrixLimits><TileMatrix>{z}</TileMatrix><MinTileRow>{row0}</MinTileRow>"
            f"<MaxTileRow>{row1}</MaxTileRow><MinTileCol>{col0}</MinTileCol><MaxTileCol>{col1}</MaxTileCol>"
            "</TileMatrixLimits>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Capabilities xmlns="http://www.opengis.net/wmts/1.0" xmlns:ows="http://www.opengis.net/ows/1.1" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.opengis.net/wmts/1.0 '
        'http://schemas.opengis.net/wmts/1.0/wmtsGetCapabilities_response.xsd" version="1.0.0">'
        f"<ows:ServiceIdentification><ows:Title>{escape(title)}</ows:Title>"
        "<ows:ServiceType>OGC WMTS</ows:ServiceType><ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion>"
        "</ows:ServiceIdentification>"
        "<Contents><Layer>"
        f"<ows:Title>{escape(title)}</ows:Title><ows:Identifier>{escape(layer)}</ows:Identifier>"
        f"<ows:WGS84BoundingBox><ows:LowerCorner>{west!r} {south!r}</ows:LowerCorner>"
        f"<ows:UpperCorner>{east!r} {north!r}</ows:UpperCorner></ows:WGS84BoundingBox>"
        '<Style isDefault="true"><ows:Identifier>default</ows:Identifier></Style>'
        f"<Format>{escape(fmt)}</Format>"
        f"<TileMatrixSetLink><TileMatrixSet>{TMS_ID}</TileMatrixSet>"
        f"<TileMatrixSetLimits>{''.join(limits)}</TileMatrixSetLimits></TileMatrixSetLink>"
        f"<ResourceURL format={quoteattr(fmt)} resourceType=\"tile\" template={quoteattr(tile_template)}/>"
        "</Layer>"
        f"<TileMatrixSet><ows:Identifier>{TMS_ID}</ows:Identifier>"
        "<ows:SupportedCRS>urn:ogc:def:crs:EPSG::3857</ows:SupportedCRS>"
        "<WellKnownScaleSet>urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible</WellKnownScaleSet>"
        f"{''.join(matrices)}</TileMatrixSet>"
        "</Contents></Capabilities>\n")


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The (column, row) of the level-z tile holding the point, clamped to the level."""
    import math

    n = 2**z
    lat = max(min(lat, 85.0511287798), -85.0511287798)
    col = int((lon + 180.0) / 360.0 * n)
    rad = math.radians(lat)
    row = int((1.0 - math.asinh(math.tan(rad)) / math.pi) / 2.0 * n)
    return min(max(col, 0), n - 1), min(max(row, 0), n - 1)
