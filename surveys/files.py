"""What a stored file is called and how a permitted download is answered.

Stored names come from the content only: the SHA-256 and a suffix for the format the upload check detected
(`processing.core.validate`), never the sender's extension, so a JPEG named `report.html` is stored as `….jpg`.
Downloads are answered with the detected format's Content-Type, `nosniff`, and `attachment` with a safe name;
`settings.FILE_SERVING` says who sends the bytes (Django, nginx X-Accel-Redirect, X-Sendfile or an S3 presigned
redirect). The caller has already decided the user may see the file (a 404 otherwise).
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.http import content_disposition_header

if TYPE_CHECKING:
    from .models import Asset, Survey

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Format:
    suffix: str
    content_type: str


# Detected format (ImageryInfo.format) -> stored suffix and served Content-Type. A format missing here is stored
# without a suffix and served as application/octet-stream.
FORMATS: dict[str, Format] = {
    "jpeg": Format(".jpg", "image/jpeg"),
    "png": Format(".png", "image/png"),
    "tiff": Format(".tif", "image/tiff"),
    "mp4": Format(".mp4", "video/mp4"),
    "mov": Format(".mov", "video/quicktime"),
    "avi": Format(".avi", "video/x-msvideo"),
    "mkv": Format(".mkv", "video/x-matroska"),
    "ts": Format(".ts", "video/mp2t"),
    "las": Format(".las", "application/vnd.las"),
    "laz": Format(".laz", "application/vnd.laszip"),
    "ply": Format(".ply", "application/octet-stream"),
    "e57": Format(".e57", "application/octet-stream"),
    "srt": Format(".srt", "text/plain; charset=utf-8"),
    "gpx": Format(".gpx", "application/gpx+xml"),
    "kml": Format(".kml", "application/vnd.google-earth.kml+xml"),
    "csv": Format(".csv", "text/csv; charset=utf-8"),
    "pdf": Format(".pdf", "application/pdf"),
    "zip": Format(".zip", "application/zip"),
    "gcp": Format(".txt", "text/plain; charset=utf-8"),
}
UNKNOWN = Format("", "application/octet-stream")
STORED_SUFFIXES = frozenset(f.suffix for f in FORMATS.values()) | {""}
_UNSAFE = re.compile(r"[^\w.()+ -]+")


def format_of(fmt: str | None) -> Format:
    return FORMATS.get(str(fmt or "").lower(), UNKNOWN)


def blob_name(sha256: str, fmt: str | None) -> str:
    """Storage name of content with this hash and detected format: `blobs/ab/abcd….jpg`."""
    return f"blobs/{sha256[:2]}/{sha256}{format_of(fmt).suffix}"


def blob_name_candidates(sha256: str) -> list[str]:
    """Every name content with this hash may be stored under (whatever its format turned out to be)."""
    return sorted({f"blobs/{sha256[:2]}/{sha256}{suffix}" for suffix in STORED_SUFFIXES})


def safe_filename(original_name: str, suffix: str, *, fallback: str = "download") -> str:
    """A download name: the sender's name without folders, control or shell characters, ending in `suffix`
    (the detected format's, not the sender's): `../x<script>.html` with ".jpg" gives `x_script_.jpg`."""
    base = PurePosixPath(str(original_name).replace("\\", "/")).name
    base = unicodedata.normalize("NFKC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] not in {"C", "Z"} or ch == " ")
    stem = base[: -len(PurePosixPath(base).suffix)] if PurePosixPath(base).suffix else base
    stem = _UNSAFE.sub("_", stem).strip(" ._")[:120] or fallback
    return stem + suffix


def _headers(response: HttpResponseBase, *, content_type: str, filename: str) -> HttpResponseBase:
    response["Content-Type"] = content_type
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 256 * 1024


def byte_range(header: str | None, size: int) -> tuple[int, int] | bool | None:
    """The (first, last) byte a single-range `Range: bytes=…` header asks for within `size` bytes; None when
    there is no usable header (answer the whole file), False when the range cannot be satisfied (416). Several
    ranges in one header are answered whole, as RFC 9110 allows."""
    match = _RANGE.match((header or "").strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if not first:  # the last N bytes
        n = int(last)
        return (max(0, size - n), size - 1) if n > 0 and size > 0 else False
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    return (start, end) if start < size and start <= end else False


def _ranged(name: str, span: tuple[int, int], size: int) -> HttpResponseBase:
    first, last = span

    def chunks():
        with default_storage.open(name, "rb") as fh:
            fh.seek(first)
            left = last - first + 1
            while left > 0:
                block = fh.read(min(_CHUNK, left))
                if not block:
                    return
                left -= len(block)
                yield block

    response = StreamingHttpResponse(chunks(), status=206)
    response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Content-Length"] = str(last - first + 1)
    return response


def stored_file_response(*, name: str, content_type: str, filename: str,
                         range_header: str | None = None) -> HttpResponseBase:
    """The answer to a permitted download of the stored file `name`, always as an attachment. Served by this
    process, a `Range` header (`range_header`: a video seeking in the page) gets 206 with just those bytes; the
    front server or S3 does the same in the other modes."""
    mode = settings.FILE_SERVING
    if mode == "s3-presigned":
        disposition = content_disposition_header(True, filename)
        url = default_storage.url(name, parameters={"ResponseContentType": content_type,
                                                    "ResponseContentDisposition": disposition},
                                  expire=settings.FILE_SERVING_URL_SECONDS)
        redirect = HttpResponseRedirect(url)  # S3 sends the type and disposition asked for in the signed URL
        redirect["X-Content-Type-Options"] = "nosniff"
        redirect["Cache-Control"] = "private, no-store"
        return redirect
    if mode == "x-accel-redirect":
        response: HttpResponseBase = HttpResponse(b"")
        response["X-Accel-Redirect"] = settings.FILE_SERVING_INTERNAL_PREFIX + quote(name.lstrip("/"))
    elif mode == "x-sendfile":
        response = HttpResponse(b"")
        response["X-Sendfile"] = default_storage.path(name)
    else:
        try:
            size = default_storage.size(name)
            span = byte_range(range_header, size) if range_header else None
            if span is False:
                response = HttpResponse(b"", status=416)
                response["Content-Range"] = f"bytes */{size}"
            elif span:
                response = _ranged(name, span, size)
            else:
                response = FileResponse(default_storage.open(name, "rb"))
        except FileNotFoundError:
            log.error("stored file %s is missing", name)
            raise Http404("This file is missing from storage; please tell an administrator.") from None
        response["Accept-Ranges"] = "bytes"
    return _headers(response, content_type=content_type, filename=filename)


def json_response(*, text: str, filename: str) -> HttpResponse:
    """A report kept in the database (map quality, conformance) as a JSON attachment."""
    response = HttpResponse(text.encode("utf-8"))
    _headers(response, content_type="application/json", filename=filename)
    return response


# ---------------------------------------------------------------- the files of a survey


REPORTS = {"map_report": "map-report", "conformance_report": "conformance-report"}


def asset_response(asset: Asset, range_header: str | None = None) -> HttpResponseBase:
    """A delivered file, typed by the format the upload check detected (not by the sender's name)."""
    fmt = format_of((asset.metadata or {}).get("format"))
    return stored_file_response(name=asset.file.name, content_type=fmt.content_type,
                                filename=safe_filename(asset.original_name, fmt.suffix, fallback=f"asset-{asset.pk}"),
                                range_header=range_header)


def orthophoto_response(survey: Survey) -> HttpResponseBase:
    if not survey.orthophoto:
        raise Http404("This survey has no map yet.")
    return stored_file_response(name=survey.orthophoto.name, content_type="image/tiff",
                                filename=f"survey-{survey.pk}-orthophoto.tif")


def report_response(survey: Survey, which: str) -> HttpResponse:
    """`which`: "map_report" (the orthomosaic's quality report) or "conformance_report"."""
    report = survey.ortho_report if which == "map_report" else survey.conformance
    if not report:
        what = "map quality report" if which == "map_report" else "conformance report"
        raise Http404(f"This survey has no {what} yet.")
    return json_response(text=json.dumps(report, indent=2, sort_keys=True, default=str),
                         filename=f"survey-{survey.pk}-{REPORTS[which]}.json")
