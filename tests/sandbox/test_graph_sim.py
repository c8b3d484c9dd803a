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
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sandbox.graph_data import Inbox, SimPage
from sandbox.graph_sim import DEMO_PAGE, GraphSimulator

ANCHOR = datetime(2026, 11, 24, 10, 15, 3, tzinfo=UTC)
PAGE = dataclasses.replace(DEMO_PAGE, anchor=ANCHOR)
PAGE_ID = PAGE.page_id
TOKEN = PAGE.token
FIELDS = "participants,updated_time,messages.limit(25){id,from,to,message,created_time}"
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sim() -> Iterator[GraphSimulator]:
    with GraphSimulator(pages=[PAGE]) as simulator:
        yield simulator
        assert simulator.errors == []


@pytest.fixture
def http() -> Iterator[requests.Session]:
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


# --- Auth and errors ------------------------------------------------------------------------------


def test_bad_or_missing_token_is_190(sim: GraphSimulator, http: requests.Session) -> None:
    for response in (
        http.get(conversations_url(sim), params={"access_token": "nope"}, timeout=5),
        http.get(conversations_url(sim), timeout=5),
        http.get(conversations_url(sim), headers={"Authorization": "Bearer nope"}, timeout=5),
    ):
        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == 190 and error["type"] == "OAuthException"
        assert error["message"] == "Invalid OAuth access token - Cannot parse access token"
        assert error["fbtrace_id"]
    ok = http.get(conversations_url(sim), headers={"Authorization": f"OAuth {TOKEN}"}, timeout=5)
    assert ok.status_code == 200
    assert [r["authorized"] for r in sim.requests] == [False, False, False, True]


def test_unknown_page_is_100_subcode_33(sim: GraphSimulator, http: requests.Session) -> None:
    response = http.get(conversations_url(sim, "123456789"), params={"access_token": TOKEN}, timeout=5)
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["error_subcode"], error["type"]) == (100, 33, "GraphMethodException")
    assert "Object with ID '123456789' does not exist" in error["message"]


def test_instagram_on_a_page_without_instagram_is_100(sim: GraphSimulator, http: requests.Session) -> None:
    sim.add_page(SimPage(page_id="300", name="No IG", token="t300", messenger_count=3))
    response = http.get(conversations_url(sim, "300"), params={"access_token": "t300", "platform": "instagram"})
    assert response.status_code == 400 and error_of(response)["code"] == 100


def test_requests_are_recorded_without_the_token(sim: GraphSimulator, http: requests.Session) -> None:
    get(http, sim, fields=FIELDS, limit=100)
    http.get(conversations_url(sim), params={"platform": "instagram"}, headers={"Authorization": f"Bearer {TOKEN}"})
    recorded = sim.requests
    assert recorded == [
        {
            "method": "GET",
            "path": f"/v25.0/{PAGE_ID}/conversations",
            "params": {"fields": FIELDS, "limit": "100"},
            "page_id": PAGE_ID,
            "platform": "messenger",
            "status": 200,
            "authorized": True,
        },
        {
            "method": "GET",
            "path": f"/v25.0/{PAGE_ID}/conversations",
            "params": {"platform": "instagram"},
            "page_id": PAGE_ID,
            "platform": "instagram",
            "status": 200,
            "authorized": True,
        },
    ]
    assert TOKEN not in json.dumps(recorded)
    sim.reset_requests()
    assert sim.requests == []


# --- Faults -------------------------------------------------------------------------------------


def test_token_invalid_fires_on_the_chosen_calls_then_recovers(sim: GraphSimulator, http: requests.Session) -> None:
    sim.inject(PAGE_ID, "token_invalid", on_call=2, times=2)
    statuses = [get(http, sim, limit=5).status_code for _ in range(4)]
    assert statuses == [200, 400, 400, 200]
    sim.inject(PAGE_ID, "token_invalid", error_subcode=460)
    error = error_of(get(http, sim))
    assert (error["code"], error["error_subcode"]) == (190, 460)
    assert [r["status"] for r in sim.requests] == [200, 400, 400, 200, 400]


