"""Helpers for the surveys tests (also used by tests/web): a request flown by the cast's supplier with an open
survey, tus requests through Django's test client, and broken or hostile files built from real data."""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone as dj_timezone

from booking.models import CallOffOrder, Flight, FlightRequest
from surveys.models import Survey
from surveys.services import site_get_or_create
from tests.factories import OBAN_SEAFRONT, Cast

# Around the Caliterra photos (Texas; OpenDroneMap odm_data_caliterra): their GPS positions span
# lat 30.17058..30.17185, lon -98.09026..-98.08919 (read from the photos' EXIF).
CALITERRA_AREA = {
    "type": "Polygon",
    "coordinates": [[[-98.0906, 30.1703], [-98.0888, 30.1703], [-98.0888, 30.1722], [-98.0906, 30.1722],
                     [-98.0906, 30.1703]]],
}
# The Caliterra photos were taken 2014-10-19 between 18:20:51 and 18:23:33 UTC (EXIF GPS time).
CALITERRA_DAY = datetime(2014, 10, 19, 17, 0, tzinfo=UTC)


_counter = iter(range(1, 10_000))


def make_delivery(cast: Cast, *, area: dict = OBAN_SEAFRONT, start: datetime | None = None, hours: float = 3,
                  deliverables=("photos",), max_height_m: int = 120, status: str = "flown",
                  supplier=None) -> Survey:
    """A request flown by `supplier` (default: the cast's), with its order, flight and an open survey."""
    n = next(_counter)
    now = dj_timezone.now()
    start = start or now - timedelta(hours=2)
    supplier = supplier or cast.supplier
    pilot = supplier.pilots.first()
    aircraft = supplier.aircraft.first()
    fr = FlightRequest.objects.create(
        reference=f"T-{n:05d}", site_name=f"Test site {n}", area=area, purpose="mapping",
        deliverables=list(deliverables), window_start=start - timedelta(days=1), window_end=start + timedelta(days=2),
        max_height_m=max_height_m, status=status, organisation=cast.organisation, requester=cast.requester,
        budget_code=cast.budget_code, lot=cast.lot, created_at=now, updated_at=now,
    )
    order = CallOffOrder.objects.create(
        po_number=f"PO-T-{n:05d}", flight_request=fr, supplier=supplier, lot=cast.lot,
        budget_code=cast.budget_code, value=Decimal("550.00"), status="accepted", created_at=now,
    )
    flight = Flight.objects.create(
        flight_request=fr, order=order, supplier=supplier, pilot=pilot, aircraft=aircraft,
        scheduled_start=start, scheduled_end=start + timedelta(hours=hours), status="flown", created_at=now,
    )
    site = site_get_or_create(name=fr.site_name, geometry=area, organisation=cast.organisation)
    return Survey.objects.create(site=site, flight_request=fr, flight=flight, supplier=supplier)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def tus_create(client, survey_id: int, name: str, data: bytes, *, sha: str | None = None, **extra):
    meta = f"filename {b64(name)},sha256 {b64(sha or sha256_hex(data))}"
    return client.post(f"/api/v1/surveys/{survey_id}/uploads/", HTTP_TUS_RESUMABLE="1.0.0",
                       HTTP_UPLOAD_LENGTH=str(len(data)), HTTP_UPLOAD_METADATA=meta, **extra)


def tus_patch(client, url: str, offset: int, chunk: bytes, *, checksum: bool = True, **extra):
    headers = {"HTTP_TUS_RESUMABLE": "1.0.0", "HTTP_UPLOAD_OFFSET": str(offset)}
    if checksum:
        headers["HTTP_UPLOAD_CHECKSUM"] = "sha256 " + base64.b64encode(hashlib.sha256(chunk).digest()).decode()
    return client.generic("PATCH", url, chunk, content_type="application/offset+octet-stream", **headers, **extra)


def tus_upload(client, survey_id: int, name: str, data: bytes, *, chunk: int = 256 * 1024, sha: str | None = None):
    """Create and send a whole file; returns the last response (and the upload URL on it as `.upload_url`)."""
    created = tus_create(client, survey_id, name, data, sha=sha)
    assert created.status_code == 201, created.content
    url = created["Location"]
    offset = int(created["Upload-Offset"])
    response = created
    while offset < len(data):
        response = tus_patch(client, url, offset, data[offset:offset + chunk])
        if response.status_code != 204:
            break
        offset = int(response["Upload-Offset"])
    response.upload_url = url
    return response


# ---------------------------------------------------------------- broken and hostile files (built from real data)


def truncated_jpeg(shared_data: Path) -> bytes:
    data = (shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg").read_bytes()
    return data[: len(data) // 2]


def png_bomb() -> bytes:
    """A valid-looking PNG whose header declares 100000 x 100000 pixels (10 gigapixels) in a few bytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))


def corrupt_geotiff(shared_data: Path) -> bytes:
    data = bytearray((shared_data / "orthophotos" / "pix4d-bali.tif").read_bytes())
    n = len(data)
    data[n // 3: n // 3 + 20_000] = b"\xff" * 20_000
    return bytes(data[: (2 * n) // 3])


def photo_without_gps(shared_data: Path, tmp_path: Path) -> bytes:
    from PIL import Image

    out = tmp_path / "nogps.jpg"
    with Image.open(shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg") as im:
        im.save(out, quality=85)  # re-encoded without EXIF: no position, no time
    return out.read_bytes()
