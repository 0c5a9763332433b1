"""One fuzz target under atheris (libFuzzer), one process. Started by `python -m bench.fuzz`; by hand:

    .venv/bin/python -m bench.fuzz.worker NAME --seconds 60 --out bench/out/fuzz/NAME [libFuzzer args...]

A crash does not stop the run: each new one (exception type and the innermost project frame) is written to
OUT/crash-<id>.bin with its traceback in OUT/crash-<id>.txt, and fuzzing goes on. A hang (libFuzzer -timeout) or
an over-large memory use (-rss_limit_mb) ends the process with libFuzzer's own artifact in OUT.
Figures (executions, crashes) go to OUT/stats.json once a second and when the time is up.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path

# The readers' modules, imported under atheris's instrumentation so coverage guides the mutations.
READER_MODULES = ("yaml", "exifread", "defusedxml.ElementTree", "policy.core.importers.yaixm",
                  "policy.core.importers.layers", "booking.geometry", "processing.core.xmp", "processing.core.exif",
                  "processing.core.metadata", "processing.core.video", "processing.core.gcp",
                  "processing.core.geotiff", "processing.core.validate", "processing.core.cameras",
                  "processing.core.footprint", "inspection.core.formats", "inspection.core.geometry")


def signature(exc: BaseException) -> str:
    """Type and place of a crash: the innermost frame in the project, else the innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    root = str(Path(__file__).resolve().parent.parent.parent)
    ours = [f for f in frames if f.filename.startswith(root) and "/bench/" not in f.filename
            and "/.venv/" not in f.filename]
    where = (ours or frames or [None])[-1]
    place = f"{Path(where.filename).relative_to(root) if where.filename.startswith(root) else where.filename}:" \
            f"{where.lineno}" if where else "?"
    return f"{type(exc).__name__} at {place}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--out", type=Path, required=True)
    args, libfuzzer_args = parser.parse_known_args()

    import atheris

    from .targets import INSTRUMENTED, TARGETS

    with atheris.instrument_imports(include=list(INSTRUMENTED)):
        for module in READER_MODULES:
            importlib.import_module(module)
    import logging

    logging.disable(logging.CRITICAL)  # rasterio/GDAL warnings about broken files: expected, and slow to print
    os.environ.setdefault("CPL_LOG", "/dev/null")
    target = TARGETS[args.name]
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    stats = {"target": target.name, "reader": target.reader, "seconds": args.seconds, "executions": 0,
             "crashes": {}}
    start = time.monotonic()
    deadline = start + args.seconds
    last_flush = [start]

    def flush() -> None:
        stats["elapsed_s"] = round(time.monotonic() - start, 1)
        tmp = out / "stats.json.partial"
        tmp.write_text(json.dumps(stats, indent=1))
        os.replace(tmp, out / "stats.json")

    def one_input(data: bytes) -> None:
        now = time.monotonic()
        if now >= deadline:
            flush()
            sys.stdout.flush()
            os._exit(0)
        stats["executions"] += 1
        try:
            target.run(data)
        except Exception as exc:  # every exception escaping a target is a crash
            sig = signature(exc)
            if sig not in stats["crashes"]:
                key = hashlib.sha1(sig.encode()).hexdigest()[:10]
                (out / f"crash-{key}.bin").write_bytes(data)
                (out / f"crash-{key}.txt").write_text(f"{sig}\n\n{''.join(traceback.format_exception(exc))}")
                stats["crashes"][sig] = {"file": f"crash-{key}.bin", "first_at_execution": stats["executions"]}
                print(f"CRASH {target.name}: {sig}", file=sys.stderr, flush=True)
                flush()
        if now - last_flush[0] > 1:
            last_flush[0] = now
            flush()

    flush()
    atheris.Setup([sys.argv[0], *libfuzzer_args], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