def test_permanent_token_invalid_kills_the_token(sim: GraphSimulator, http: requests.Session) -> None:
    sim.inject(PAGE_ID, "token_invalid", permanent=True)
    for _ in range(3):
        error = error_of(get(http, sim))
        assert (error["code"], error["error_subcode"]) == (190, 463)
        assert error["message"].startswith("Error validating access token: Session has expired on ")
    assert not any(r["authorized"] for r in sim.requests)
    sim.add_page(dataclasses.replace(PAGE, token="fresh-token"))  # the user reconnects the page
    fresh = http.get(conversations_url(sim), params={"access_token": "fresh-token"}, timeout=5)
    assert fresh.status_code == 200


def test_rate_limit_headers_and_codes(sim: GraphSimulator, http: requests.Session) -> None:
    sim.inject(PAGE_ID, "rate_limit")
    response = get(http, sim)
    assert response.status_code == 400 and error_of(response)["code"] == 613
    usage = json.loads(response.headers["X-Business-Use-Case-Usage"])
    assert usage[PAGE_ID][0]["estimated_time_to_regain_access"] == 1
    assert json.loads(response.headers["X-App-Usage"])["call_count"] == 100

    sim.inject(PAGE_ID, "rate_limit", code=80001, regain_minutes=7)
    response = get(http, sim)
    assert error_of(response)["code"] == 80001
    assert error_of(response)["message"].startswith("There have been too many calls to this Page account.")
    assert json.loads(response.headers["X-Business-Use-Case-Usage"])[PAGE_ID][0]["estimated_time_to_regain_access"] == 7

    normal = get(http, sim)
    assert normal.status_code == 200 and json.loads(normal.headers["X-App-Usage"])["call_count"] < 50


def test_server_error(sim: GraphSimulator, http: requests.Session) -> None:
    sim.inject(PAGE_ID, "server_error")
    response = get(http, sim)
    assert response.status_code == 500
    error = error_of(response)
    assert (error["code"], error["is_transient"], error["type"]) == (2, True, "OAuthException")
    assert get(http, sim).status_code == 200


def test_reduce_data_only_hits_large_pages(sim: GraphSimulator, http: requests.Session) -> None:
    sim.inject(PAGE_ID, "reduce_data", times=2, max_limit=25)
    assert get(http, sim, limit=25).status_code == 200  # small enough: succeeds, fault stays armed
    response = get(http, sim, limit=100)
    assert response.status_code == 500 and error_of(response)["code"] == 1
    assert get(http, sim, limit=10).status_code == 200
    assert get(http, sim, limit=26).status_code == 500
    assert get(http, sim, limit=100).status_code == 200  # both firings used up


def test_empty_page_keeps_the_cursor_so_nothing_is_skipped(sim: GraphSimulator, http: requests.Session) -> None:
    first = get(http, sim, limit=100).json()
    sim.inject(PAGE_ID, "empty_page")
    empty = http.get(first["paging"]["next"], timeout=5).json()
    assert empty["data"] == []
    assert empty["paging"]["next"] == first["paging"]["next"]
    resumed = http.get(empty["paging"]["next"], timeout=5).json()
    assert len(resumed["data"]) == 100
    assert resumed["data"][0]["updated_time"] < first["data"][-1]["updated_time"]


def test_empty_page_on_the_first_call_has_a_next_link(sim: GraphSimulator, http: requests.Session) -> None:
    sim.inject(PAGE_ID, "empty_page")
    conversations, pages = walk(http, sim, limit=100)
    assert len({c["id"] for c in conversations}) == 347 and pages == 5


def test_malformed_json(sim: GraphSimulator, http: requests.Session) -> None:
    sim.inject(PAGE_ID, "malformed_json")
    response = get(http, sim)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    with pytest.raises(ValueError):
        response.json()
    assert sim.requests[-1]["status"] == 200


def test_faults_over_http_and_unknown_kinds(sim: GraphSimulator, http: requests.Session) -> None:
    control = sim.base_url.rsplit("/", 1)[0] + "/_sim"
    assert http.post(f"{control}/faults", json={"page_id": PAGE_ID, "kind": "server_error", "times": 3}).ok
    assert get(http, sim).status_code == 500
    assert http.delete(f"{control}/faults").ok
    assert get(http, sim).status_code == 200
    assert http.post(f"{control}/faults", json={"page_id": PAGE_ID, "kind": "meteor"}).status_code == 400
    with pytest.raises(ValueError):
        sim.inject(PAGE_ID, "rate_limit", regain_minute=3)
    with pytest.raises(ValueError):
        sim.inject("nope", "server_error")
    assert [r["path"] for r in sim.requests] == [f"/v25.0/{PAGE_ID}/conversations"] * 2  # control calls not logged


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


