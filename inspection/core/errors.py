"""The one root error of the inspection core."""

from __future__ import annotations


class InspectionError(ValueError):
    """Refused input; `field` names the input at fault (the API answers 400 with it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
