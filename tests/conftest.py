"""Shared fixtures. App-specific fixtures live in each tests/<app>/conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """The one setting through which tests find the real data (default ../shared/data)."""
    return Path(os.environ.get("SHARED_DATA_DIR", str(ROOT.parent / "shared" / "data")))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"real data folder {path} is not present (set SHARED_DATA_DIR)")
    return path


@pytest.fixture(autouse=True)
def _media_in_tmp(request, tmp_path_factory):
    """Every test that touches Django writes media under a throw-away folder."""
    if "django_db_setup" not in request.fixturenames and "settings" not in request.fixturenames:
        yield
        return
    settings = request.getfixturevalue("settings")
    media = tmp_path_factory.mktemp("media")
    settings.MEDIA_ROOT = media
    settings.UPLOAD_TEMP_DIR = media / "_incoming"
    yield
