"""Sizes in the words a council officer reads: "20 GB", not "21474836480 bytes"."""

from __future__ import annotations


def human_size(n: int) -> str:
    """Binary units as Django's filesizeformat counts them (1 KB = 1024 bytes), one decimal unless whole."""
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            if unit == "bytes":
                return f"{int(value)} bytes"
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"