# --- User profiles -------------------------------------------------------------------------------


def profile(http: requests.Session, sim: GraphSimulator, user_id: str, fields: str | None = None) -> requests.Response:
    params = {"fields": fields} if fields is not None else {}
    return http.get(f"{sim.base_url}/{user_id}", params=params, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)


def assert_no_profile(response: requests.Response) -> None:
    assert response.status_code == 400
    error = error_of(response)
    assert (
        error
        == {
            "message": "(#100) No profile available for that user.",
            "type": "OAuthException",
            "code": 100,
            "error_subcode": 2018218,
            "fbtrace_id": error["fbtrace_id"],
        }
        and error["fbtrace_id"]
    )


def test_messenger_profile(sim: GraphSimulator, http: requests.Session) -> None:
    customer = sim.customer(PAGE_ID, "messenger", 0)
    participants = get(http, sim, fields="participants", limit=1).json()["data"][0]["participants"]["data"]
    assert customer["id"] == participants[0]["id"] and customer["name"] == participants[0]["name"]
    assert customer["username"] is None

    response = profile(http, sim, customer["id"], "first_name,last_name,profile_pic")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["first_name", "last_name", "profile_pic", "id"] and body["id"] == customer["id"]
    assert f"{body['first_name']} {body['last_name']}" == customer["name"]
    assert body["profile_pic"].startswith(
        f"https://platform-lookaside.fbsbx.com/platform/profilepic/?psid={customer['id']}&width=1024&ext="
    )
    assert "\\/" in response.text  # Meta escapes slashes
    by_param = http.get(f"{sim.base_url}/{customer['id']}", params={"access_token": TOKEN, "fields": "name"}).json()
    assert by_param == {"name": customer["name"], "id": customer["id"]}
    assert profile(http, sim, customer["id"]).json() == body  # the documented default fields
    assert error_of(profile(http, sim, customer["id"], "username"))["code"] == 100  # not a Messenger field
    assert sim.requests[-1]["page_id"] == PAGE_ID and sim.requests[-1]["authorized"]


def test_messenger_profile_of_a_one_word_name_has_no_last_name(sim: GraphSimulator, http: requests.Session) -> None:
    inbox = Inbox(PAGE, "messenger", ANCHOR)
    index = next(i for i in range(PAGE.messenger_count) if " " not in (inbox.conversation(i).customer.name or " "))
    customer = sim.customer(PAGE_ID, "messenger", index)
    body = profile(http, sim, customer["id"], "first_name,last_name,name").json()
    assert body == {"first_name": customer["name"], "name": customer["name"], "id": customer["id"]}


def test_instagram_profile(sim: GraphSimulator, http: requests.Session) -> None:
    customer = sim.customer(PAGE_ID, "instagram", 3)
    body = profile(http, sim, customer["id"], "name,username,profile_pic").json()
    assert list(body) == ["name", "username", "profile_pic", "id"]
    assert (body["name"], body["username"], body["id"]) == (customer["name"], customer["username"], customer["id"])
    assert body["profile_pic"].startswith("https://scontent.cdninstagram.com/")
    participant = get(http, sim, fields="participants", limit=4, platform="instagram").json()["data"][3]
    assert participant["participants"]["data"][0] == {"username": customer["username"], "id": customer["id"]}
    assert error_of(profile(http, sim, customer["id"], "first_name"))["code"] == 100  # not an Instagram field


def test_unknown_and_nameless_users_have_no_profile(sim: GraphSimulator, http: requests.Session) -> None:
    assert_no_profile(profile(http, sim, "1234567890123456"))
    for platform in ("messenger", "instagram"):
        nameless = sim.customer(PAGE_ID, platform, 49)
        assert nameless["name"] is None and nameless["username"] is None
        assert_no_profile(profile(http, sim, nameless["id"], "name"))

    # The page node is still the page, by id and as /me; a bad token is still 190.
    fields = "name,instagram_business_account"
    page = http.get(f"{sim.base_url}/{PAGE_ID}", params={"access_token": TOKEN, "fields": fields})
    assert page.json() == {"name": PAGE.name, "instagram_business_account": {"id": "17841400000000001"}, "id": PAGE_ID}
    assert http.get(f"{sim.base_url}/me", params={"access_token": TOKEN}).json() == {"name": PAGE.name, "id": PAGE_ID}
    customer = sim.customer(PAGE_ID, "messenger", 0)
    assert error_of(http.get(f"{sim.base_url}/{customer['id']}", params={"access_token": "nope"}))["code"] == 190
    posted = http.post(f"{sim.base_url}/{customer['id']}", params={"access_token": TOKEN})
    assert error_of(posted)["error_subcode"] == 33


