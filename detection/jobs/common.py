"""What the detection kinds share."""

from __future__ import annotations

import shutil
from pathlib import Path


def copy_to(field_file, target: Path) -> Path:
    """A stored file (local or S3) -> a local path the detectors can open."""
    with field_file.open("rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, length=4 * 1024 * 1024)
    return target
