"""Requests to our app signed as Slack signs them (v0 HMAC-SHA256), for the demo and the tests."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier


def post_signed(base_url: str, form: dict[str, str], secret: str) -> requests.Response:
    """POST a form (commands, buttons) to /slack/events with Slack's signature headers."""
    return _post(base_url, urlencode(form), "application/x-www-form-urlencoded", secret)


def post_signed_event(base_url: str, team_id: str, event: dict[str, Any], secret: str) -> requests.Response:
    """POST an Events API callback (JSON) to /slack/events, signed, as Slack delivers one."""
    body = json.dumps(
        {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "api_app_id": "A0FBSYNC",
            "type": "event_callback",
            "event": event,
            "event_id": f"Ev{int(time.time() * 1000)}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": "U0BOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                },
            ],
        }
    )
    return _post(base_url, body, "application/json", secret)


def _post(base_url: str, body: str, content_type: str, secret: str) -> requests.Response:
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None  # None only without a timestamp
    return requests.post(
        f"{base_url}/slack/events",
        data=body,
        headers={"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature},
        timeout=10,
    )


def slash_command_form(text: str, *, team_id: str, user_id: str, channel_id: str, response_url: str) -> dict[str, str]:
    """The form Slack sends for `/fbsync <text>`."""
    return {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "team_domain": "fbsync-demo",
        "channel_id": channel_id,
        "channel_name": "sales",
        "user_id": user_id,
        "user_name": "someone",
        "command": "/fbsync",
        "text": text,
        "api_app_id": "A0FBSYNC",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
    }


def render(message: dict[str, Any]) -> str:
    """A Block Kit message as a person would read it in a terminal."""
    lines: list[str] = []
    for block in message.get("blocks") or []:
        if block["type"] in ("section", "header") and block.get("text"):
            lines.append(block["text"]["text"])
        for field in block.get("fields") or []:
            lines.append(field["text"])
        if block["type"] == "context":
            lines.append("  ".join(e.get("text", "") for e in block["elements"]))
        if block["type"] == "actions":
            lines.append("  ".join(f"[{e['text']['text']}]" for e in block["elements"]))
    return "\n".join(lines) or message.get("text", "") or json.dumps(message)
