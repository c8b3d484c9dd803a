"""Credentials are scrubbed from text and from every log line, including libraries' own."""

from __future__ import annotations

import io
import logging

import pytest

from core.redact import RedactingFilter, scrub


@pytest.mark.parametrize(
    "text, expected",
    [
        ("GET /v25.0/me?access_token=EAAsecret&fields=id", "GET /v25.0/me?access_token=[redacted]&fields=id"),
        ("client_secret=s3cr3t&code=AQxyz&redirect_uri=x", "client_secret=[redacted]&code=[redacted]&redirect_uri=x"),
        ("/facebook/callback?state=abc.def&code=AQ1", "/facebook/callback?state=[redacted]&code=[redacted]"),
        ("fb_exchange_token=EAAuser input_token=EAApage", "fb_exchange_token=[redacted] input_token=[redacted]"),
        ("graph rate limited code=613 wait_s=60", "graph rate limited code=613 wait_s=60"),  # our own error codes stay
        ("installed token=xoxb-1234-5678-AbCd and xapp-1-A0", "installed token=[redacted] and [redacted]"),
    ],
)
def test_scrub(text, expected):
    assert scrub(text) == expected


def test_known_secrets_are_removed_wherever_they_are():
    assert scrub("token EAAabc in a sentence", ["EAAabc"]) == "token [redacted] in a sentence"


def test_the_filter_scrubs_library_log_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    library = logging.getLogger("urllib3.connectionpool.test")
    library.addHandler(handler)
    library.propagate = False
    library.warning('%s "GET %s HTTP/1.1" 200', "http://127.0.0.1", "/oauth/access_token?client_secret=s3cr3t")
    assert "s3cr3t" not in stream.getvalue() and "client_secret=[redacted]" in stream.getvalue()
