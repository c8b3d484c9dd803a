"""The Slack stand-in's tests of what the lead cards, the Home tab and the CSV export call: a stub whose
token may upload files and whose app has its Home tab on, the real slack_sdk WebClient pointed at it,
and small files to upload."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.slack_stub import DEFAULT_SCOPES, SlackStub

TOKEN = "xoxb-test-0123456789"
TEAM = "T0FBSYNC"
SALES = "C0SALES"
PRIVATE = "C0PRIVATE"
ADMIN = "U0ADMIN"
MEMBER = "U0MEMBER"
# What the next feature's app will ask for: the app's scopes and files:write.
SCOPES = f"{DEFAULT_SCOPES},files:write"
CSV = "name,stage\nAda,Qualified Lead\nBruno,New Lead\n"


@pytest.fixture(name="stub")
def fixture_stub() -> Iterator[SlackStub]:
    with SlackStub(token=TOKEN, team_id=TEAM, scopes=SCOPES, home_tab_enabled=True) as server:
        server.add_channel(SALES, "sales")
        server.add_channel(PRIVATE, "private", bot_is_member=False)
        server.add_user(ADMIN, "ana", is_admin=True)
        server.add_user(MEMBER, "bruno")
        yield server
        assert server.errors == []


@pytest.fixture(name="client")
def fixture_client(stub: SlackStub) -> WebClient:
    return WebClient(token=TOKEN, base_url=stub.base_url)


def slack_error(excinfo: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(excinfo.value.response["error"])


def error_messages(excinfo: pytest.ExceptionInfo[SlackApiError]) -> list[str]:
    return list(excinfo.value.response["response_metadata"]["messages"])


def png(width: int = 2, height: int = 1) -> bytes:
    """A real PNG (grey pixels), as a chart the export would draw."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}
