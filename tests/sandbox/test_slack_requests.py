"""The block_actions helpers of sandbox/slack_requests.py: a click or a menu choice on a message or on
the Home tab reaches a real Bolt app, signed and shaped as Slack sends it, and answers as Slack lets it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_stub_client import (
    ADMIN,
    SALES,
    TEAM,
    TOKEN,
    fixture_client,  # noqa: F401 - a fixture, requested by name
    fixture_stub,  # noqa: F401 - a fixture, requested by name
    section,
)

from sandbox.slack_requests import block_actions_payload, choose_option, click_button
from sandbox.slack_stub import SlackStub

SECRET = "stub-signing-secret"
STAGES = [
    {"text": {"type": "plain_text", "text": "New Lead"}, "value": "new"},
    {"text": {"type": "plain_text", "text": "Qualified Lead"}, "value": "qualified"},
]
BUTTON = {"type": "button", "text": {"type": "plain_text", "text": "Open"}, "action_id": "lead_open", "value": "42"}
SELECT = {"type": "static_select", "action_id": "lead_stage", "options": STAGES}
CARD: list[dict[str, Any]] = [
    {**section("*Ada*"), "block_id": "lead-42", "accessory": SELECT},
    {"type": "actions", "elements": [BUTTON]},
]


class BoltServer:
    """A Bolt app (signature checks on) on 127.0.0.1, recording the bodies its action listeners get."""

    def __init__(self, stub: SlackStub) -> None:
        self.bodies: list[dict[str, Any]] = []
        app = App(
            token=TOKEN,
            signing_secret=SECRET,
            client=WebClient(token=TOKEN, base_url=stub.base_url),
            process_before_response=True,  # the listener has run when the POST is answered
        )

        @app.action("lead_open")
        def open_lead(ack: Any, body: dict[str, Any], respond: Any) -> None:
            ack()
            self.bodies.append(body)
            respond(text=f"Lead {body['actions'][0]['value']}", replace_original=False)

        @app.action("lead_stage")
        def move_lead(ack: Any, body: dict[str, Any]) -> None:
            ack()
            self.bodies.append(body)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
                answer = app.dispatch(BoltRequest(body=raw, headers={k.lower(): v for k, v in self.headers.items()}))
                self.send_response(answer.status)
                self.send_header("Content-Length", str(len(answer.body.encode())))
                self.end_headers()
                self.wfile.write(answer.body.encode())

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - fixed by the base class
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def bolt(stub: SlackStub) -> Iterator[BoltServer]:
    server = BoltServer(stub)
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_a_click_on_a_message_button_reaches_bolt_which_answers_on_the_response_url(
    stub: SlackStub, client: WebClient, bolt: BoltServer
) -> None:
    client.chat_postMessage(channel=SALES, text="Ada", blocks=CARD)
    [message] = stub.messages(SALES)

    answer = click_button(
        bolt.url, message, "lead_open", SECRET, team_id=TEAM, user_id=ADMIN, response_url=stub.response_url()
    )

    assert answer.status_code == 200
    [body] = bolt.bodies
    assert body["container"] == {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": SALES,
        "is_ephemeral": False,
    }
    [action] = body["actions"]
    assert (action["type"], action["action_id"], action["block_id"], action["value"]) == (
        "button",
        "lead_open",
        "block-1",
        "42",
    )
    assert body["team"]["id"] == TEAM and body["user"]["id"] == ADMIN and body["message"]["blocks"] == CARD
    assert body["trigger_id"] and action["action_ts"] and body["api_app_id"] == "A0FBSYNC"
    assert [response["body"]["text"] for response in stub.responses] == ["Lead 42"]


def test_a_menu_choice_on_the_home_tab_carries_the_view_and_no_response_url(
    stub: SlackStub, client: WebClient, bolt: BoltServer
) -> None:
    client.views_publish(user_id=ADMIN, view={"type": "home", "blocks": CARD, "private_metadata": "page=1"})
    home = stub.home_view(ADMIN)
    assert home is not None

    assert (
        choose_option(bolt.url, home, "lead_stage", "qualified", SECRET, team_id=TEAM, user_id=ADMIN).status_code == 200
    )

    [body] = bolt.bodies
    assert body["container"] == {"type": "view", "view_id": home["id"]}
    assert (body["view"]["id"], body["view"]["hash"], body["view"]["private_metadata"]) == (
        home["id"],
        home["hash"],
        "page=1",
    )
    assert "response_url" not in body
    [action] = body["actions"]
    assert (action["type"], action["block_id"], action["selected_option"]) == ("static_select", "lead-42", STAGES[1])


def test_a_payload_signed_with_another_secret_is_refused(stub: SlackStub, client: WebClient, bolt: BoltServer) -> None:
    client.chat_postMessage(channel=SALES, text="Ada", blocks=CARD)
    [message] = stub.messages(SALES)
    answer = click_button(
        bolt.url, message, "lead_open", "not-the-secret", team_id=TEAM, user_id=ADMIN, response_url=stub.response_url()
    )
    assert answer.status_code == 401 and bolt.bodies == [] and stub.responses == []


def test_a_payload_is_built_only_for_what_the_surface_shows(stub: SlackStub, client: WebClient) -> None:
    client.chat_postMessage(channel=SALES, text="Ada", blocks=CARD)
    client.views_publish(user_id=ADMIN, view={"type": "home", "blocks": CARD})
    [message], home = stub.messages(SALES), stub.home_view(ADMIN)
    assert home is not None
    url = stub.response_url()
    who = {"team_id": TEAM, "user_id": ADMIN}

    with pytest.raises(LookupError, match="no element"):
        block_actions_payload(message, "lead_close", response_url=url, **who)
    with pytest.raises(LookupError, match="offers no option 'won'"):
        block_actions_payload(message, "lead_stage", response_url=url, selected_value="won", **who)
    with pytest.raises(ValueError, match="response_url"):
        block_actions_payload(message, "lead_open", **who)
    with pytest.raises(ValueError, match="no response_url"):
        block_actions_payload(home, "lead_open", response_url=url, **who)
    with pytest.raises(ValueError, match="is a button"):
        block_actions_payload(home, "lead_open", selected_value="42", **who)
    with pytest.raises(ValueError, match="surface"):
        block_actions_payload({"blocks": CARD}, "lead_open", **who)