@pytest.mark.parametrize(
    ("code", "subcode", "expected"),
    [
        (100, None, (100, 2018218, "(#100) No profile available for that user.")),
        (2018218, None, (100, 2018218, "(#100) No profile available for that user.")),
        (230, None, (230, None, "(#230) Requires pages_messaging_subscriptions permission to manage the object")),
        (10, None, (10, None, "(#10) Application does not have permission for this action")),
        (190, None, (190, None, "Invalid OAuth access token - Cannot parse access token")),
        (190, 460, (190, 460, "Error validating access token: The session has been invalidated")),
    ],
)
def test_injected_profile_errors(
    sim: GraphSimulator, http: requests.Session, code: int, subcode: int | None, expected: tuple[Any, ...]
) -> None:
    customer = sim.customer(PAGE_ID, "messenger", 2)
    other = sim.customer(PAGE_ID, "messenger", 3)
    sim.inject_profile_error(PAGE_ID, customer["id"], code, subcode)
    for _ in range(2):  # it lasts until cleared
        response = profile(http, sim, customer["id"], "name")
        assert response.status_code == 400
        error = error_of(response)
        assert (error["code"], error.get("error_subcode"), error["type"]) == (*expected[:2], "OAuthException")
        assert error["message"].startswith(expected[2])
    assert profile(http, sim, other["id"], "name").status_code == 200
    assert get(http, sim, limit=1).status_code == 200  # only that profile is affected
    sim.clear_profile_errors()
    assert profile(http, sim, customer["id"], "name").json()["name"] == customer["name"]


def test_profile_errors_over_http_and_bad_codes(sim: GraphSimulator, http: requests.Session) -> None:
    control = sim.base_url.rsplit("/", 1)[0] + "/_sim"
    customer = sim.customer(PAGE_ID, "instagram", 0)
    assert http.post(f"{control}/profile_errors", json={"page_id": PAGE_ID, "user_id": customer["id"], "code": 230}).ok
    assert error_of(profile(http, sim, customer["id"]))["code"] == 230
    assert http.delete(f"{control}/profile_errors").ok
    assert profile(http, sim, customer["id"]).status_code == 200
    bad_code: dict[str, Any] = {"page_id": PAGE_ID, "user_id": "1", "code": 4}
    assert http.post(f"{control}/profile_errors", json=bad_code).status_code == 400
    with pytest.raises(ValueError):
        sim.inject_profile_error("nope", customer["id"], 10)


def test_conversations_filtered_by_user_id(sim: GraphSimulator, http: requests.Session) -> None:
    customer = sim.customer(PAGE_ID, "messenger", 120)
    body = get(http, sim, user_id=customer["id"], fields=FIELDS).json()
    assert [c["id"] for c in body["data"]] == [customer["conversation_id"]]
    assert body["data"][0]["participants"]["data"][0]["id"] == customer["id"]
    assert "next" not in body.get("paging", {})

    sim.touch(PAGE_ID, "messenger", 120, "any news?")
    touched = get(http, sim, user_id=customer["id"], fields=FIELDS).json()["data"]
    assert touched[0]["messages"]["data"][0]["message"] == "any news?"

    ig_customer = sim.customer(PAGE_ID, "instagram", 7)
    ig = get(http, sim, user_id=ig_customer["id"], platform="instagram").json()["data"]
    assert [c["id"] for c in ig] == [ig_customer["conversation_id"]]
    assert get(http, sim, user_id=ig_customer["id"]).json()["data"] == []  # not on Messenger
    assert get(http, sim, user_id="1234567890123456").json() == {"data": []}


