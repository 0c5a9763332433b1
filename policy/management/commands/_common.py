"""Shared options of the import commands.

The data date of an import decides whether the airspace data is current for a flight (AIR-10: one AIRAC
cycle), so it is never "today" by default: it is the date the file itself carries (a YAIXM release's AIRAC
date), else the --data-date given, else the file's modification date (when it was fetched or updated).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from django.core.management.base import CommandError


def data_date_option(parser) -> None:  # type: ignore[no-untyped-def]
    parser.add_argument("--data-date", help="Date of the data set (YYYY-MM-DD), e.g. its AIRAC effective date. "
                                            "Default: the date the file carries, else its modification date")


def parse_data_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--data-date: {value!r} is not a date (YYYY-MM-DD)") from None


def resolve_data_date(path: str, given: date | None, embedded: date | None = None) -> tuple[date, str]:
    """(data date, how it was found) for one file; refuses a --data-date that contradicts the file."""
    if embedded is not None:
        if given is not None and given != embedded:
            raise CommandError(f"--data-date: {given} contradicts the date {embedded} that {path} carries "
                               "(its release AIRAC date); leave --data-date out")
        return embedded, "the file's release date"
    if given is not None:
        return given, "--data-date"
    modified = datetime.fromtimestamp(Path(path).stat().st_mtime, tz=UTC).date()
    return modified, "the file's modification date (no date in the file; pass --data-date to set it)"


def read_file(path: str) -> bytes:
    p = Path(path)
    if not p.is_file():
        raise CommandError(f"{path}: no such file")
    return p.read_bytes()
