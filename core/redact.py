"""Keeping credentials out of text bound for logs, exceptions, stored errors and output."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# Credentials as Meta's URLs carry them, wherever they appear (Meta echoes them in messages too).
_CREDENTIAL = re.compile(r"\b((?:access_token|client_secret|fb_exchange_token|input_token)=)[^&\s\"']+", re.I)
# Login codes and states, only as query parameters (`code=190` in our own log lines is an error code).
_LOGIN_PARAMETER = re.compile(r"([?&](?:code|state)=)[^&\s\"']+", re.I)
# Slack tokens (bot, user, app, refresh) wherever they appear, e.g. in a library's debug line.
_SLACK_TOKEN = re.compile(r"\b(?:xox[abeoprs]|xapp)-[0-9A-Za-z-]+")


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    text = _SLACK_TOKEN.sub("[redacted]", text)
    return _LOGIN_PARAMETER.sub(r"\1[redacted]", _CREDENTIAL.sub(r"\1[redacted]", text))


class RedactingFilter(logging.Filter):
    """On a handler: every record it writes, ours or a library's (urllib3 logs whole URLs), is scrubbed."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
