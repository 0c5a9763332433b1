"""Shared options of the import commands."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone


def data_date_option(parser) -> None:  # type: ignore[no-untyped-def]
    parser.add_argument("--data-date", help="Date of the data set (YYYY-MM-DD); default: today")


def parse_data_date(value: str | None) -> date:
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--data-date: {value!r} is not a date (YYYY-MM-DD)") from None


def read_file(path: str) -> bytes:
    p = Path(path)
    if not p.is_file():
        raise CommandError(f"{path}: no such file")
    return p.read_bytes()
