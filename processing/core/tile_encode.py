"""Encoding of rendered 256×256 RGBA tiles (PNG by hand, WebP and JPEG through OpenCV), shared by the tile endpoint
and the pyramid export so both give the same bytes."""

from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np

from .errors import TileError

try:  # ISA-L deflate: same zlib stream, several times faster than zlib at the same size
    from isal.isal_zlib import compress as _deflate

    _DEFLATE_LEVEL = 2
except ImportError:  # pragma: no cover - isal is a declared dependency; zlib keeps the code working
    from zlib import compress as _deflate

    _DEFLATE_LEVEL = 1

TILE_SIZE = 256
FORMATS = {"png": "image/png", "webp": "image/webp", "jpg": "image/jpeg"}
WEBP_QUALITY = 90
JPEG_QUALITY = 90

_EMPTY: dict[str, bytes] = {}


def encode_tile(rgba: np.ndarray, fmt: str, coverage: str | None = None) -> bytes:
    """Encode one 256x256 RGBA tile. `coverage` ("empty", "full" or "partial", from `tile_coverage`) may be
    passed when already known; a fully transparent tile is encoded once and reused."""
    if fmt not in FORMATS:
        raise TileError(f"unknown tile format {fmt!r}; use one of {', '.join(FORMATS)}")
    if coverage is None:
        coverage = tile_coverage(rgba[None, :, None])[0][0]
    if coverage == "empty" and fmt in _EMPTY:
        return _EMPTY[fmt]
    if fmt == "png":
        # Opaque tiles are written as RGB: a quarter less to compress and to send.
        data = encode_png(cv2.cvtColor(rgba, cv2.COLOR_RGBA2RGB) if coverage == "full" else rgba)
    else:
        if fmt == "webp":
            ok, buf = cv2.imencode(".webp", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA),
                                   [cv2.IMWRITE_WEBP_QUALITY, WEBP_QUALITY])
        else:
            ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGR),
                                   [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise TileError(f"cannot encode a {fmt} tile")
        data = buf.tobytes()
    if coverage == "empty":
        _EMPTY[fmt] = data
    return data


def tile_coverage(block: np.ndarray) -> list[list[str]]:
    """[row][col] "empty" / "full" / "partial" for each 256x256 tile of a (ny, 256, nx, 256, 4)-viewable block."""
    if block.ndim == 3:
        h, w, _ = block.shape
        block = block.reshape(h // TILE_SIZE, TILE_SIZE, w // TILE_SIZE, TILE_SIZE, 4)
    alpha = block[..., 3]
    low, high = alpha.min(axis=(1, 3)), alpha.max(axis=(1, 3))
    return [["empty" if hi == 0 else "full" if lo == 255 else "partial" for lo, hi in zip(lrow, hrow, strict=True)]
            for lrow, hrow in zip(low, high, strict=True)]


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def encode_png(pixels: np.ndarray) -> bytes:
    """PNG of an RGB or RGBA uint8 array whose rows are contiguous: "Up" filter on every row but the first.

    OpenCV's encoder spends most of its time in zlib; the same stream from ISA-L is 4-6x faster.
    """
    height, width, channels = pixels.shape
    rows = pixels.reshape(height, width * channels)  # a view when each row is contiguous
    raw = np.empty((height, width * channels + 1), dtype=np.uint8)
    raw[0, 0] = 0
    raw[0, 1:] = rows[0]
    raw[1:, 0] = 2
    np.subtract(rows[1:], rows[:-1], out=raw[1:, 1:])
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if channels == 4 else 2, 0, 0, 0)
    return b"".join((
        b"\x89PNG\r\n\x1a\n",
        _png_chunk(b"IHDR", header),
        _png_chunk(b"IDAT", _deflate(raw, _DEFLATE_LEVEL)),
        _png_chunk(b"IEND", b""),
    ))
