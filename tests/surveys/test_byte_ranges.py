"""Downloads served by this process answer a Range request with 206 and exactly those bytes (a video seeking in
the site page), an unsatisfiable one with 416, and the download is audited once, not once per chunk."""

from __future__ import annotations

import pytest

from booking.models import AuditEvent
from surveys.files import byte_range
from surveys.services import asset_ingest_file
from tests.factories import make_cast
from tests.surveys.helpers import CALITERRA_AREA, make_delivery

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("header", "expected"), [
    ("bytes=0-99", (0, 99)), ("bytes=100-", (100, 999)), ("bytes=-10", (990, 999)), ("bytes=900-5000", (900, 999)),
    ("bytes=1000-", False), ("bytes=5-2", False), ("bytes=-0", False), ("bytes=0-1,5-9", None), ("items=0-5", None),
    ("", None),
])  # fmt: skip
def test_byte_range(header, expected):
    assert byte_range(header, 1000) == expected


def test_a_range_gets_206_with_those_bytes_and_one_audit_event(client, shared_data):
    cast = make_cast()
    survey = make_delivery(cast, area=CALITERRA_AREA)
    path = shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg"
    asset = asset_ingest_file(survey=survey, path=path, original_name=path.name).asset
    data = path.read_bytes()
    client.force_login(cast.planner)
    url = f"/files/{asset.pk}/download/"

    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == data
    part = client.get(url, HTTP_RANGE="bytes=1000-1999")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert b"".join(part.streaming_content) == data[1000:2000]
    tail = client.get(url, HTTP_RANGE="bytes=-16")
    assert b"".join(tail.streaming_content) == data[-16:]
    beyond = client.get(url, HTTP_RANGE=f"bytes={len(data)}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(data)}"
    downloads = AuditEvent.objects.filter(action__icontains="download").count()
    assert downloads == 1, "the whole download is audited; the chunks asked for after it are not"
