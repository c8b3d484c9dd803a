"""A Graph API stand-in for a hand-written corpus: the page's conversations edge serves exactly the
Graph pages given (raw conversations, newest first), with cursor paging as Meta does. For the messy
cases the generated simulator does not make: group threads, one person in two conversations, a
conversation listed on two pages, an unreadable conversation."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from sandbox.http_stub import HOST, HttpStub, RequestHeaders, Response, StubHandler

_EDGE = re.compile(r"^/(v\d+\.\d+)/(\d+)/conversations$")
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S+0000")


def conversation(
    graph_id: str, page: tuple[str, str], people: list[tuple[str, str]], said: list[tuple[str, str, int]]
) -> dict[str, Any]:
    """`people`: (id, name) of the customers; `said`: (sender id, text, minute), oldest first."""
    names = dict([page, *people])
    messages = [
        {
            "id": f"m_{graph_id}_{n}",
            "created_time": at(minute),
            "message": text,
            "from": {"id": sender, "name": names[sender]},
        }
        for n, (sender, text, minute) in enumerate(said)
    ]
    return {
        "id": graph_id,
        "updated_time": at(max(minute for _, _, minute in said)),
        "participants": {"data": [{"id": pid, "name": name} for pid, name in [*people, page]]},
        "messages": {"data": list(reversed(messages))},  # Graph lists messages newest first
    }


class _Handler(StubHandler):
    do_GET = StubHandler.dispatch


class CorpusGraph(HttpStub):
    _handler = _Handler
    _thread_name = "corpus-graph"

    def __init__(self, page_id: str, pages: list[list[Any]]) -> None:
        super().__init__(0)
        self.page_id = page_id
        self.pages = pages

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v25.0"

    def _respond(self, method: str, target: str, headers: RequestHeaders, body: bytes) -> Response:
        parts = urlsplit(target)
        match = _EDGE.match(parts.path)
        if not match or match.group(2) != self.page_id:
            return _json(404, {"error": {"message": "Unknown path", "type": "OAuthException", "code": 803}})
        query = dict(parse_qsl(parts.query))
        index = int(query.get("after") or 0)
        payload: dict[str, Any] = {"data": self.pages[index] if index < len(self.pages) else []}
        if index + 1 < len(self.pages):
            payload["paging"] = {
                "next": f"http://{HOST}:{self.port}{parts.path}?" + urlencode({**query, "after": str(index + 1)})
            }
        return _json(200, payload)


def _json(status: int, payload: Any) -> Response:
    return Response(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})
