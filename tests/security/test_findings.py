"""Regression tests for the smaller findings of the security review (issue 15): each failed before its fix."""

from __future__ import annotations

import pytest

# A KML that declares an internal entity and uses it for the coordinates: expat on its own would expand it.
_ENTITY_KML = """<?xml version="1.0" encoding="UTF-16"?>
<!DOCTYPE kml [<!ENTITY ring "-3.2,55.9 -3.1,55.9 -3.1,56.0 -3.2,56.0 -3.2,55.9">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>Site</name>
<Polygon><outerBoundaryIs><LinearRing><coordinates>&ring;</coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark></Document></kml>
"""


def test_utf16_kml_with_entity_is_refused_by_the_booking_parser():
    from booking.geometry import GeometryError, parse_kml

    data = _ENTITY_KML.encode("utf-16")  # with a BOM: a byte search for "<!DOCTYPE" cannot see it
    assert b"<!DOCTYPE" not in data.upper()
    with pytest.raises(GeometryError, match="DOCTYPE or entities"):
        parse_kml(data)


def test_utf16_kml_with_entity_is_refused_by_the_zone_importer():
    from policy.core.importers.layers import LayerError, zones_from_kml

    with pytest.raises(LayerError, match="DOCTYPE or entities"):
        list(zones_from_kml(_ENTITY_KML.encode("utf-16"), kind="frz"))


def test_plain_kml_still_reads():
    from booking.geometry import parse_kml

    plain = _ENTITY_KML.replace('<!DOCTYPE kml [<!ENTITY ring "-3.2,55.9 -3.1,55.9 -3.1,56.0 -3.2,56.0 -3.2,55.9">]>\n', "")
    plain = plain.replace("&ring;", "-3.2,55.9 -3.1,55.9 -3.1,56.0 -3.2,56.0 -3.2,55.9")
    assert parse_kml(plain.encode("utf-16"))["type"] == "Polygon"


def test_no_module_parses_xml_without_defusedxml():
    """Every XML parse in the apps goes through defusedxml (xml.etree may be imported for Element/ParseError only;
    xml.sax.saxutils only escapes output)."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    bad = []
    for app in ("accounts", "booking", "detection", "inspection", "notify", "policy", "processing", "surveys", "viewer"):
        for path in (root / app).rglob("*.py"):
            text = path.read_text()
            if re.search(r"\b(minidom|lxml|xml\.sax(?!\.saxutils)|expat)\b", text) or re.search(r"(?<!Safe)ET\.(fromstring|parse|XMLParser|iterparse)\(", text):
                bad.append(str(path.relative_to(root)))
    assert bad == []
