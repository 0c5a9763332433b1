"""Deployment settings: production refuses the development key, and `check --deploy` is clean with the
production settings named in README's table (run in a fresh interpreter, as an operator would)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
GOOD_KEY = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set in this process by the browser tests (Playwright's loop); a deployment
    # never has it, and check --deploy rightly refuses it.
    dropped = {"SECRET_KEY", "DEBUG", "PRODUCTION", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_the_development_key() -> None:
    run = _manage("check", PRODUCTION="true", DEBUG="false")
    assert run.returncode != 0
    assert "SECRET_KEY" in run.stderr


def test_production_refuses_debug() -> None:
    run = _manage("check", PRODUCTION="true", DEBUG="true", SECRET_KEY=GOOD_KEY)
    assert run.returncode != 0
    assert "DEBUG" in run.stderr


def test_check_deploy_is_clean_in_production_mode() -> None:
    run = _manage(
        "check", "--deploy",
        PRODUCTION="true", DEBUG="false", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="drones.council.example",
    )
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    # Django's deployment checks (security.*) all pass; other apps' schema hints are not deployment settings.
    assert "security.W" not in out and "security.E" not in out, out


def test_check_deploy_warns_without_production() -> None:
    # The control: the same command outside production mode reports the HTTPS settings as off.
    run = _manage("check", "--deploy", DEBUG="false", SECRET_KEY=GOOD_KEY)
    out = run.stdout + run.stderr
    assert "security.W004" in out and "security.W008" in out and "security.W012" in out
