"""The one exception tree of nextbest. It knows nothing of HTTP.

::

    NextBestError                 base; ``code`` names the class on the wire
    ├── Malformed                 the input cannot be parsed at all (not JSON, not CSV)
    ├── NotFound                  a client, security or other entity does not exist
    ├── Conflict                  the request contradicts what is stored
    ├── ValidationFailed          the input is well-formed but breaks a rule;
    │                             ``problems`` lists each as (location, message)
    ├── Unauthorized              no API key, or one that is unknown, expired or revoked
    ├── Forbidden                 a valid key whose roles do not include the one required
    └── RateLimited               the key made more requests than its rate allows

The API maps each class to a status code in one table (``api/errors.py``); the CLI prints
``str(error)``. Errors carry their data as attributes so callers never parse messages.

>>> try:
...     raise NotFound("client", "c-1")
... except NextBestError as error:
...     print(error.code, error)
NOT_FOUND client 'c-1' does not exist
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "Conflict",
    "Forbidden",
    "Malformed",
    "NextBestError",
    "NotFound",
    "Problem",
    "RateLimited",
    "Unauthorized",
    "ValidationFailed",
]


class NextBestError(Exception):
    """Base of every error nextbest raises on purpose."""

    code = "ERROR"


class Malformed(NextBestError):
    """The input cannot be parsed at all, so no rule could even be checked."""

    code = "MALFORMED"


class NotFound(NextBestError):
    """An entity the request names does not exist."""

    code = "NOT_FOUND"

    def __init__(self, kind: str, identifier: str) -> None:
        super().__init__(f"{kind} {identifier!r} does not exist")
        self.kind = kind
        self.identifier = identifier


class Conflict(NextBestError):
    """The request contradicts what is already stored."""

    code = "CONFLICT"


Problem = tuple[str, str]
"""Where a rule was broken (a dotted path such as ``goals.0.target_year``) and why."""


class ValidationFailed(NextBestError):
    """Input that parses but breaks a business rule; ``problems`` lists every breach."""

    code = "VALIDATION_FAILED"

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("ValidationFailed needs at least one problem")
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{where}: {why}" if where else why for where, why in problems))


class Unauthorized(NextBestError):
    """The caller did not prove who it is: no key, or a key that is unknown, expired or revoked."""

    code = "UNAUTHORIZED"


class Forbidden(NextBestError):
    """The caller is known but its roles do not allow this."""

    code = "FORBIDDEN"


class RateLimited(NextBestError):
    """Too many requests from one key; ``retry_after`` says how many seconds to wait."""

    code = "RATE_LIMITED"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many requests for this API key: retry after {retry_after} s")
        self.retry_after = retry_after
