"""Tile endpoint under load: a real server on a seeded survey with a COG, warmed, then wrk (16 connections).

    .venv/bin/python -m bench.tile_load [--src COG_OR_TIFF] [--zoom 17-21] [--duration 20] [--port 8765]
                                        [--server gunicorn|runserver] [--workers CPUS+1] [--threads 2]

Starts the server (default: gunicorn, the production story, --workers processes × --threads threads; or the
threaded `manage.py runserver --noreload`) on a throw-away SQLite database and media folder, seeds an admin and a
survey whose orthophoto is a COG of --src, logs in (session cookie), requests every tile of the zoom range once
(warm: datasets opened, OS cache hot), then runs `wrk -t2 -c16 -d20s --latency` with a Lua script that picks
tile URLs at random. Prints requests/s and the p50/p90/p99 latency. wrk comes from Debian (installed if missing).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED_DATA_DIR", ROOT.parent / "shared" / "data"))

SEED = """
import json, os
from pathlib import Path
from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.files import File
from surveys.models import Site, Survey
from processing.core.cog import to_cog
from processing.core.tiles import open_source, tiles_for_zoom

src, work = os.environ["BENCH_SRC"], Path(os.environ["BENCH_WORK"])
zmin, zmax = int(os.environ["BENCH_ZMIN"]), int(os.environ["BENCH_ZMAX"])
User = get_user_model()
user = User.objects.create_superuser("bench", "bench@example.org", "bench-password-1")
site = Site.objects.create(name="Bench site", geometry={})
survey = Survey.objects.create(site=site, status="delivered", map_state="ready")
cog = to_cog(Path(src), work / "bench-cog.tif")
with open(cog, "rb") as fh:
    survey.orthophoto.save("bench.tif", File(fh, name="bench.tif"))
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
with open_source(cog) as source:
    tiles = [t for z in range(zmin, zmax + 1) for t in tiles_for_zoom(source, z)]
print(json.dumps({"survey": survey.pk, "session": session.session_key, "tiles": tiles}))
"""

LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
math.randomseed(42)
request = function()
  return wrk.format("GET", paths[math.random(#paths)], {["Cookie"] = "sessionid=%s"})
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: installing Debian's wrk", file=sys.stderr)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("wrk") or sys.exit("wrk is still missing")


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", type=Path, default=SHARED / "orthophotos" / "pix4d-bali.tif")
    parser.add_argument("--zoom", default="17-21")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--server", choices=["gunicorn", "runserver"], default="gunicorn")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=2, help="gunicorn threads per process")
    args = parser.parse_args()
    wrk = ensure_wrk()
    zmin, zmax = (int(v) for v in args.zoom.split("-"))
    with tempfile.TemporaryDirectory(prefix="bench-tile-load-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}", "MEDIA_ROOT": str(work / "media"),
               "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_LEVEL": "WARNING"}
        py = [sys.executable, "manage.py"]
        subprocess.run([*py, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        seed_env = {**env, "BENCH_SRC": str(args.src), "BENCH_WORK": str(work), "BENCH_ZMIN": str(zmin),
                    "BENCH_ZMAX": str(zmax)}
        seeded = subprocess.run([*py, "shell", "--no-imports", "-c", SEED], cwd=ROOT, env=seed_env, check=True,
                                capture_output=True, text=True)
        info = json.loads(seeded.stdout.strip().splitlines()[-1])
        urls = [f"/tiles/surveys/{info['survey']}/{z}/{x}/{y}.png" for z, x, y in info["tiles"]]
        (work / "paths.txt").write_text("\n".join(urls) + "\n")
        (work / "tiles.lua").write_text(LUA % (work / "paths.txt", info["session"]))
        if args.server == "gunicorn":
            command = [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{args.port}",
                       "-w", str(args.workers), "--threads", str(args.threads)]
        else:
            command = [*py, "runserver", "--noreload", f"127.0.0.1:{args.port}"]
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{args.port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/accounts/login/", timeout=2)
                    break
                except OSError:
                    time.sleep(0.2)
            start = time.perf_counter()
            for url in urls:
                req = urllib.request.Request(base + url, headers={"Cookie": f"sessionid={info['session']}"})
                with urllib.request.urlopen(req, timeout=30) as response:
                    assert response.status == 200 and response.headers["Content-Type"] == "image/png"
            cold = time.perf_counter() - start
            out = subprocess.run([wrk, "-t2", "-c16", f"-d{args.duration}s", "--latency", "-s",
                                  str(work / "tiles.lua"), base], capture_output=True, text=True, check=True).stdout
        finally:
            server.terminate()
            server.wait(timeout=10)
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.MULTILINE))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    server_name = (f"gunicorn -w {args.workers} --threads {args.threads}" if args.server == "gunicorn"
                   else "runserver (threaded)")
    print(f"{server_name}; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"source {args.src.name}, zoom {args.zoom}: {len(urls)} distinct tiles, first pass {cold:.1f} s "
          f"({1000 * cold / len(urls):.1f} ms/tile, one client)")
    print(f"wrk -t2 -c16 -d{args.duration}s: {rps} req/s, p50 {to_ms(pct['50']):.1f} ms, "
          f"p90 {to_ms(pct['90']):.1f} ms, p99 {to_ms(pct['99']):.1f} ms"
          + (f", {errors.group(1)} non-2xx" if errors else ""))


if __name__ == "__main__":
    main()
