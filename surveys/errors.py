"""Domain errors of the surveys app (the API answers 400 naming `field`)."""

from __future__ import annotations


class SurveyError(ValueError):
    """A refused write; `field` names the input at fault (the API answers 400 with it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
