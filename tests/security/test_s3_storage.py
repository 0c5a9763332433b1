"""Object storage for real: the S3 settings that config/settings.py builds from S3_* variables, pointed at an
S3-compatible server this test starts itself (moto's server mode on a free localhost port). Real photos and a
real orthophoto go up through tus into the bucket, the "cog" job converts the orthophoto (reading it from the
bucket, writing the COG back), tiles are served from the bucket through GDAL's /vsicurl/ on a presigned URL, and
downloads are permission-checked redirects to presigned URLs. Every result is compared with the same operation
on local files."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest
from django.core.management import call_command
from django.test import Client

from processing.core import tiles
from processing.core.cog import to_cog
from processing.models import Job, JobState
from surveys.models import Asset
from tests.conftest import ROOT
from tests.factories import make_cast
from tests.processing.test_cog_delivery import BALI_AREA
from tests.surveys.helpers import make_delivery, tus_upload

pytestmark = pytest.mark.django_db(transaction=False)

BUCKET = "council-drones-test"
PHOTOS = ("IMG_9354.jpg", "IMG_9355.jpg", "IMG_9356.jpg")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    """moto's server in its own process: GDAL reads tiles through /vsicurl/ without releasing the GIL, so a server
    thread in this interpreter could never answer it (the test would hang)."""
    pytest.importorskip("moto.server")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("moto's S3 server did not start")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def storages_from_env(endpoint: str) -> dict:
    """STORAGES exactly as config/settings.py builds them from the environment an operator sets (a fresh
    interpreter, so that the module-level S3 branch runs), with FILE_SERVING as it defaults."""
    env = {**os.environ, "S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": endpoint, "S3_REGION": "us-east-1",
           "S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing"}
    env.pop("FILE_SERVING", None)
    code = ("import json; from config import settings as s; "
            "print(json.dumps({'STORAGES': s.STORAGES, 'FILE_SERVING': s.FILE_SERVING}))")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def s3(settings, s3_server):
    import boto3

    chosen = storages_from_env(s3_server)
    assert chosen["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert chosen["FILE_SERVING"] == "s3-presigned"
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = chosen["STORAGES"]
    settings.FILE_SERVING = chosen["FILE_SERVING"]
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for obj in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def bucket_object(client, key: str) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_tus_upload_cog_tiles_and_downloads_work_on_s3_as_on_local_files(s3, shared_data, tmp_path, settings):
    from django.core.files.storage import default_storage
    from storages.backends.s3 import S3Storage

    assert isinstance(default_storage._wrapped if default_storage._wrapped else default_storage, S3Storage) or \
        default_storage.bucket_name == BUCKET
    cast = make_cast()
    survey = make_delivery(cast, area=BALI_AREA, deliverables=("photos", "orthomosaic"))
    contractor = Client()
    contractor.force_login(cast.contractor)

    # Real photos and the orthophoto through tus; each lands in the bucket under its content name.
    sent = {name: (shared_data / "drone" / "caliterra-half" / name).read_bytes() for name in PHOTOS}
    sent["bali-ortho.tif"] = (shared_data / "orthophotos" / "pix4d-bali.tif").read_bytes()
    for name, data in sent.items():
        response = tus_upload(contractor, survey.pk, name, data, chunk=200_000)
        assert response.status_code == 204, response.content
    assets = {a.original_name: a for a in Asset.objects.filter(survey=survey)}
    assert set(assets) == set(sent)
    for name, asset in assets.items():
        assert bucket_object(s3, asset.file.name) == sent[name]
        assert asset.sha256 == hashlib.sha256(sent[name]).hexdigest()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.jpg")), "nothing stored on local disk"

    # The cog job reads the orthophoto from the bucket and publishes the COG to it.
    assert contractor.post(f"/api/v1/surveys/{survey.pk}/deliver/").status_code == 200
    job = Job.objects.get(survey=survey, kind="cog")
    call_command("run_jobs", "--burst", "--quiet")
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.error or job.log
    survey.refresh_from_db()
    cog_key = survey.orthophoto.name
    stored_cog = tmp_path / "from-bucket.tif"
    stored_cog.write_bytes(bucket_object(s3, cog_key))
    local_cog = to_cog(shared_data / "orthophotos" / "pix4d-bali.tif", tmp_path / "local.tif")

    # A tile served from the bucket is byte for byte the tile of the same conversion on local files.
    requester = Client()
    requester.force_login(cast.requester)
    doc = requester.get(f"/api/v1/surveys/{survey.pk}/tilejson.json").json()
    with tiles.open_source(str(local_cog)) as local:
        x0, y0, x1, y1 = tiles.tile_range(local, doc["maxzoom"])
        x, y = (x0 + x1) // 2, (y0 + y1) // 2
        expected = tiles.render_tile(local, doc["maxzoom"], x, y)
        west, south, east, north = doc["bounds"]
        assert local.bounds_wgs84 == pytest.approx((west, south, east, north), abs=1e-9)
    with tiles.open_source(str(stored_cog)) as from_bucket:
        assert tiles.render_tile(from_bucket, doc["maxzoom"], x, y) == expected
    tile = requester.get(f"/tiles/surveys/{survey.pk}/{doc['maxzoom']}/{x}/{y}.png")
    assert tile.status_code == 200 and tile.content == expected

    # Downloads: a permission-checked redirect to a presigned URL that returns the original bytes...
    photo = assets["IMG_9354.jpg"]
    got = requester.get(f"/api/v1/assets/{photo.pk}/download/")
    assert got.status_code == 302 and got["Location"].startswith(settings.STORAGES["default"]["OPTIONS"]
                                                                 ["endpoint_url"])
    with urlopen(got["Location"], timeout=10) as fetched:  # noqa: S310 - the local moto server
        assert fetched.read() == sent["IMG_9354.jpg"]
        assert fetched.headers["Content-Type"] == "image/jpeg"
    # ...and no redirect (no URL at all) for those who may not see the survey.
    outsider = Client()
    outsider.force_login(cast.outsider)
    refused = outsider.get(f"/api/v1/assets/{photo.pk}/download/")
    assert refused.status_code in (403, 404) and "Location" not in refused
    assert outsider.get(f"/tiles/surveys/{survey.pk}/{doc['maxzoom']}/{x}/{y}.png").status_code == 404
    assert Client().get(f"/api/v1/assets/{photo.pk}/download/").status_code in (401, 403)
