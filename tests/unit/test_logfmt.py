"""Every log line parses as logfmt (or JSON by setting), with its context as fields, and stays scrubbed."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

import pytest

from core import logfmt

PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?:\s|$)')
CONTEXT = {"job_id": 7, "page_id": "1234", "reason": 'worker lost: no "heartbeat"\nfor 600s'}


def parse_logfmt(line: str) -> dict[str, str]:
    """A strict reader: the whole line must be key=value pairs."""
    pairs = PAIR.findall(line)
    assert " ".join(f"{key}={value}" for key, value in pairs) == line.strip(), f"not logfmt: {line!r}"
    return {key: json.loads(value) if value.startswith('"') else value for key, value in pairs}


@pytest.fixture
def logger() -> Iterator[logging.LoggerAdapter]:
    yield logfmt.ContextLogger(logging.getLogger("fbsync.test.logfmt"), CONTEXT)
    logfmt.configure(logging.INFO, "logfmt")


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "fbsync.test.logfmt" in line]


def test_a_line_is_logfmt_with_the_context_as_quoted_fields(logger, capsys) -> None:
    logfmt.configure(logging.INFO, "logfmt")
    logfmt.configure(logging.INFO, "logfmt")  # a second call changes nothing
    logger.warning("graph call failed url=%s", "https://graph.example/me?access_token=EAAsecret&x=1")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("sync crashed")
    warning, error = (parse_logfmt(line) for line in lines(capsys.readouterr().err))
    assert warning["level"] == "warning" and warning["logger"] == "fbsync.test.logfmt"
    assert warning["msg"] == "graph call failed url=https://graph.example/me?access_token=[redacted]&x=1"
    assert {key: warning[key] for key in CONTEXT} == {key: str(value) for key, value in CONTEXT.items()}
    assert error["msg"] == "sync crashed" and error["exc"].endswith("RuntimeError: boom")


def test_json_by_setting(logger, capsys, monkeypatch) -> None:
    monkeypatch.setenv(logfmt.FORMAT_VARIABLE, "json")
    logfmt.configure(logging.INFO)
    logger.info("client_secret=s3cr3t sent")
    (line,) = lines(capsys.readouterr().err)
    record = json.loads(line)
    assert record["msg"] == "client_secret=[redacted] sent" and record["job_id"] == 7
    assert record["reason"] == CONTEXT["reason"]


def test_an_unknown_format_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="FBSYNC_LOG_FORMAT"):
        logfmt.configure(logging.INFO, "xml")
