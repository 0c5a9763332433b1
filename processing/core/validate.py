"""Upload checks: refuse hostile or broken files with a message for the sender, before anything is stored.

Nothing here writes, moves or deletes the file being checked: the caller owns the temporary upload and removes it
when a check fails. Dimensions are read from headers and checked before any pixel is decoded, so a decompression
bomb costs a few hundred bytes of reading.
"""

from __future__ import annotations

import shutil
import stat
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from PIL import Image

from .errors import ImageryError
from .metadata import ImageryInfo, read_imagery_info, sniff_format

# A 45 MP full-frame still is 45e6. Kept below Pillow's own MAX_IMAGE_PIXELS (89,478,485), which is set to it
# while decoding, so Pillow refuses anything the header check let by.
DEFAULT_MAX_PIXELS = 80_000_000
# Decoded bytes one photo may take (width x height x bands x bytes per sample): 45 MP RGB is 135 MB.
DEFAULT_MAX_IMAGE_BYTES = 512 * 1024**2
# GeoTIFFs are validated and converted block by block, but every pixel costs time: 2 GP is a 2 cm orthophoto of
# 0.8 km² (a sparse file declaring 10 GP is 1.8 MB on disk and minutes of work).
DEFAULT_MAX_RASTER_PIXELS = 2_000_000_000
DEFAULT_MAX_VIDEO_PIXELS = 8192 * 4320  # 8K
DEFAULT_MAX_ZIP_ENTRIES = 10_000
DEFAULT_MAX_ZIP_BYTES = 50 * 1024**3
DEFAULT_MAX_ZIP_RATIO = 200  # uncompressed / compressed per entry; higher means a zip bomb

ACCEPTED_FORMATS = {
    "jpeg", "png", "tiff", "mp4", "mov", "avi", "mkv", "ts", "las", "laz", "ply", "e57",
    "srt", "gpx", "kml", "csv", "pdf", "zip", "gcp",
}  # fmt: skip
_EXTENSIONS = {
    "jpeg": {".jpg", ".jpeg", ".jpe"},
    "png": {".png"},
    "tiff": {".tif", ".tiff", ".dng"},
    "mp4": {".mp4", ".m4v", ".mov"},
    "mov": {".mov", ".mp4"},
    "avi": {".avi"},
    "mkv": {".mkv", ".webm"},
    "ts": {".ts", ".mts", ".m2ts"},
    "las": {".las"},
    "laz": {".laz", ".las"},
    "ply": {".ply"},
    "e57": {".e57"},
    "zip": {".zip"},
    "pdf": {".pdf"},
}
_KIND_GROUPS = [{"photo", "thermal_photo"}, {"orthophoto", "elevation"}]


@dataclass(frozen=True)
class UploadLimits:
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES
    max_raster_pixels: int = DEFAULT_MAX_RASTER_PIXELS
    max_video_pixels: int = DEFAULT_MAX_VIDEO_PIXELS
    max_zip_entries: int = DEFAULT_MAX_ZIP_ENTRIES
    max_zip_bytes: int = DEFAULT_MAX_ZIP_BYTES
    max_zip_ratio: int = DEFAULT_MAX_ZIP_RATIO


def _fail(name: str, message: str) -> ImageryError:
    return ImageryError(f"{name}: {message}")


def _describe(fmt: str) -> str:
    return {"text": "a text file", "binary": "an unrecognised binary file", "txt": "a text file"}.get(
        fmt, f"a {fmt.upper()} file"
    )


def _check_extension(name: str, fmt: str) -> None:
    ext = Path(name).suffix.lower()
    claimed = next((f for f, exts in _EXTENSIONS.items() if ext in exts), None)
    if claimed is None or (fmt in _EXTENSIONS and ext in _EXTENSIONS[fmt]):
        return
    raise _fail(name, f"the name says {claimed.upper()} ({ext}) but the content is {_describe(fmt)}")


def _check_pixels(name: str, width: int | None, height: int | None, limit: int, what: str) -> None:
    if not width or not height:
        raise _fail(name, f"the {what} declares no size (width {width}, height {height})")
    if width * height > limit:
        raise _fail(
            name,
            f"the {what} declares {width} x {height} = {width * height:,} pixels, over the limit of "
            f"{limit:,}: refused as a possible decompression bomb",
        )


