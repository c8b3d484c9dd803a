"""The Graph API simulator's user profiles and new senders, over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from graph_sim_http import (
    ANCHOR,
    FIELDS,
    PAGE,
    PAGE_ID,
    TOKEN,
    error_of,
    fixture_http,  # noqa: F401 - a fixture, requested by name
    fixture_sim,  # noqa: F401 - a fixture, requested by name
    get,
    walk,
)

from sandbox.graph_data import Inbox
from sandbox.graph_sim import GraphSimulator

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
