"""Load: gunicorn on PostgreSQL with realistic volumes, wrk against the tile endpoint and the main list pages,
parallel tus uploads of real photos; throughput, p50/p99, errors and the server's memory.

    .venv/bin/python -m bench.load [--duration 15] [--workers CPUS+1] [--threads 2] [--uploads 48]

A fresh PostgreSQL database (DATABASE_URL's server, default 127.0.0.1:5432, dropped afterwards) is seeded with
5,000 flight requests (1,000 with an order and a flight), 300 surveys holding 20,000 assets between them and one
survey with a COG of the Bali orthophoto. Then, under `gunicorn -w W --threads T`:
- wrk -t2 -c16 for --duration seconds on each of: map tiles (every tile of z17-20 at random), the request list
  (random pages of 5,000 rows, as the procurement officer), the survey list and one survey page with 67 files;
- --uploads real photos (drone/caliterra-half) sent through tus by 8 clients at once (256 KB chunks, token auth).
Memory is the sum of the gunicorn processes' resident set, sampled every 0.2 s. Results go to
bench/out/load.json and docs/security.md ("Load").
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.tile_load import ensure_wrk, to_ms

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED_DATA_DIR", ROOT.parent / "shared" / "data"))
OUT = ROOT / "bench" / "out"

SEED = """
import json, os
from datetime import timedelta
from pathlib import Path
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.files import File
from django.utils import timezone
from rest_framework.authtoken.models import Token
from processing.core.cog import to_cog
from processing.core.tiles import open_source, tiles_for_zoom
from surveys.models import Asset, Blob, Site, Survey
from tests.factories import make_cast
from tests.booking.test_lists import many_requests
from tests.surveys.helpers import make_delivery

work = Path(os.environ["BENCH_WORK"])
cast = make_cast()
many_requests(cast, 5000, prefix="LOAD", orders=1000, flights=True)
site = Site.objects.create(name="Load site", geometry={})
surveys = Survey.objects.bulk_create(Survey(site=site, status="delivered") for _ in range(300))
blobs, assets = [], []
for i in range(20000):
    sha = hashlib.sha256(str(i).encode()).hexdigest()
    blobs.append(Blob(sha256=sha, file=f"blobs/{sha[:2]}/{sha}.jpg", size=4_000_000 + i))
Blob.objects.bulk_create(blobs, batch_size=2000)
blobs = list(Blob.objects.order_by("id"))
for i, blob in enumerate(blobs):
    assets.append(Asset(survey=surveys[i % 300], kind="photo", blob=blob, file=blob.file,
                        original_name=f"DJI_{i:05d}.JPG", sha256=blob.sha256, size=blob.size,
                        lat=56.41 + (i % 97) * 1e-5, lon=-5.47 + (i % 89) * 1e-5))
Asset.objects.bulk_create(assets, batch_size=2000)
mapped = Survey.objects.create(site=site, status="delivered", map_state="ready")
cog = to_cog(Path(os.environ["BENCH_SRC"]), work / "bench-cog.tif")
with open(cog, "rb") as fh:
    mapped.orthophoto.save("bench.tif", File(fh, name="bench.tif"))
with open_source(cog) as source:
    tiles = [t for z in range(17, 21) for t in tiles_for_zoom(source, z)]

def session_for(user):
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return s.session_key

uploads = [make_delivery(cast, start=timezone.now() - timedelta(hours=2)).pk for _ in range(3)]
print(json.dumps({"mapped": mapped.pk, "tiles": tiles, "busy_survey": surveys[0].pk,
                  "officer": session_for(cast.procurement),
                  "contractor_token": Token.objects.get_or_create(user=cast.contractor)[0].key,
                  "upload_surveys": uploads}))
"""

LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
math.randomseed(42)
request = function()
  return wrk.format("GET", paths[math.random(#paths)], {["Cookie"] = "sessionid=%s"})
end
"""