def _check_jpeg(path: Path, name: str, head: bytes, limits: UploadLimits) -> None:
    from .xmp import JpegStructureError, walk_jpeg

    try:
        layout = walk_jpeg(head)
    except JpegStructureError as exc:
        raise _fail(name, f"broken JPEG ({exc})") from exc
    _check_pixels(name, layout.width, layout.height, limits.max_pixels, "JPEG")
    _check_bytes(name, (layout.width or 0) * (layout.height or 0) * 3, limits, "JPEG")
    # The entropy-coded data cannot contain FF D9 except as the end-of-image marker (FF is stuffed as FF 00).
    with open(path, "rb") as fh:
        fh.seek(layout.sos_offset or 0)
        found, tail = False, b""
        while chunk := fh.read(1 << 20):
            if b"\xff\xd9" in tail + chunk:
                found = True
                break
            tail = chunk[-1:]
    if not found:
        raise _fail(name, "the JPEG is truncated: its image data has no end marker (upload cut short?)")
    _decode_check(path, name, "JPEG", limits)


def _check_bytes(name: str, decoded: int, limits: UploadLimits, what: str) -> None:
    if decoded > limits.max_image_bytes:
        raise _fail(name, f"the {what} would take {decoded:,} bytes decoded, over the budget of "
                          f"{limits.max_image_bytes:,}: refused as a possible decompression bomb")


