"""Graph API errors, classified by Meta's error code (never by message text).

Codes: https://developers.facebook.com/docs/graph-api/guides/error-handling
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from core.redact import scrub

TOKEN_INVALID_CODES = frozenset({102, 190})
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001, 80002, 80006})
# Code 1 is both "unknown error" and "reduce the amount of data": the client retries either with a smaller page.
TRANSIENT_CODES = frozenset({1, 2})
REDUCE_DATA_CODE = 1


class GraphError(Exception):
    """A Graph API call failed. `code` is Meta's error code when Meta gave one."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        subcode: int | None = None,
        http_status: int | None = None,
        fbtrace_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.subcode = subcode
        self.http_status = http_status
        self.fbtrace_id = fbtrace_id

    def __str__(self) -> str:
        if self.code is None:
            return self.message
        sub = f"/{self.subcode}" if self.subcode else ""
        return f"{self.message} (code {self.code}{sub})"


class TokenInvalidError(GraphError):
    """The page token is expired, revoked or malformed: stop and ask for a reconnect."""


class RateLimitedError(GraphError):
    """Meta throttled us. `retry_after` is the wait in seconds Meta asked for, when it said."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class TransientGraphError(GraphError):
    """A server-side hiccup (HTTP 5xx, is_transient, codes 1 and 2): retry with backoff."""


class GraphRequestError(GraphError):
    """The request itself was refused (bad id, missing permission, user unavailable, ...)."""


class GraphUnavailableError(GraphError):
    """The Graph API could not be reached at all (connection refused, DNS, timeout)."""


class MalformedResponseError(GraphError):
    """The Graph API answered with something that is not the JSON we expect."""


def regain_wait_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds until Meta lets us back in, from X-Business-Use-Case-Usage (minutes in the header)."""
    raw = headers.get("X-Business-Use-Case-Usage")
    if not raw:
        return None
    try:
        usage = json.loads(raw)
        minutes = [
            float(bucket.get("estimated_time_to_regain_access") or 0)
            for buckets in usage.values()
            for bucket in buckets
            if isinstance(bucket, dict)
        ]
    except (ValueError, AttributeError, TypeError):
        return None
    return max(minutes) * 60 if minutes else None


def classify(
    http_status: int,
    body: Mapping[str, Any] | None,
    headers: Mapping[str, str],
    secrets: Iterable[str] = (),
) -> GraphError:
    """Turn an error response into the typed error the caller acts on."""
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        message = f"Graph API answered HTTP {http_status} without an error object"
        if http_status >= 500:
            return TransientGraphError(message, http_status=http_status)
        return MalformedResponseError(message, http_status=http_status)

    code = error.get("code") if isinstance(error.get("code"), int) else None
    subcode = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
    common: dict[str, Any] = {
        "code": code,
        "subcode": subcode,
        "http_status": http_status,
        "fbtrace_id": error.get("fbtrace_id") if isinstance(error.get("fbtrace_id"), str) else None,
    }
    message = scrub(str(error.get("message") or "Graph API error"), secrets)

    if code in TOKEN_INVALID_CODES:
        return TokenInvalidError(message, **common)
    if code in RATE_LIMIT_CODES:
        return RateLimitedError(message, retry_after=regain_wait_seconds(headers), **common)
    if code in TRANSIENT_CODES or error.get("is_transient") is True or http_status >= 500:
        return TransientGraphError(message, **common)
    return GraphRequestError(message, **common)
