"""The Slack stand-in's Block Kit checks for what lead cards use: select and overflow menus, and the
text limits of sections, fields, headers, context, buttons and markdown blocks; and a message text
past 40,000 characters, which Slack posts cut, with a warning."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_stub_client import (
    ADMIN,
    SALES,
    error_messages,
    fixture_client,  # noqa: F401 - a fixture, requested by name
    fixture_stub,  # noqa: F401 - a fixture, requested by name
    section,
    slack_error,
)

from sandbox.slack_stub import SlackStub, block_errors


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


STAGES = [option("New Lead", "new"), option("Qualified Lead", "qualified"), option("Won", "won")]
SELECT: dict[str, Any] = {
    "type": "static_select",
    "action_id": "fbsync_lead_stage",
    "placeholder": plain("Move to stage"),
    "options": STAGES,
}
OVERFLOW: dict[str, Any] = {"type": "overflow", "action_id": "fbsync_lead_more", "options": STAGES[:2]}


def card(accessory: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**section("*Ada* wants 3 bags"), "accessory": accessory}]


def test_menus_slack_accepts(client: WebClient) -> None:
    grouped = {
        **{key: value for key, value in SELECT.items() if key != "options"},
        "option_groups": [
            {"label": plain("Open"), "options": STAGES[:2]},
            {"label": plain("Won"), "options": STAGES[2:]},
        ],
        "initial_option": STAGES[2],
    }
    linked = {**OVERFLOW, "options": [*STAGES[:2], {**option("Open in fbsync", "open"), "url": "https://x.example/1"}]}
    for blocks in (
        card({**SELECT, "initial_option": STAGES[1]}),
        card(grouped),
        card(linked),
        [{"type": "actions", "elements": [SELECT, OVERFLOW]}],
        card({**SELECT, "options": [option(f"Stage {i}", str(i)) for i in range(100)]}),
        card({**OVERFLOW, "options": [option(f"Do {i}", str(i)) for i in range(5)]}),
    ):
        assert block_errors(blocks) == []
        assert client.chat_postMessage(channel=SALES, text="lead", blocks=blocks)["ok"]


@pytest.mark.parametrize(
    "accessory, pointer, what",
    [
        ({**SELECT, "options": []}, "/options", "at least 1 item"),
        ({**SELECT, "options": [option(str(i), str(i)) for i in range(101)]}, "/options", "no more than 100 items"),
        ({k: v for k, v in SELECT.items() if k != "options"}, "", "must provide either options or option_groups"),
        ({**SELECT, "option_groups": [{"label": plain("All"), "options": STAGES}]}, "", "not both"),
        (
            {**SELECT, "options": [{"text": {"type": "mrkdwn", "text": "*New*"}, "value": "new"}]},
            "/options/0/text/type",
            "plain_text",
        ),
        ({**SELECT, "options": [option("x" * 76, "new")]}, "/options/0/text/text", "less than 76"),
        ({**SELECT, "options": [option("New", "v" * 151)]}, "/options/0/value", "less than 151"),
        ({**SELECT, "options": [{"text": plain("New")}]}, "/options/0/value", "missing required field: value"),
        ({**SELECT, "options": [option("New", "new"), option("Newer", "new")]}, "/options/1/value", "must be unique"),
        ({**SELECT, "options": [{**option("New", "new"), "url": "https://x.example"}]}, "/options/0/url", "overflow"),
        ({**SELECT, "placeholder": plain("p" * 151)}, "/placeholder/text", "less than 151"),
        ({**SELECT, "placeholder": {"type": "mrkdwn", "text": "Stage"}}, "/placeholder/type", "plain_text"),
        ({**SELECT, "initial_option": option("Lost", "lost")}, "/initial_option", "must exactly match one of"),
        (
            {**SELECT, "options": None, "option_groups": [{"label": plain("g" * 76), "options": STAGES}]},
            "/option_groups/0/label/text",
            "less than 76",
        ),
        ({**OVERFLOW, "options": STAGES[:1]}, "/options", "at least 2 items"),
        ({**OVERFLOW, "options": [option(str(i), str(i)) for i in range(6)]}, "/options", "no more than 5 items"),
        ({**OVERFLOW, "options": [option("x" * 76, "a"), STAGES[0]]}, "/options/0/text/text", "less than 76"),
    ],
)
def test_menus_slack_would_refuse_are_refused(client: WebClient, accessory: dict, pointer: str, what: str) -> None:
    accessory = {key: value for key, value in accessory.items() if value is not None}
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel=SALES, text="lead", blocks=card(accessory))
    assert slack_error(excinfo) == "invalid_blocks"
    assert any(
        what in message and message.endswith(f"[json-pointer:/blocks/0/accessory{pointer}]")
        for message in error_messages(excinfo)
    ), error_messages(excinfo)


def test_the_text_limits_lead_cards_meet(client: WebClient) -> None:
    fits: list[dict[str, Any]] = [
        section("s" * 3000),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2000}] * 10},
        {"type": "header", "text": plain("h" * 150)},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 10},
        {"type": "actions", "elements": [{"type": "button", "text": plain("b" * 75), "action_id": "fbsync_open"}]},
        {"type": "markdown", "text": "m" * 12000},
    ]
    assert client.chat_postMessage(channel=SALES, text="card", blocks=fits)["ok"]
    too_long = {"type": "markdown", "text": "m" * 12001}
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel=SALES, text="card", blocks=[too_long])
    assert error_messages(excinfo) == ["[ERROR] must be less than 12001 characters [json-pointer:/blocks/0/text]"]


def test_a_text_past_40000_characters_is_posted_cut_with_slacks_warning(stub: SlackStub, client: WebClient) -> None:
    exact = client.chat_postMessage(channel=SALES, text="x" * 40_000)
    assert "response_metadata" not in exact.data and stub.messages()[0]["text"] == "x" * 40_000

    long = client.chat_postMessage(channel=SALES, text="y" * 40_001)
    assert long["message"]["text"] == "y" * 40_000 and stub.messages()[1]["text"] == "y" * 40_000
    assert long["response_metadata"]["warnings"] == ["message_truncated"]
    assert "truncated but still posted" in long["response_metadata"]["messages"][0]

    updated = client.chat_update(channel=SALES, ts=exact["ts"], text="z" * 40_010)
    assert updated["text"] == "z" * 40_000 and updated["response_metadata"]["warnings"] == ["message_truncated"]
    client.chat_postEphemeral(channel=SALES, user=ADMIN, text="e" * 40_001)
    assert stub.ephemerals[0]["text"] == "e" * 40_000
    url = stub.response_url()
    assert requests.post(url, json={"text": "r" * 40_001}, timeout=5).status_code == 200
    assert stub.responses[0]["body"]["text"] == "r" * 40_000
