"""Pre-rendered XYZ pyramid (out_dir/{z}/{x}/{y}.{fmt}) for offline use or a CDN: blocks of up to BLOCK×BLOCK tiles
rendered in one warp by `tiles.render_block`, sliced, and encoded with `tile_encode.encode_tile`, so every tile is
byte-identical to what the tile endpoint serves."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import TileError
from .tile_encode import FORMATS, TILE_SIZE, encode_tile, tile_coverage
from .tiles import TileSource, open_source, render_block, tile_range

BLOCK = 8  # up to 8×8 tiles (2048×2048 px) in one warp

Progress = Callable[[float, str], None]

_worker_source: tuple[int, TileSource] | None = None  # (pid, source): never reuse a handle across fork


def _blocks(source: TileSource, zooms: range) -> list[tuple[int, int, int, int, int]]:
    units = []
    for z in zooms:
        x0, y0, x1, y1 = tile_range(source, z)
        for bx in range(x0, x1 + 1, BLOCK):
            for by in range(y0, y1 + 1, BLOCK):
                units.append((z, bx, by, min(BLOCK, x1 + 1 - bx), min(BLOCK, y1 + 1 - by)))
    # Big blocks first so the pool's last tasks are small ones.
    units.sort(key=lambda u: -u[3] * u[4])
    return units


def _render_unit(args: tuple[str, str, str, tuple[int, int, int, int, int]]) -> int:
    global _worker_source
    src, out_dir, fmt, (z, x0, y0, nx, ny) = args
    pid = os.getpid()
    if _worker_source is None or _worker_source[0] != pid or _worker_source[1].path != src:
        _worker_source = (pid, open_source(src))
    rgba = render_block(_worker_source[1], z, x0, y0, nx, ny)
    coverage = tile_coverage(rgba)
    for i in range(nx):
        for j in range(ny):
            tile = rgba[j * TILE_SIZE:(j + 1) * TILE_SIZE, i * TILE_SIZE:(i + 1) * TILE_SIZE]
            data = encode_tile(tile, fmt, coverage[j][i])
            final = os.path.join(out_dir, str(z), str(x0 + i), f"{y0 + j}.{fmt}")
            tmp = f"{final}.{pid}.partial"
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, final)  # a tile file is either absent or complete
    return nx * ny


def export_tiles(
    src: Path | str,
    out_dir: Path | str,
    *,
    zooms: range,
    processes: int = 1,
    fmt: str = "png",
    progress: Progress | None = None,
    start_method: str = "forkserver",
) -> int:
    """Write out_dir/{z}/{x}/{y}.{fmt} for every tile covering the raster at the given zooms; returns the count.

    Each tile file is written under a temporary name and renamed, so a tile is either complete or absent.
    """
    if fmt not in FORMATS:
        raise TileError(f"unknown tile format {fmt!r}; use one of {', '.join(FORMATS)}")
    with open_source(src) as source:
        units = _blocks(source, zooms)
    out = Path(out_dir)
    for z, x0, _y0, nx, _ny in units:
        for x in range(x0, x0 + nx):
            (out / str(z) / str(x)).mkdir(parents=True, exist_ok=True)
    total = sum(u[3] * u[4] for u in units)
    done = 0
    jobs = [(str(src), str(out), fmt, unit) for unit in units]
    if progress:
        progress(0.0, f"{total} tiles")
    if processes <= 1 or len(jobs) <= 1:
        results: Iterator[int] = map(_render_unit, jobs)
        for count in results:
            done += count
            if progress:
                progress(done / total, f"{done}/{total} tiles")
        return total
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # "fork" is fastest but only safe in a process with no other threads and no GDAL state of its own (a fresh
    # CLI process); elsewhere a forkserver gives clean workers. A worker that dies raises instead of hanging.
    ctx = multiprocessing.get_context(start_method)
    if start_method == "forkserver":
        ctx.set_forkserver_preload([__name__])
    # Not a `with` block: leaving one on an error waits for every queued block to render. Here a failure (in a
    # worker, a KeyboardInterrupt, a progress callback) cancels what is queued, stops the workers mid-tile and
    # joins them, so no worker outlives the call and no .partial file is left behind by one.
    pool = ProcessPoolExecutor(min(processes, len(jobs)), mp_context=ctx)
    try:
        for future in as_completed([pool.submit(_render_unit, job) for job in jobs]):
            done += future.result()
            if progress:
                progress(done / total, f"{done}/{total} tiles")
    except BaseException:
        workers = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join()
        pool.shutdown(wait=True)
        for partial in out.rglob("*.partial"):  # what a stopped worker was writing
            partial.unlink(missing_ok=True)
        raise
    pool.shutdown(wait=True)
    return total