def test_new_sender_opens_a_conversation_at_the_front(sim: GraphSimulator, http: requests.Session) -> None:
    sim.touch(PAGE_ID, "messenger", 10, "earlier touch")
    text = "Hi! Do you deliver to Leeds?"
    receipt = sim.new_sender(PAGE_ID, "messenger", "7000000000000001", text, name="Ada Lovelace")
    assert set(receipt) == {"conversation_id", "mid", "timestamp_ms", "index"} and receipt["index"] == 347
    assert abs(receipt["timestamp_ms"] / 1000 - datetime.now(UTC).timestamp()) < 5

    conversations, _ = walk(http, sim, fields=FIELDS, limit=100)
    assert len(conversations) == 348 == len({c["id"] for c in conversations})
    newest = conversations[0]
    assert newest["id"] == receipt["conversation_id"]
    assert newest["participants"]["data"][0] == {
        "name": "Ada Lovelace",
        "email": "7000000000000001@facebook.com",
        "id": "7000000000000001",
    }
    [message] = newest["messages"]["data"]
    assert (message["id"], message["message"]) == (receipt["mid"], text)
    assert message["created_time"] == newest["updated_time"]
    assert conversations[1]["messages"]["data"][0]["message"] == "earlier touch"

    body = profile(http, sim, "7000000000000001", "first_name,last_name,profile_pic").json()
    assert (body["first_name"], body["last_name"]) == ("Ada", "Lovelace")
    assert "psid=7000000000000001" in body["profile_pic"]
    assert sim.customer(PAGE_ID, "messenger", 347) == {
        "id": "7000000000000001",
        "name": "Ada Lovelace",
        "username": None,
        "conversation_id": receipt["conversation_id"],
    }
    assert [c["id"] for c in get(http, sim, user_id="7000000000000001").json()["data"]] == [receipt["conversation_id"]]

    again = sim.touch(PAGE_ID, "messenger", 347, "also, gift wrapping?")
    assert again["conversation_id"] == receipt["conversation_id"] and again["mid"] != receipt["mid"]
    assert [m["message"] for m in get(http, sim, fields=FIELDS, limit=1).json()["data"][0]["messages"]["data"]] == [
        "also, gift wrapping?",
        text,
    ]
    with pytest.raises(ValueError):
        sim.new_sender(PAGE_ID, "messenger", "7000000000000001", "again")  # already a customer
    with pytest.raises(ValueError):
        sim.new_sender(PAGE_ID, "messenger", sim.customer(PAGE_ID, "messenger", 0)["id"], "hi")
    with pytest.raises(ValueError):
        sim.new_sender(PAGE_ID, "messenger", "7000000000000002", "hi", username="ada")


def test_new_instagram_and_nameless_senders(sim: GraphSimulator, http: requests.Session) -> None:
    control = sim.base_url.rsplit("/", 1)[0] + "/_sim"
    sender = {
        "page_id": PAGE_ID,
        "platform": "instagram",
        "sender_id": "6000000000000001",
        "text": "price?",
        "username": "jane.doe_88",
        "name": "Jane Doe",
    }
    receipt = http.post(f"{control}/new_sender", json=sender).json()
    first = get(http, sim, fields=FIELDS, platform="instagram", limit=1).json()["data"][0]
    assert first["id"] == receipt["conversation_id"]
    assert first["participants"]["data"][0] == {"username": "jane.doe_88", "id": "6000000000000001"}
    assert first["messages"]["data"][0]["id"] == receipt["mid"]
    body = profile(http, sim, "6000000000000001", "name,username,profile_pic").json()
    assert (body["name"], body["username"]) == ("Jane Doe", "jane.doe_88")

    sim.new_sender(PAGE_ID, "messenger", "7000000000000009", "hello")
    nameless = get(http, sim, fields="participants", limit=1).json()["data"][0]["participants"]["data"][0]
    assert nameless == {"email": "7000000000000009@facebook.com", "id": "7000000000000009"}
    assert_no_profile(profile(http, sim, "7000000000000009"))
    sim.inject_profile_error(PAGE_ID, "7000000000000010", 10)  # injected before they ever write
    sim.new_sender(PAGE_ID, "messenger", "7000000000000010", "hi", name="Late Comer")
    assert error_of(profile(http, sim, "7000000000000010"))["code"] == 10
    assert http.post(f"{control}/new_sender", json={**sender, "sender_id": "not-an-id"}).status_code == 400


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