def _decode_check(path: Path, name: str, what: str, limits: UploadLimits) -> None:
    """Decode the pixels (JPEG at 1/8 scale, which is cheap) so corrupt entropy data is caught now. Only called
    after the header's dimensions passed; Pillow's own limit is held at the same cap as a second guard."""
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    try:
        with Image.open(path) as im:
            if what == "JPEG":
                im.draft("RGB", (max(1, im.width // 8), max(1, im.height // 8)))
            im.load()
    except Image.DecompressionBombError as exc:
        raise _fail(name, f"refused as a possible decompression bomb ({exc})") from exc
    except (OSError, SyntaxError, ValueError, struct.error) as exc:
        raise _fail(name, f"the {what} cannot be decoded: {exc}") from exc


def _check_png(path: Path, name: str, head: bytes, limits: UploadLimits) -> None:
    if len(head) < 24 or head[12:16] != b"IHDR":
        raise _fail(name, "broken PNG: no IHDR header")
    width, height = struct.unpack(">II", head[16:24])
    _check_pixels(name, width, height, limits.max_pixels, "PNG")
    bit_depth, colour_type = head[24], head[25]
    samples = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour_type, 4)
    _check_bytes(name, width * height * samples * max(1, bit_depth // 8), limits, "PNG")
    _decode_check(path, name, "PNG", limits)


def _check_tiff_header(path: Path, name: str, limits: UploadLimits) -> None:
    """The declared size of a TIFF, read from its header before any block is decoded."""
    import rasterio
    from rasterio.errors import RasterioError

    try:
        with rasterio.open(path) as ds:
            width, height, georeferenced = ds.width, ds.height, ds.crs is not None
    except (RasterioError, UnicodeDecodeError):
        return  # not readable by GDAL: read_imagery_info reports it
    limit = limits.max_raster_pixels if georeferenced else limits.max_pixels
    _check_pixels(name, width, height, limit, "TIFF")


def _check_las(path: Path, name: str, head: bytes, size: int, fmt: str) -> None:
    if len(head) < 227:
        raise _fail(name, "the LAS header is cut short")
    (offset,) = struct.unpack_from("<I", head, 96)
    (record_len,) = struct.unpack_from("<H", head, 105)
    (count,) = struct.unpack_from("<I", head, 107)
    if head[24] == 1 and head[25] >= 4 and len(head) >= 255:
        (count,) = struct.unpack_from("<Q", head, 247)
    if offset > size:
        raise _fail(name, "the LAS file is cut short: its point data starts past the end")
    if fmt == "las" and offset + count * record_len > size:
        raise _fail(name, f"the LAS file is cut short: {count:,} points of {record_len} bytes do not fit")


def _is_unsafe_member(member: str) -> str | None:
    """Why a zip entry name is unsafe, or None. Zip names use '/', but Windows tools sometimes write '\\'."""
    normalised = member.replace("\\", "/")
    if not normalised or "\x00" in normalised:
        return "an empty or NUL-containing name"
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        return "an absolute path"
    if ".." in PurePosixPath(normalised).parts:
        return "a '..' path that escapes the archive"
    return None


def safe_zip_members(path: Path, *, limits: UploadLimits = UploadLimits()) -> list[zipfile.ZipInfo]:
    """The entries of a zip archive, refusing path escapes, links, encrypted entries and zip bombs."""
    name = Path(path).name
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _fail(name, f"not a readable zip archive ({exc})") from exc
    if len(infos) > limits.max_zip_entries:
        raise _fail(name, f"the archive has {len(infos):,} entries, over the limit of {limits.max_zip_entries:,}")
    total = 0
    for info in infos:
        why = _is_unsafe_member(info.filename)
        if why:
            raise _fail(name, f"archive entry {info.filename!r} is refused: {why}")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise _fail(name, f"archive entry {info.filename!r} is a symbolic link")
        if info.flag_bits & 0x1:
            raise _fail(name, f"archive entry {info.filename!r} is encrypted")
        if info.compress_size and info.file_size / info.compress_size > limits.max_zip_ratio:
            raise _fail(name, f"archive entry {info.filename!r} expands {info.file_size / info.compress_size:.0f}x: "
                              "refused as a zip bomb")
        total += info.file_size
    if total > limits.max_zip_bytes:
        raise _fail(name, f"the archive expands to {total:,} bytes, over the limit of {limits.max_zip_bytes:,}")
    return infos


def safe_extract_zip(path: Path, dest: Path, *, limits: UploadLimits = UploadLimits()) -> list[Path]:
    """Extract into `dest` (which must not exist yet) after safe_zip_members; on any failure `dest` is removed,
    so nothing half-extracted is left. Sizes are enforced while copying, not trusted from the directory."""
    dest = Path(dest)
    infos = safe_zip_members(path, limits=limits)
    dest.mkdir(parents=True, exist_ok=False)
    root = dest.resolve()
    written: list[Path] = []
    try:
        with zipfile.ZipFile(path) as zf:
            for info in infos:
                target = (root / info.filename.replace("\\", "/")).resolve()
                if not target.is_relative_to(root):
                    raise _fail(Path(path).name, f"archive entry {info.filename!r} escapes the destination")
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "xb") as out:
                    copied = 0
                    while chunk := src.read(1 << 20):
                        copied += len(chunk)
                        if copied > info.file_size:
                            raise _fail(Path(path).name, f"archive entry {info.filename!r} is larger than declared")
                        out.write(chunk)
                written.append(target)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return written


def validate_upload(
    path: Path,
    kind_hint: str | None = None,
    declared_name: str | None = None,
    *,
    limits: UploadLimits | None = None,
    **limit_overrides: Any,
) -> ImageryInfo:
    """Check one uploaded file and return what it is. Raises ImageryError naming the file and the problem.

    `declared_name` is the name the sender gave (the stored temp file may have none); its extension must agree
    with the content. `kind_hint` (an Asset kind) must agree with what the file turns out to be, if given.
    Limits can be passed as an UploadLimits or as keywords (max_pixels=..., max_zip_bytes=...).
    """
    path = Path(path)
    limits = limits or UploadLimits()
    if limit_overrides:
        limits = UploadLimits(**{**limits.__dict__, **limit_overrides})
    name = declared_name or path.name
    if not path.is_file():
        raise _fail(name, "the upload is missing")
    size = path.stat().st_size
    if size == 0:
        raise _fail(name, "the file is empty")
    with open(path, "rb") as fh:
        head = fh.read(min(size, 16 * 1024 * 1024))
    fmt = sniff_format(head, name)
    _check_extension(name, fmt)
    if fmt not in ACCEPTED_FORMATS:
        raise _fail(name, f"unsupported file type: {_describe(fmt)}")
    if fmt == "jpeg":
        _check_jpeg(path, name, head, limits)
    elif fmt == "png":
        _check_png(path, name, head, limits)
    elif fmt in ("las", "laz"):
        _check_las(path, name, head, size, fmt)
    info: ImageryInfo
    if fmt == "zip":
        infos = safe_zip_members(path, limits=limits)
        info = ImageryInfo(file=name, kind="other", format="zip", size=size)
        info.archive = {
            "entries": len(infos),
            "uncompressed_bytes": sum(i.file_size for i in infos),
            "names": [i.filename for i in infos[:200]],
        }
    else:
        if fmt == "tiff":
            _check_tiff_header(path, name, limits)
        info = read_imagery_info(path, declared_name=name)
    if fmt == "tiff":
        raster = info.raster or {}
        limit = limits.max_raster_pixels if raster.get("crs") else limits.max_pixels
        _check_pixels(name, raster.get("width"), raster.get("height"), limit, "TIFF")
    if info.kind == "video":
        _check_pixels(name, info.width, info.height, limits.max_video_pixels, "video")
    if kind_hint and kind_hint != info.kind and not any(kind_hint in g and info.kind in g for g in _KIND_GROUPS):
        raise _fail(name, f"declared as {kind_hint} but the content is {info.kind} ({_describe(fmt)})")
    return info


def validate_directory(paths: list[Path], **kwargs: Any) -> list[tuple[Path, ImageryInfo | ImageryError]]:
    """validate_upload over many files, collecting errors instead of stopping at the first."""
    out: list[tuple[Path, ImageryInfo | ImageryError]] = []
    for p in paths:
        try:
            out.append((p, validate_upload(p, **kwargs)))
        except ImageryError as exc:
            out.append((p, exc))
    return out


__all__ = [
    "UploadLimits",
    "safe_extract_zip",
    "safe_zip_members",
    "validate_directory",
    "validate_upload",
]
