"""Domain errors of the booking workflow. The API maps them to HTTP answers (never a 500):
FieldError → 400 naming the field, TransitionError / PolicyBlockedError / SpendLimitError → 409,
NotAllowedError → 403."""

from __future__ import annotations


class BookingError(Exception):
    status_code = 409
    code = "booking_error"

    def __init__(self, message: str, *, field: str | None = None, data: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.data = data or {}

    def as_dict(self) -> dict:
        if self.field:
            return {self.field: [self.message]}
        body: dict = {"detail": self.message, "code": self.code}
        body.update(self.data)
        return body


class FieldError(BookingError):
    """Bad input: the named field is wrong; nothing was changed."""

    status_code = 400
    code = "invalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


class TransitionError(BookingError):
    """The action is not allowed from the request's current state."""

    code = "illegal_transition"


class NotAllowedError(BookingError):
    """The user may see the request but may not take this action."""

    status_code = 403
    code = "not_allowed"


class PolicyBlockedError(BookingError):
    code = "policy_blocked"


class SpendLimitError(BookingError):
    code = "spend_limit"
