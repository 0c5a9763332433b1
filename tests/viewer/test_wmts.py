"""WMTS for GIS: independent clients (OWSLib, GDAL's gdalinfo) open a survey's capabilities and read its tiles,
with an API token and through a share link."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from viewer import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _site_url_is_the_live_server(request, settings):
    """Absolute addresses in the capabilities come from SITE_URL: point it at the server the clients reach."""
    if "live_server" in request.fixturenames:
        settings.SITE_URL = request.getfixturevalue("live_server").url


def test_owslib_reads_the_capabilities_and_fetches_a_tile_with_a_token(site_world, live_server):
    from owslib.wmts import WebMapTileService

    survey = site_world["first"]
    token = Token.objects.create(user=site_world["cast"].planner).key
    wmts = WebMapTileService(f"{live_server.url}/api/v1/surveys/{survey.pk}/wmts.xml",
                             headers={"Authorization": f"Token {token}"})
    layer = wmts.contents[f"survey-{survey.pk}"]
    assert "GoogleMapsCompatible" in layer.tilematrixsetlinks
    w, s, e, n = layer.boundingBoxWGS84
    assert 115 < w < e < 116 and -9 < s < n < -8  # the Bali sample
    limits = layer.tilematrixsetlinks["GoogleMapsCompatible"].tilematrixlimits
    z = max(limits, key=int)
    lim = limits[z]
    tile = wmts.gettile(layer=layer.id, tilematrixset="GoogleMapsCompatible", tilematrix=z,
                        row=(lim.mintilerow + lim.maxtilerow) // 2, column=(lim.mintilecol + lim.maxtilecol) // 2,
                        format="image/png")
    body = tile.read()
    assert body.startswith(b"\x89PNG") and len(body) > 1000


def test_a_token_for_someone_who_may_not_see_it_gets_nothing(site_world, client):
    survey = site_world["first"]
    outsider = Token.objects.create(user=site_world["cast"].other_contractor).key
    auth = {"HTTP_AUTHORIZATION": f"Token {outsider}"}
    assert client.get(f"/api/v1/surveys/{survey.pk}/wmts.xml", **auth).status_code == 404
    assert client.get(f"/api/v1/surveys/{survey.pk}/tiles/18/0/0.png", **auth).status_code == 404
    assert client.get(f"/api/v1/surveys/{survey.pk}/wmts.xml").status_code in {401, 403}
    assert client.get(f"/api/v1/surveys/{survey.pk}/tiles/18/0/0.png").status_code == 401
    bad = client.get(f"/api/v1/surveys/{survey.pk}/tiles/18/0/0.png", HTTP_AUTHORIZATION="Token nope")
    assert bad.status_code == 401


def _gdalinfo(url: str, headers: str | None = None) -> dict:
    env = {**os.environ, "GDAL_HTTP_TIMEOUT": "30", "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".xml,.png"}
    if headers:
        env["GDAL_HTTP_HEADERS"] = headers
    out = subprocess.run(["gdalinfo", "-json", f"WMTS:{url}"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.skipif(shutil.which("gdalinfo") is None, reason="gdal-bin not installed (make browser)")
def test_gdalinfo_opens_the_wmts_with_a_token_and_through_a_share_link(site_world, live_server):
    survey = site_world["first"]
    token = Token.objects.create(user=site_world["cast"].planner).key
    info = _gdalinfo(f"{live_server.url}/api/v1/surveys/{survey.pk}/wmts.xml", f"Authorization: Token {token}")
    assert info["driverShortName"] == "WMTS"
    assert "3857" in info["coordinateSystem"]["wkt"] or "Pseudo-Mercator" in info["coordinateSystem"]["wkt"]
    assert info["size"][0] > 256 and len(info["bands"]) in {3, 4}
    link = services.share_link_create(by=site_world["cast"].planner, now=timezone.now(),
                                      expires_in=timedelta(days=3), purpose="GIS partner", site=survey.site)
    shared = _gdalinfo(f"{live_server.url}/s/{link.token}/surveys/{survey.pk}/wmts.xml")
    assert shared["size"] == info["size"]
    # a survey of another site is not inside the link
    other = site_world["other"]
    out = subprocess.run(["gdalinfo", f"WMTS:{live_server.url}/s/{link.token}/surveys/{other.pk}/wmts.xml"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
