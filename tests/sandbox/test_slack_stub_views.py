"""The Slack stand-in's views.publish (the app's Home tab), driven by slack_sdk's real `views_publish`,
refusing what Slack refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_stub_client import (
    ADMIN,
    MEMBER,
    SALES,
    TEAM,
    TOKEN,
    error_messages,
    fixture_client,  # noqa: F401 - a fixture, requested by name
    fixture_stub,  # noqa: F401 - a fixture, requested by name
    section,
    slack_error,
)

from sandbox.slack_stub import SlackStub

HOME: dict[str, Any] = {"type": "home", "blocks": [section("*Your leads*")], "callback_id": "fbsync_home"}


def test_a_published_home_tab_is_kept_per_person_and_answered_as_slack_does(stub: SlackStub, client: WebClient) -> None:
    assert stub.home_view(ADMIN) is None
    first = client.views_publish(user_id=ADMIN, view=HOME)["view"]
    assert first["type"] == "home" and first["team_id"] == TEAM and first["blocks"] == HOME["blocks"]
    assert first["callback_id"] == "fbsync_home" and first["private_metadata"] == ""
    assert first["id"].startswith("V") and first["hash"] and first["app_id"] == "A0FBSYNC"
    assert stub.home_view(ADMIN) == first and stub.home_view(MEMBER) is None
    assert stub.home_view(ADMIN, team_id="T0OTHER") is None

    second = client.views_publish(user_id=ADMIN, view={**HOME, "blocks": [section("*Updated*")]}, hash=first["hash"])
    assert second["view"]["id"] == first["id"] and second["view"]["hash"] != first["hash"]
    assert stub.home_view(ADMIN)["blocks"] == [section("*Updated*")]  # type: ignore[index]
    [call, _] = stub.calls_to("views.publish")
    assert call["ok"] and call["args"]["user_id"] == ADMIN and call["args"]["view"] == HOME


def test_a_stale_hash_is_a_conflict_and_changes_nothing(stub: SlackStub, client: WebClient) -> None:
    first = client.views_publish(user_id=ADMIN, view=HOME)["view"]
    client.views_publish(user_id=ADMIN, view=HOME)  # someone else's update, without a hash
    current = stub.home_view(ADMIN)
    with pytest.raises(SlackApiError) as excinfo:
        client.views_publish(user_id=ADMIN, view={**HOME, "blocks": [section("lost")]}, hash=first["hash"])
    assert slack_error(excinfo) == "hash_conflict"
    assert stub.home_view(ADMIN) == current
    with pytest.raises(SlackApiError) as excinfo:
        client.views_publish(user_id=MEMBER, view=HOME, hash="1700000000.abcdef12")  # nothing to be current
    assert slack_error(excinfo) == "hash_conflict"


def test_a_view_takes_100_blocks_where_a_message_takes_50(client: WebClient) -> None:
    assert client.views_publish(user_id=ADMIN, view={"type": "home", "blocks": [section("row")] * 100})["ok"]
    with pytest.raises(SlackApiError) as excinfo:
        client.views_publish(user_id=ADMIN, view={"type": "home", "blocks": [section("row")] * 101})
    assert slack_error(excinfo) == "invalid_arguments"
    assert error_messages(excinfo) == ["[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"]
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel=SALES, text="rows", blocks=[section("row")] * 51)
    assert slack_error(excinfo) == "invalid_blocks"


@pytest.mark.parametrize(
    "view, pointer, what",
    [
        ({"type": "modal", "blocks": []}, "/view/type", "must be one of home"),
        ({"blocks": []}, "/view/type", "missing required field: type"),
        ({"type": "home"}, "/view/blocks", "missing required field: blocks"),
        ({"type": "home", "blocks": [section("x" * 3001)]}, "/view/blocks/0/text/text", "less than 3001"),
        ({"type": "home", "blocks": [{"type": "header"}]}, "/view/blocks/0/text", "missing required field"),
        ({"type": "home", "blocks": [], "private_metadata": "m" * 3001}, "/view/private_metadata", "less than 3001"),
        ({"type": "home", "blocks": [], "callback_id": "c" * 256}, "/view/callback_id", "less than 256"),
        ({"type": "home", "blocks": [], "external_id": "e" * 256}, "/view/external_id", "less than 256"),
        ({"type": "home", "blocks": [], "private_metadata": {"page": 1}}, "/view/private_metadata", "a string"),
    ],
)
def test_a_view_slack_would_refuse_is_invalid_arguments(
    stub: SlackStub, client: WebClient, view: dict[str, Any], pointer: str, what: str
) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.views_publish(user_id=ADMIN, view=view)
    assert slack_error(excinfo) == "invalid_arguments"
    [message] = error_messages(excinfo)
    assert message.startswith("[ERROR] ") and what in message and message.endswith(f"[json-pointer:{pointer}]")
    assert stub.home_view(ADMIN) is None


def test_limits_that_fit_are_accepted(client: WebClient) -> None:
    view = {
        "type": "home",
        "blocks": [],
        "private_metadata": "m" * 3000,
        "callback_id": "c" * 255,
        "external_id": "e" * 255,
    }
    assert client.views_publish(user_id=ADMIN, view=view)["view"]["private_metadata"] == "m" * 3000


def test_an_unknown_person_a_duplicate_external_id_or_a_home_tab_left_off(stub: SlackStub, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.views_publish(user_id="U0NOBODY", view=HOME)
    assert slack_error(excinfo) == "user_not_found"

    client.views_publish(user_id=ADMIN, view={**HOME, "external_id": "home-1"})
    with pytest.raises(SlackApiError) as excinfo:
        client.views_publish(user_id=MEMBER, view={**HOME, "external_id": "home-1"})
    assert slack_error(excinfo) == "duplicate_external_id"
    assert client.views_publish(user_id=ADMIN, view={**HOME, "external_id": "home-1"})["ok"]  # its own again

    with SlackStub(token=TOKEN, team_id=TEAM) as off:  # the manifest's app_home today: no Home tab
        off.add_user(ADMIN, "ana")
        with pytest.raises(SlackApiError) as excinfo:
            WebClient(token=TOKEN, base_url=off.base_url).views_publish(user_id=ADMIN, view=HOME)
        assert slack_error(excinfo) == "not_enabled"


def test_a_form_encoded_view_is_json_text(stub: SlackStub) -> None:
    answer = requests.post(
        f"{stub.base_url}views.publish",
        headers={"Authorization": f"Bearer {TOKEN}"},
        data={"user_id": ADMIN, "view": json.dumps(HOME)},
        timeout=5,
    ).json()
    assert answer["ok"] is True and answer["view"]["blocks"] == HOME["blocks"]
    assert stub.calls_to("views.publish")[0]["args"] == {"user_id": ADMIN, "view": HOME}  # logged as the value
    broken = requests.post(
        f"{stub.base_url}views.publish",
        headers={"Authorization": f"Bearer {TOKEN}"},
        data={"user_id": ADMIN, "view": "{not json"},
        timeout=5,
    ).json()
    assert broken["ok"] is False and broken["error"] == "invalid_arguments"
