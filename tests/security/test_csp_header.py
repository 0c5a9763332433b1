"""The Content-Security-Policy header (django-csp, config/settings.py): sent on pages, fragments and API answers,
with the basemap's and the app's own (SITE_URL) hosts allowed for images; the browser side is tests/web/test_csp.py."""

from __future__ import annotations

import pytest

from config.env import SettingError
from config.settings import _origin_of
from tests.factories import make_cast


@pytest.mark.parametrize(("url", "source"), [
    ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
    ("https://api.os.uk/maps/raster/v1/zxy/Light_3857/{z}/{x}/{y}.png?key=k", "https://api.os.uk"),
    ("http://tiles.council.local:8080/{z}/{x}/{y}.png", "http://tiles.council.local:8080"),
    ("/basemap/{z}/{x}/{y}.png", None),
    ("none", None),
    ("", None),
])
def test_the_basemap_host_is_taken_from_its_url_template(url, source):
    assert _origin_of(url) == source


def test_a_template_in_an_inner_label_is_refused():
    with pytest.raises(SettingError):
        _origin_of("https://tiles.{s}.example/{z}/{x}/{y}.png")


@pytest.mark.django_db
def test_pages_and_the_api_carry_the_policy(client):
    cast = make_cast(airspace=False)
    client.force_login(cast.requester)
    for url in ("/accounts/login/", "/requests/", "/api/v1/requests/"):
        header = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self';" in header + ";" and "object-src 'none'" in header
        assert "frame-ancestors 'none'" in header and "base-uri 'self'" in header
        script = next(p for p in header.split(";") if p.strip().startswith("script-src"))
        assert "unsafe" not in script
