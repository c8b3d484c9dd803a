"""Log lines, in one place: logfmt (`time=… level=info logger=… msg="…" job_id=7`) or, with
FBSYNC_LOG_FORMAT=json, one JSON object a line; always scrubbed of credentials.

A ContextLogger's context (job_id, page_id, …) becomes fields of their own. Values are quoted when
they need it, so logfmt tools parse every line.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any

from core.redact import RedactingFilter, scrub

FORMAT_VARIABLE = "FBSYNC_LOG_FORMAT"
FORMATS = ("logfmt", "json")
# Characters that make a logfmt value need quotes (space, '=', '"', control characters) or none at all.
_NEEDS_QUOTES = re.compile(r'[\s="\\]|^$|[\x00-\x1f]')


class ContextLogger(logging.LoggerAdapter):
    """Adds its context (job_id, page_id, ...) to every record it logs. Never give it a token."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        extra = dict(kwargs.get("extra") or {})
        extra["fbsync_context"] = {**dict(self.extra or {}), **extra.get("fbsync_context", {})}
        kwargs["extra"] = extra
        return msg, kwargs


def _fields(record: logging.LogRecord, formatter: logging.Formatter) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
        **getattr(record, "fbsync_context", {}),
    }
    if record.exc_info:
        fields["exc"] = formatter.formatException(record.exc_info)
    elif record.exc_text:
        fields["exc"] = record.exc_text
    return fields


def logfmt_value(value: Any) -> str:
    text = "" if value is None else str(value)
    if not _NEEDS_QUOTES.search(text):
        return text
    return json.dumps(text, ensure_ascii=False)  # a double-quoted string with \" \\ \n escapes


class LogfmtFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = " ".join(f"{key}={logfmt_value(value)}" for key, value in _fields(record, self).items())
        return scrub(line)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(json.dumps(_fields(record, self), ensure_ascii=False, default=str))


class _OurHandler(logging.StreamHandler):
    """The handler configure() installs (a second call finds and reuses it). It writes to whatever
    sys.stderr is at the time, as logging's own last-resort handler does, so a replaced stderr
    (test capture, a daemonised process) never leaves it writing to a closed stream."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure(level: int | str = logging.INFO, log_format: str | None = None) -> None:
    """Lines on stderr in FBSYNC_LOG_FORMAT (logfmt by default), scrubbed. Safe to call more than once."""
    chosen = (log_format or os.environ.get(FORMAT_VARIABLE) or "logfmt").strip().lower()
    if chosen not in FORMATS:
        raise ValueError(f"{FORMAT_VARIABLE} must be one of {', '.join(FORMATS)}")
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, _OurHandler)), None)
    if handler is None:
        handler = _OurHandler()
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if chosen == "json" else LogfmtFormatter())
    root.setLevel(level)
    # Ours scrubs each whole line in its formatter; other handlers (a host's, a test's capture) get the filter.
    for each in root.handlers:
        if each is not handler and not any(isinstance(f, RedactingFilter) for f in each.filters):
            each.addFilter(RedactingFilter())
