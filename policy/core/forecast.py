"""Forecast adapters: where day-of-flight weather can come from besides the pilot's own record.

Off by default (NullForecast). A live adapter would call a weather service; the engine never calls it
itself: the caller fetches a Weather and puts it in the plan, so decisions stay reproducible.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from .types import Weather


class ForecastAdapter(Protocol):
    name: str

    def forecast(self, *, lat: float, lon: float, start: datetime, end: datetime) -> Weather | None: ...


class NullForecast:
    """The default: no forecast; day-of-flight conditions are entered by the pilot."""

    name = "none"

    def forecast(self, *, lat: float, lon: float, start: datetime, end: datetime) -> Weather | None:
        return None


class FixedForecast:
    """A forecast given in advance (e.g. from an officer's briefing); useful offline."""

    name = "fixed"

    def __init__(self, weather: Weather) -> None:
        self.weather = weather

    def forecast(self, *, lat: float, lon: float, start: datetime, end: datetime) -> Weather | None:
        return self.weather
