"""The Graph API simulator's conversations over real HTTP: the fixtures and requests its tests share."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from sandbox.graph_sim import DEMO_PAGE, GraphSimulator

ANCHOR = datetime(2026, 11, 24, 10, 15, 3, tzinfo=UTC)
PAGE = dataclasses.replace(DEMO_PAGE, anchor=ANCHOR)
PAGE_ID = PAGE.page_id
TOKEN = PAGE.token
FIELDS = "participants,updated_time,messages.limit(25){id,from,to,message,created_time}"


@pytest.fixture(name="sim")
def fixture_sim() -> Iterator[GraphSimulator]:
    with GraphSimulator(pages=[PAGE]) as simulator:
        yield simulator
        assert simulator.errors == []


@pytest.fixture(name="http")
def fixture_http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def conversations_url(sim: GraphSimulator, page_id: str = PAGE_ID) -> str:
    return f"{sim.base_url}/{page_id}/conversations"


def get(http: requests.Session, sim: GraphSimulator, **params: Any) -> requests.Response:
    return http.get(conversations_url(sim), params={"access_token": TOKEN, **params}, timeout=5)


def walk(http: requests.Session, sim: GraphSimulator, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """All conversations by following `next`, and how many Graph pages that took."""
    body = get(http, sim, **params).json()
    conversations, pages = list(body["data"]), 1
    while "next" in body.get("paging", {}):
        body = http.get(body["paging"]["next"], timeout=5).json()
        conversations += body["data"]
        pages += 1
    return conversations, pages


def error_of(response: requests.Response) -> dict[str, Any]:
    return response.json()["error"]
