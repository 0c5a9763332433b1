"""Fuzz every parser of outside input for a bounded time, one target after another, one process.

    .venv/bin/python -m bench.fuzz --seconds 60 [--only NAME[,NAME...]] [--out bench/out/fuzz]

Needs atheris (`.venv/bin/pip install -e '.[fuzz]'`); not run in CI. Each target (bench/fuzz/targets.py) starts
from seeds made of the shared real data and from the corpus earlier runs left in OUT/corpus/NAME. Crashes go to
OUT/NAME/crash-*.bin with their tracebacks; a fixed one is kept in tests/fuzz_regressions/NAME/ and replayed by
tests/security/test_fuzz_regressions.py. The figures are printed and written to OUT/fuzz.json.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .targets import ROOT, TARGETS


def _dictionary(tokens: tuple[bytes, ...], path: Path) -> Path:
    lines = []
    for tok in tokens:
        escaped = "".join(chr(b) if 32 <= b < 127 and chr(b) not in '"\\' else f"\\x{b:02x}" for b in tok)
        lines.append(f'"{escaped}"')
    path.write_text("\n".join(lines) + "\n")
    return path


def run_target(name: str, seconds: float, out: Path) -> dict:
    target = TARGETS[name]
    work = out / name
    if work.exists():
        shutil.rmtree(work)
    seeds, corpus = work / "seeds", out / "corpus" / name
    seeds.mkdir(parents=True)
    corpus.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate(target.seeds()):
        (seeds / f"seed-{i}").write_bytes(seed)
    regressions = ROOT / "tests" / "fuzz_regressions" / name
    extra = [str(regressions)] if regressions.is_dir() else []
    args = [sys.executable, "-m", "bench.fuzz.worker", name, "--seconds", str(seconds), "--out", str(work),
            f"-dict={_dictionary(target.tokens, work / 'tokens.dict')}" if target.tokens else "-dict=/dev/null",
            "-timeout=20", "-rss_limit_mb=2048", "-max_len=65536", f"-artifact_prefix={work}/",
            f"-max_total_time={int(seconds) + 120}", str(corpus), str(seeds), *extra]
    if not target.tokens:
        args.remove("-dict=/dev/null")
    started = time.monotonic()
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, errors="replace")
    (work / "libfuzzer.log").write_text(proc.stdout + proc.stderr)
    stats = json.loads((work / "stats.json").read_text()) if (work / "stats.json").is_file() else {}
    crashes = dict(stats.get("crashes", {}))
    for kind in ("timeout", "oom", "slow-unit", "crash", "leak"):
        for art in work.glob(f"{kind}-*"):
            if art.suffix in (".bin", ".txt"):
                continue  # ours
            crashes[f"libFuzzer {kind}"] = {"file": art.name}
    if proc.returncode not in (0,) and not any(k.startswith("libFuzzer") for k in crashes):
        tail = re.findall(r"ERROR: libFuzzer: [^\n]+|Uncaught Python exception[^\n]*", proc.stderr)
        crashes[f"exit {proc.returncode}: {tail[-1] if tail else 'see libfuzzer.log'}"] = {}
    return {"target": name, "reader": target.reader, "seconds": round(time.monotonic() - started, 1),
            "executions": stats.get("executions", 0), "corpus": len(list(corpus.iterdir())), "crashes": crashes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="fuzzing time per target")
    parser.add_argument("--only", action="append", help="target name(s), comma-separated; default all")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "fuzz")
    args = parser.parse_args()
    names = [n for spec in (args.only or []) for n in spec.split(",") if n] or list(TARGETS)
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        sys.exit(f"unknown target(s) {', '.join(unknown)}; known: {', '.join(TARGETS)}")
    try:
        import atheris  # noqa: F401
    except ImportError:
        sys.exit("atheris is not installed: .venv/bin/pip install -e '.[fuzz]'")
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for name in names:
        result = run_target(name, args.seconds, args.out)
        results.append(result)
        found = "; ".join(result["crashes"]) or "none"
        print(f"{name:14} {result['seconds']:6.0f} s {result['executions']:>9,} executions  "
              f"corpus {result['corpus']:>4}  crashes: {found}", flush=True)
    summary = args.out / "fuzz.json"
    previous = json.loads(summary.read_text()) if summary.is_file() else {}
    previous.update({r["target"]: r for r in results})
    summary.write_text(json.dumps(previous, indent=1))
    if any(r["crashes"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