def rss_kb(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def gunicorn_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    kids = [int(p) for p in children.read_text().split()] if children.exists() else []
    return [master, *kids]


def run_wrk(wrk: str, base: str, work: Path, name: str, urls: list[str], session: str, duration: int) -> dict:
    (work / f"{name}.txt").write_text("\n".join(urls) + "\n")
    (work / f"{name}.lua").write_text(LUA % (work / f"{name}.txt", session))
    out = subprocess.run([wrk, "-t2", "-c16", f"-d{duration}s", "--latency", "-s", str(work / f"{name}.lua"), base],
                         capture_output=True, text=True, check=True).stdout
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.MULTILINE))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {"requests": total, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": to_ms(pct["50"]), "p99_ms": to_ms(pct["99"]),
            "errors": int(errors.group(1)) if errors else 0, "socket_errors": socket_errors.group(1) if socket_errors
            else ""}


def tus_send(base: str, token: str, survey: int, photo: Path, chunk: int = 256 * 1024) -> tuple[float, int]:
    data = photo.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    meta = f"filename {base64.b64encode(photo.name.encode()).decode()},sha256 {base64.b64encode(sha.encode()).decode()}"
    auth = {"Authorization": f"Token {token}", "Tus-Resumable": "1.0.0"}
    start = time.perf_counter()
    req = urllib.request.Request(f"{base}/api/v1/surveys/{survey}/uploads/", method="POST", data=b"",
                                 headers={**auth, "Upload-Length": str(len(data)), "Upload-Metadata": meta})
    with urllib.request.urlopen(req, timeout=60) as r:  # noqa: S310 - the local server
        url, offset = r.headers["Location"], int(r.headers["Upload-Offset"])
    url = url if url.startswith("http") else base + url
    status = 201
    while offset < len(data):
        part = data[offset:offset + chunk]
        req = urllib.request.Request(url, method="PATCH", data=part, headers={
            **auth, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream",
            "Upload-Checksum": "sha256 " + base64.b64encode(hashlib.sha256(part).digest()).decode()})
        with urllib.request.urlopen(req, timeout=120) as r:  # noqa: S310 - the local server
            status, offset = r.status, int(r.headers["Upload-Offset"])
    return time.perf_counter() - start, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--uploads", type=int, default=48)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    wrk = ensure_wrk()
    db = f"skysurvey_load_{os.getpid()}"
    server_url = os.environ.get("LOAD_PG", "postgres://postgres@127.0.0.1:5432")
    subprocess.run(["psql", f"{server_url}/postgres", "-qc", f"CREATE DATABASE {db}"], check=True)
    results: dict[str, object] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
            work = Path(tmp)
            env = {**os.environ, "DATABASE_URL": f"{server_url}/{db}", "MEDIA_ROOT": str(work / "media"),
                   "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_LEVEL": "WARNING",
                   "API_THROTTLE_USER": "1000000/hour", "API_THROTTLE_ANON": "1000000/hour"}
            env.pop("REDIS_URL", None)
            py = [sys.executable, "manage.py"]
            subprocess.run([*py, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
            t = time.perf_counter()
            seeded = subprocess.run([*py, "shell", "--no-imports", "-c", "import hashlib\n" + SEED], cwd=ROOT,
                                    env={**env, "BENCH_WORK": str(work),
                                         "BENCH_SRC": str(SHARED / "orthophotos" / "pix4d-bali.tif")},
                                    check=True, capture_output=True, text=True)
            info = json.loads(seeded.stdout.strip().splitlines()[-1])
            print(f"seeded 5,000 requests, 300 surveys, 20,000 assets in {time.perf_counter() - t:.0f} s")
            server = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{args.port}",
                 "-w", str(args.workers), "--threads", str(args.threads), "--timeout", "120"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            peak = {"kb": 0}
            sampling = threading.Event()

            def sample() -> None:
                while not sampling.is_set():
                    peak["kb"] = max(peak["kb"], rss_kb(gunicorn_pids(server.pid)))
                    time.sleep(0.2)

            try:
                base = f"http://127.0.0.1:{args.port}"
                for _ in range(150):
                    try:
                        urllib.request.urlopen(base + "/accounts/login/", timeout=2)  # noqa: S310
                        break
                    except OSError:
                        time.sleep(0.2)
                sampler = threading.Thread(target=sample, daemon=True)
                sampler.start()
                session = info["officer"]
                tile_urls = [f"/tiles/surveys/{info['mapped']}/{z}/{x}/{y}.png" for z, x, y in info["tiles"]]
                runs = {
                    "tiles": tile_urls,
                    "request list (5,000 rows, random page)": [f"/requests/?page={p}" for p in range(1, 100)],
                    "request list search": [f"/requests/?q=Site+{i}" for i in range(1, 400, 7)],
                    "survey list": [f"/surveys/?page={p}" for p in range(1, 8)],
                    "survey page (67 files)": [f"/surveys/{info['busy_survey']}/"],
                    "API request list": [f"/api/v1/requests/?page={p}" for p in range(1, 50)],
                }
                for name, urls in runs.items():
                    for url in urls[:3]:  # warm and check each answers 200
                        req = urllib.request.Request(base + url, headers={"Cookie": f"sessionid={session}"})
                        with urllib.request.urlopen(req, timeout=60) as r:  # noqa: S310
                            assert r.status == 200, (url, r.status)
                    results[name] = run_wrk(wrk, base, work, re.sub(r"\W+", "_", name), urls, session, args.duration)
                    r = results[name]
                    print(f"{name}: {r['requests']} requests, {r['rps']:.0f} req/s, p50 {r['p50_ms']:.0f} ms, "
                          f"p99 {r['p99_ms']:.0f} ms, {r['errors']} errors {r['socket_errors']}")
                photos = sorted((SHARED / "drone" / "caliterra-half").glob("*.jpg"))[: args.uploads]
                surveys = info["upload_surveys"]
                t = time.perf_counter()
                with concurrent.futures.ThreadPoolExecutor(8) as pool:
                    futures = [pool.submit(tus_send, base, info["contractor_token"], surveys[i % len(surveys)], p)
                               for i, p in enumerate(photos)]
                    outcomes = []
                    for f in futures:
                        try:
                            outcomes.append(f.result())
                        except (urllib.error.URLError, OSError) as exc:
                            outcomes.append((float("nan"), getattr(exc, "code", 0)))
                wall = time.perf_counter() - t
                times = sorted(s for s, code in outcomes if code == 204)
                size_mb = sum(p.stat().st_size for p in photos) / 1e6
                results["tus uploads"] = {
                    "files": len(photos), "stored": len(times), "errors": len(photos) - len(times),
                    "MB": round(size_mb, 1), "MB_per_s": round(size_mb / wall, 1),
                    "p50_s": round(statistics.median(times), 2) if times else None,
                    "p99_s": round(times[min(len(times) - 1, int(0.99 * len(times)))], 2) if times else None}
                r = results["tus uploads"]
                print(f"tus uploads: {r['stored']}/{r['files']} stored ({r['MB']} MB, {r['MB_per_s']} MB/s with 8 "
                      f"clients), per file p50 {r['p50_s']} s p99 {r['p99_s']} s, {r['errors']} errors")
            finally:
                sampling.set()
                server.terminate()
                server.wait(timeout=20)
            results["server"] = {"gunicorn": f"-w {args.workers} --threads {args.threads}",
                                 "peak_rss_MB": round(peak["kb"] / 1024), "load_average": os.getloadavg()}
            print(f"gunicorn -w {args.workers} --threads {args.threads}: peak resident memory "
                  f"{peak['kb'] / 1024:.0f} MB (all processes); load average {os.getloadavg()[0]:.1f}")
    finally:
        subprocess.run(["psql", f"{server_url}/postgres", "-qc", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"],
                       check=False)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "load.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
