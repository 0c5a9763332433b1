"""export_tiles' worker pool never outlives the call: not when it succeeds, not when a worker fails mid-way,
not on KeyboardInterrupt; and a failed export leaves no half-written tile."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from processing.core.pyramid import export_tiles
from processing.core.tiles import open_source, tile_range


@pytest.fixture(scope="module")
def bali(shared_data: Path) -> Path:
    return shared_data / "orthophotos" / "pix4d-bali.tif"


def _children() -> list[str]:
    """Every descendant of this process (pool workers are the forkserver's children), zombies included, but the
    forkserver and the resource tracker themselves (shared by every pool by design): "pid state"."""
    procs: dict[int, tuple[int, str, bytes]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        procs[int(entry.name)] = (int(ppid), state, cmdline)
    found, parents = [], {os.getpid()}
    while parents:
        kids = {pid for pid, (ppid, _, _) in procs.items() if ppid in parents}
        found += [f"{pid} {procs[pid][1]}" for pid in kids
                  if b"forkserver" not in procs[pid][2] and b"resource_tracker" not in procs[pid][2]]
        parents = kids
    return found


def _block_a_tile(out: Path, src: Path, z: int) -> None:
    """A directory where one tile of zoom z must go: its worker writes the .partial, then cannot rename it."""
    with open_source(src) as source:
        _x0, _y0, x1, y1 = tile_range(source, z)
    (out / str(z) / str(x1) / f"{y1}.png").mkdir(parents=True)


@pytest.mark.parametrize("start_method", ["forkserver", "fork"])
def test_a_worker_failing_mid_export_leaves_no_worker_and_no_partial_tile(bali, tmp_path, start_method):
    before = {c.split()[0] for c in _children()}  # other tests\' processes (a browser, a live server)
    out = tmp_path / "tiles"
    _block_a_tile(out, bali, 20)
    with pytest.raises(OSError):
        export_tiles(bali, out, zooms=range(17, 21), processes=2, start_method=start_method)
    assert [p for p in multiprocessing.active_children() if p.pid not in kept] == []
    assert [c for c in _children() if c.split()[0] not in before] == []
    assert list(out.rglob("*.partial")) == []
    assert all(p.stat().st_size > 0 for p in out.rglob("*.png") if p.is_file())


def test_keyboard_interrupt_stops_and_joins_the_workers(bali, tmp_path):
    before = {c.split()[0] for c in _children()}  # other tests\' processes (a browser, a live server)
    out = tmp_path / "tiles"
    calls = []

    def progress(fraction: float, message: str) -> None:
        calls.append(message)
        if len(calls) == 2:  # the first block is done: the user presses Ctrl-C
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export_tiles(bali, out, zooms=range(15, 21), processes=2, progress=progress)
    assert len([p for p in out.rglob("*.png") if p.is_file()]) < 90  # queued blocks were cancelled, not rendered
    assert [p for p in multiprocessing.active_children() if p.pid not in kept] == []
    assert [c for c in _children() if c.split()[0] not in before] == []
    assert list(out.rglob("*.partial")) == []


@pytest.mark.parametrize("start_method", ["forkserver", "fork"])
def test_a_finished_export_leaves_no_worker(bali, tmp_path, start_method):
    before = {c.split()[0] for c in _children()}  # other tests\' processes (a browser, a live server)
    assert export_tiles(bali, tmp_path, zooms=range(15, 19), processes=2, start_method=start_method) == 10
    assert [p for p in multiprocessing.active_children() if p.pid not in kept] == []
    assert [c for c in _children() if c.split()[0] not in before] == []
