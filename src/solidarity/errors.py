"""One family of errors, each with the HTTP status the web layer answers and the code clients match on.

The library raises these; ``web`` renders them as JSON or an HTML page and ``cli`` prints
``Error: ...`` and exits 2. Nothing else should reach a user.

>>> err = Invalid("Cumulative cases cannot fall", details=[{"line": 4, "field": "Cumulative_cases"}])
>>> err.status, err.code, err.details[0]["line"]
(422, 'invalid', 4)
"""

from __future__ import annotations

from typing import Any, ClassVar


class SolidarityError(Exception):
    """Base of every error a user may see; ``status`` is the HTTP status, ``code`` a stable name."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: Any = details if details is not None else []

    def as_dict(self) -> dict[str, Any]:
        """The body the API answers: ``{"error": {"code", "message", "details"}}``."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class Invalid(SolidarityError):
    """Input that breaks a rule; ``details`` lists each problem with file, line, field, value and reason."""

    status = 422
    code = "invalid"


class NotFound(SolidarityError):
    status = 404
    code = "not_found"


class Conflict(SolidarityError):
    """The write would duplicate or contradict a record that exists; details name it."""

    status = 409
    code = "conflict"


class Unauthorized(SolidarityError):
    """No valid credentials: a wrong password, an unknown, expired or revoked token."""

    status = 401
    code = "unauthorized"


class Forbidden(SolidarityError):
    """Known user, but the role or organisation does not allow this action."""

    status = 403
    code = "forbidden"


class CsrfFailed(Forbidden):
    code = "csrf_failed"


class TooLarge(SolidarityError):
    status = 413
    code = "too_large"


class RateLimited(SolidarityError):
    status = 429
    code = "rate_limited"


class ConfigurationError(SolidarityError):
    """A setting has a value the platform cannot start with; raised before anything is built."""

    status = 400
    code = "configuration"


class DatabaseUnavailable(SolidarityError):
    """The database cannot be reached; the request changed nothing and may be retried."""

    status = 503
    code = "database_unavailable"
