"""Start-up stays light: loading Django, the apps, the admin and the whole URL conf (what every command, worker
and web process does) imports none of the slow libraries; the code that needs them imports them where it runs.

Deterministic (no timing): it looks at `sys.modules` in a fresh interpreter. See "Start-up" in
docs/benchmarks.md for the figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each costs tens to hundreds of milliseconds to import (numpy alone about a tenth of a second).
HEAVY = (
    "weasyprint",
    "cv2",
    "rasterio",
    "boto3",
    "botocore",
    "storages",
    "numpy",
    "shapely",
    "pyproj",
    "PIL",
    "icalendar",
    "astral",
    "celery",
    "kombu",
    "tqdm",
    "scipy",
)

# Runs in a fresh interpreter; prints {library: [the project's frames that first imported it]}.
PROBE = """
import builtins, json, os, sys, traceback
heavy, root = set(sys.argv[1].split(",")), sys.argv[2]
first = {}
real_import = builtins.__import__

def spy(name, globals=None, locals=None, fromlist=(), level=0):
    top = name.partition(".")[0]
    if level == 0 and top in heavy and top not in sys.modules and top not in first:
        first[top] = [f"{os.path.relpath(f.filename, root)}:{f.lineno}" for f in traceback.extract_stack()[:-1]
                      if f.filename.startswith(root) and "site-packages" not in f.filename]
    return real_import(name, globals, locals, fromlist, level)

builtins.__import__ = spy
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns
from django.core.management import call_command
call_command("check", verbosity=0)
loaded = {m for m in sys.modules if m.partition(".")[0] in heavy}
print(json.dumps({m: first.get(m, ["(imported without a Python import statement)"])
                  for m in sorted({m.partition(".")[0] for m in loaded})}))
"""


def test_loading_django_and_the_url_conf_imports_no_heavy_library() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "S3_BUCKET", "FILE_SERVING")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(HEAVY), str(ROOT)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    imported = json.loads(done.stdout.strip().splitlines()[-1])
    # Move such an import into the function that uses it (a one-line comment saying why).
    assert imported == {}, "\n".join(f"{lib}: " + " <- ".join(reversed(frames)) for lib, frames in imported.items())


def test_the_probe_sees_an_import() -> None:
    """The probe itself works: a library imported after start-up is reported, with the importing frame."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    probe = PROBE.replace("call_command(\"check\", verbosity=0)", "call_command(\"check\", verbosity=0)\nimport tqdm")
    done = subprocess.run(
        [sys.executable, "-c", probe, ",".join(HEAVY), str(ROOT)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "tqdm" in json.loads(done.stdout.strip().splitlines()[-1])
