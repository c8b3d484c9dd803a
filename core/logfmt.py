"""Structured log lines: `message key=value ...`, carrying the job and page they are about."""
from __future__ import annotations

import logging
from typing import Any, MutableMapping

from core.redact import RedactingFilter


class ContextLogger(logging.LoggerAdapter):
    """Appends its context (job_id, page_id, ...) to every line. Never give it a token."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        context = " ".join(f"{key}={value}" for key, value in (self.extra or {}).items())
        return f"{msg} {context}", kwargs


def configure(level: int | str = logging.INFO) -> None:
    """Structured lines on stderr, scrubbed of credentials. Safe to call more than once."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
