"""The Graph API simulator, exercised over real HTTP the way the sync client uses it."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from graph_sim_http import (
    ANCHOR,
    FIELDS,
    PAGE,
    PAGE_ID,
    TOKEN,
    conversations_url,
    error_of,
    fixture_http,  # noqa: F401 - a fixture, requested by name
    fixture_sim,  # noqa: F401 - a fixture, requested by name
    get,
    walk,
)

from sandbox.graph_data import Inbox, SimPage
from sandbox.graph_sim import DEMO_PAGE, GraphSimulator

REPO_ROOT = Path(__file__).resolve().parents[2]


def has_key(value: Any, key: str) -> bool:
    if isinstance(value, dict):
        return key in value or any(has_key(child, key) for child in value.values())
    if isinstance(value, list):
        return any(has_key(child, key) for child in value)
    return False


# --- Paging and wire format ----------------------------------------------------------------------


def test_pages_through_all_messenger_conversations_newest_first(sim: GraphSimulator, http: requests.Session) -> None:
    conversations, pages = walk(http, sim, fields=FIELDS, limit=100)

    assert pages == 4
    ids = [c["id"] for c in conversations]
    assert len(ids) == 347 == len(set(ids))
    times = [c["updated_time"] for c in conversations]
    assert times == sorted(times, reverse=True) and len(set(times)) == 347
    assert times[0] == "2026-11-24T10:15:03+0000"
    gaps = [
        (datetime.strptime(a, "%Y-%m-%dT%H:%M:%S%z") - datetime.strptime(b, "%Y-%m-%dT%H:%M:%S%z")).total_seconds()
        for a, b in pairwise(times)
    ]
    assert all(180 <= gap <= 5400 for gap in gaps)

    first = conversations[0]
    customer, page = first["participants"]["data"]
    assert page == {"name": PAGE.name, "email": f"{PAGE_ID}@facebook.com", "id": PAGE_ID}
    assert customer["email"] == f"{customer['id']}@facebook.com" and len(customer["id"]) == 16
    messages = first["messages"]["data"]
    assert 1 <= len(messages) <= 8
    assert messages[0]["created_time"] == first["updated_time"]
    assert [m["created_time"] for m in messages] == sorted((m["created_time"] for m in messages), reverse=True)
    assert set(messages[0]) == {"id", "from", "to", "message", "created_time"}
    assert {messages[0]["from"]["id"], messages[0]["to"]["data"][0]["id"]} == {customer["id"], PAGE_ID}


def test_next_link_is_absolute_carries_token_and_params_and_is_absent_on_last_page(
    sim: GraphSimulator, http: requests.Session
) -> None:
    body = http.get(
        conversations_url(sim),
        params={"fields": FIELDS, "limit": "100"},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    ).json()
    next_url = body["paging"]["next"]
    parts = urlsplit(next_url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == conversations_url(sim)
    after = body["paging"]["cursors"]["after"]
    assert query == {"access_token": TOKEN, "fields": FIELDS, "limit": "100", "after": after}

    second = http.get(next_url.replace("limit=100", "limit=300"), timeout=5).json()  # over 100 means 100
    assert len(second["data"]) == 100 and "limit=100" in second["paging"]["next"]
    third = http.get(second["paging"]["next"], timeout=5).json()
    final = http.get(third["paging"]["next"], timeout=5).json()
    assert len(final["data"]) == 47 and "next" not in final["paging"]


def test_default_limit_and_default_fields(sim: GraphSimulator, http: requests.Session) -> None:
    body = get(http, sim).json()
    assert len(body["data"]) == 25
    assert all(set(c) == {"id", "updated_time"} for c in body["data"])


def test_fields_select_what_is_returned(sim: GraphSimulator, http: requests.Session) -> None:
    body = get(http, sim, fields="messages.limit(2){message}", limit=50).json()
    assert all(set(c) == {"id", "messages"} for c in body["data"])
    all_messages = [m for c in body["data"] for m in c["messages"]["data"]]
    assert all(len(c["messages"]["data"]) <= 2 for c in body["data"])
    assert any(len(c["messages"]["data"]) == 2 for c in body["data"])
    assert all(set(m) == {"id", "message"} for m in all_messages)

    unlimited = get(http, sim, fields="messages{from}", limit=100).json()["data"]
    assert max(len(c["messages"]["data"]) for c in unlimited) == 8  # the default of 10 is above the max

    assert error_of(get(http, sim, fields="participants,bogus"))["code"] == 100
    assert error_of(get(http, sim, fields="messages{from"))["code"] == 2500


def test_instagram_conversations_use_usernames(sim: GraphSimulator, http: requests.Session) -> None:
    conversations, _ = walk(http, sim, fields=FIELDS, limit=100, platform="instagram")

    assert len(conversations) == 60 == len({c["id"] for c in conversations})
    page_party = {"username": "bluebirdcoffee", "id": "17841400000000001"}
    for conversation in conversations:
        customer, page = conversation["participants"]["data"]
        assert page == page_party
        assert set(customer) <= {"username", "id"} and "id" in customer
        for message in conversation["messages"]["data"]:
            assert set(message["from"]) <= {"username", "id"}
    named = [c["participants"]["data"][0] for c in conversations if "username" in c["participants"]["data"][0]]
    assert len(named) == 59  # conversation #49 is nameless
    assert not has_key(conversations, "name") and not has_key(conversations, "email")
    messenger_ids = {c["id"] for c in walk(http, sim, limit=100)[0]}
    assert messenger_ids.isdisjoint(c["id"] for c in conversations)


def test_same_page_gives_identical_data_in_another_simulator(sim: GraphSimulator, http: requests.Session) -> None:
    with GraphSimulator(pages=[PAGE]) as other:
        mine = get(http, sim, fields=FIELDS, limit=50).json()
        theirs = http.get(conversations_url(other), params={"access_token": TOKEN, "fields": FIELDS, "limit": "50"})
    assert mine["data"] == theirs.json()["data"]

    reseeded = dataclasses.replace(PAGE, seed=2)
    with GraphSimulator(pages=[reseeded]) as other:
        different = http.get(conversations_url(other), params={"access_token": TOKEN, "fields": FIELDS}).json()
    assert different["data"][0]["participants"] != mine["data"][0]["participants"]


def test_default_anchor_is_a_day_before_construction() -> None:
    before = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    with GraphSimulator(pages=[DEMO_PAGE]) as simulator:
        body = requests.get(
            conversations_url(simulator), params={"access_token": TOKEN, "limit": "1"}, timeout=5
        ).json()
    newest = datetime.strptime(body["data"][0]["updated_time"], "%Y-%m-%dT%H:%M:%S%z")
    assert before <= newest <= before + timedelta(seconds=5)


# --- Generated data ---------------------------------------------------------------------------


def test_data_variety_and_unique_ids() -> None:
    conversations = [
        Inbox(PAGE, platform, ANCHOR).conversation(i)
        for platform, count in (("messenger", 347), ("instagram", 60))
        for i in range(count)
    ]
    names = [c.customer.name for c in conversations if c.customer.name]
    assert any(len(name.split()) == 1 and name.isascii() for name in names)
    assert any(len(name.split()) == 3 for name in names)
    assert any(not any("a" <= ch.lower() <= "z" for ch in name) for name in names)  # non-Latin
    assert any(not name.isascii() and any("a" <= ch <= "z" for ch in name) for name in names)  # accents
    assert {len(c.messages) for c in conversations} == set(range(1, 9))
    unanswered = [c for c in conversations if len(c.messages) > 2 and all(m.sender == c.customer for m in c.messages)]
    assert unanswered
    message_ids = [m.id for c in conversations for m in c.messages]
    assert len(message_ids) == len(set(message_ids))
    texts = " ".join(m.text.lower() for c in conversations for m in c.messages)
    for phrase in ("how much", "order", "book", "refund", "quote", "paid, thanks!", "not interested"):
        assert phrase in texts


def test_customer_ids_map_back_to_their_conversation() -> None:
    for platform, count in (("messenger", 347), ("instagram", 60)):
        inbox = Inbox(PAGE, platform, ANCHOR)
        assert [inbox.customer_index(inbox.conversation(i).customer.id) for i in range(count)] == list(range(count))
        assert inbox.customer_index(inbox.customer_id(count)) is None  # the next, not yet existing customer
    assert Inbox(PAGE, "messenger", ANCHOR).customer_index("not a psid") is None


def test_large_inbox_is_generated_lazily() -> None:
    big = SimPage(page_id="200", name="Big Page", token="big-token", messenger_count=100_000, seed=7)
    inbox = Inbox(big, "messenger", ANCHOR)
    assert inbox.conversation(99_999).id == Inbox(big, "messenger", ANCHOR).conversation(99_999).id
    sample = {inbox.conversation(i).customer.id for i in range(0, 100_000, 97)}
    assert len(sample) == len(range(0, 100_000, 97))
    with pytest.raises(IndexError):
        inbox.conversation(100_000)


def test_nameless_conversations_have_no_name_anywhere(sim: GraphSimulator, http: requests.Session) -> None:
    conversations, _ = walk(http, sim, fields=FIELDS, limit=100)
    nameless = [c for c in conversations if "name" not in c["participants"]["data"][0]]
    assert [conversations.index(c) for c in nameless] == [49, 99, 149, 199, 249, 299]
    for conversation in nameless:
        customer = conversation["participants"]["data"][0]
        assert set(customer) == {"id", "email"}
        for message in conversation["messages"]["data"]:
            party = message["from"] if message["from"]["id"] == customer["id"] else message["to"]["data"][0]
            assert set(party) == {"id", "email"}
            assert "name" not in json.dumps(party)


# --- Touch ----------------------------------------------------------------------------------------


def test_touch_moves_a_conversation_to_the_front(sim: GraphSimulator, http: requests.Session) -> None:
    before, _ = walk(http, sim, fields=FIELDS, limit=100)
    first = sim.touch(PAGE_ID, "messenger", 200, "Is the 1kg bag back in stock?")
    second = sim.touch(PAGE_ID, "messenger", 5, "hello again")
    now = datetime.now(UTC)
    first_id, second_id = first["conversation_id"], second["conversation_id"]
    assert first_id == before[200]["id"] and second_id == before[5]["id"]
    assert set(first) == {"conversation_id", "mid", "timestamp_ms", "sender_id"}
    assert first["sender_id"] == before[200]["participants"]["data"][0]["id"]

    after, _ = walk(http, sim, fields=FIELDS, limit=100)
    assert [c["id"] for c in after[:2]] == [second_id, first_id]
    assert len(after) == 347 == len({c["id"] for c in after})
    touched = after[1]
    assert abs((datetime.strptime(touched["updated_time"], "%Y-%m-%dT%H:%M:%S%z") - now).total_seconds()) < 5
    newest = touched["messages"]["data"][0]
    assert newest["message"] == "Is the 1kg bag back in stock?"
    assert newest["created_time"] == touched["updated_time"]
    assert newest["from"]["id"] == first["sender_id"] and newest["id"] == first["mid"]
    # Webhooks carry milliseconds, the Graph API whole seconds: the same instant either way.
    created = datetime.strptime(newest["created_time"], "%Y-%m-%dT%H:%M:%S%z")
    assert first["timestamp_ms"] // 1000 == int(created.timestamp())
    assert touched["messages"]["data"][1:] == before[200]["messages"]["data"][: len(touched["messages"]["data"]) - 1]
    assert [c["id"] for c in after[2:]] == [c["id"] for c in before if c["id"] not in (first_id, second_id)]


def test_touch_during_a_walk_skips_nothing_else(sim: GraphSimulator, http: requests.Session) -> None:
    first = get(http, sim, limit=100).json()
    sim.touch(PAGE_ID, "messenger", 150, "new message")
    rest, _ = walk(http, sim, limit=100, after=first["paging"]["cursors"]["after"])
    seen = [c["id"] for c in first["data"] + rest]
    assert len(seen) == len(set(seen)) == 346  # #150 moved to the front, behind this walk


def test_control_endpoints_over_http(sim: GraphSimulator, http: requests.Session) -> None:
    control = sim.base_url.rsplit("/", 1)[0] + "/_sim"
    page: dict[str, Any] = {
        "page_id": "400",
        "name": "Ünïcode Café",
        "token": "t400",
        "messenger_count": 2,
        "anchor": "2026-11-24T10:15:03+0000",
    }
    assert http.post(f"{control}/pages", json=page).ok
    touched = http.post(f"{control}/touch", json={"page_id": "400", "platform": "messenger", "index": 1, "text": "hi"})
    listing = http.get(conversations_url(sim, "400"), params={"access_token": "t400"}).json()
    assert [c["id"] for c in listing["data"]][0] == touched.json()["conversation_id"]
    assert listing["data"][1]["updated_time"] == "2026-11-24T10:15:03+0000"
    recorded = http.get(f"{control}/requests").json()
    assert [r["page_id"] for r in recorded] == ["400"]
    assert http.delete(f"{control}/requests").ok and sim.requests == []
    out_of_range: dict[str, Any] = {"page_id": "400", "platform": "messenger", "index": 9, "text": "x"}
    assert http.post(f"{control}/touch", json=out_of_range).status_code == 400


# --- Server behaviour ---------------------------------------------------------------------------


def test_concurrent_requests(sim: GraphSimulator) -> None:
    results: list[int] = []

    def fetch() -> None:
        with requests.Session() as session:
            for _ in range(3):
                results.append(get(session, sim, fields=FIELDS, limit=100).status_code)

    threads = [threading.Thread(target=fetch) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 30 and len(sim.requests) == 30


def test_stop_closes_the_socket_even_with_keep_alive_connections(http: requests.Session) -> None:
    simulator = GraphSimulator(pages=[PAGE]).start()
    assert get(http, simulator).status_code == 200  # leaves a pooled keep-alive connection open
    port = simulator.port
    simulator.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    with pytest.raises(requests.ConnectionError):
        http.get(f"http://127.0.0.1:{port}/v25.0/{PAGE_ID}/conversations", params={"access_token": TOKEN}, timeout=2)


def test_standalone_server_prints_its_url() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.graph_sim", "--port", "0", "--demo"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v25.0")
        response = requests.get(f"{base_url}/{PAGE_ID}/conversations", params={"access_token": TOKEN}, timeout=5)
        assert response.status_code == 200 and len(response.json()["data"]) == 25
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=5)
    assert process.returncode == 0 and stderr == ""


def test_redirect(sim: GraphSimulator, http: requests.Session) -> None:
    sim.inject(PAGE_ID, "redirect", location="http://127.0.0.1:9/steal")
    response = http.get(
        f"{sim.base_url}/{PAGE_ID}/conversations", headers={"Authorization": f"Bearer {TOKEN}"}, allow_redirects=False
    )
    assert (response.status_code, response.headers["Location"]) == (302, "http://127.0.0.1:9/steal")
    with pytest.raises(ValueError, match="location"):
        sim.inject(PAGE_ID, "redirect")
