"""Requests to our app signed as Slack signs them (v0 HMAC-SHA256), for the demo and the tests."""

from __future__ import annotations

import copy
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

from sandbox.slack_stub import BOT_ID


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


def block_actions_payload(
    surface: Mapping[str, Any],
    action_id: str,
    *,
    team_id: str,
    user_id: str,
    response_url: str | None = None,
    selected_value: str | None = None,
    bot_user_id: str = "U0BOT",
    api_app_id: str = "A0FBSYNC",
) -> dict[str, Any]:
    """The `block_actions` payload Slack sends when `user_id` of `team_id` uses the element `action_id`
    of `surface`: a message as SlackStub.messages() lists it (container "message"), or a Home tab view
    as SlackStub.home_view() gives it (container "view"). A button is clicked; a static_select or an
    overflow menu is given the option whose value is `selected_value`, which must be one of its options.

    A message's payload carries a response_url (SlackStub.response_url(), as Slack always sends one);
    a Home tab's has none, as Slack's has none, and carries the view (its id and hash) instead."""
    block_id, element = _element(surface, action_id)
    action: dict[str, Any] = {
        "type": element["type"],
        "action_id": action_id,
        "block_id": block_id,
        "action_ts": f"{time.time():.6f}",
    }
    if element["type"] == "button":
        if selected_value is not None:
            raise ValueError(f"{action_id!r} is a button: it is clicked, not given a value")
        action["text"] = copy.deepcopy(element["text"])
        for name in ("value", "style"):
            if name in element:
                action[name] = element[name]
    elif element["type"] in ("static_select", "overflow"):
        action["selected_option"] = _option(element, selected_value, action_id)
        if element.get("placeholder") is not None:
            action["placeholder"] = copy.deepcopy(element["placeholder"])
    else:
        raise ValueError(f"{action_id!r} is a {element['type']}; only buttons, static_selects and overflows are used")
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id},
        "api_app_id": api_app_id,
        "token": "deprecated-verification-token",
        "trigger_id": f"{secrets.randbelow(10**11)}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}",
        "team": {"id": team_id, "domain": "fbsync-test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [action],
    }
    if _is_view(surface):
        if response_url is not None:
            raise ValueError("Slack sends no response_url with an action in a Home tab")
        payload.update(container={"type": "view", "view_id": surface["id"]}, view=copy.deepcopy(dict(surface)))
        return payload
    if response_url is None:
        raise ValueError("an action in a message comes with a response_url: pass SlackStub.response_url()")
    channel, ts = surface["channel"], surface["ts"]
    message: dict[str, Any] = {
        "type": "message",
        "user": bot_user_id,
        "bot_id": BOT_ID,
        "team": team_id,
        "text": surface.get("text", ""),
        "ts": ts,
        "blocks": copy.deepcopy(surface.get("blocks") or []),
    }
    if surface.get("thread_ts"):
        message["thread_ts"] = surface["thread_ts"]
    payload.update(
        container={"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
        channel={"id": channel, "name": "directmessage" if channel.startswith("D") else channel},
        message=message,
        state={"values": {}},
        response_url=response_url,
    )
    return payload


def post_block_actions(base_url: str, payload: Mapping[str, Any], secret: str) -> requests.Response:
    """POST an interaction payload to /slack/events as Slack does: a signed form with one field, `payload`."""
    return post_signed(base_url, {"payload": json.dumps(payload)}, secret)


def click_button(
    base_url: str,
    surface: Mapping[str, Any],
    action_id: str,
    secret: str,
    *,
    team_id: str,
    user_id: str,
    response_url: str | None = None,
) -> requests.Response:
    """`user_id` clicks the button `action_id` of a message or Home tab (see block_actions_payload)."""
    payload = block_actions_payload(surface, action_id, team_id=team_id, user_id=user_id, response_url=response_url)
    return post_block_actions(base_url, payload, secret)


def choose_option(
    base_url: str,
    surface: Mapping[str, Any],
    action_id: str,
    value: str,
    secret: str,
    *,
    team_id: str,
    user_id: str,
    response_url: str | None = None,
) -> requests.Response:
    """`user_id` picks the option `value` of the menu `action_id` (see block_actions_payload)."""
    payload = block_actions_payload(
        surface, action_id, team_id=team_id, user_id=user_id, response_url=response_url, selected_value=value
    )
    return post_block_actions(base_url, payload, secret)


def _is_view(surface: Mapping[str, Any]) -> bool:
    return surface.get("type") == "home" and isinstance(surface.get("id"), str)


def _element(surface: Mapping[str, Any], action_id: str) -> tuple[str, dict[str, Any]]:
    """(block_id, element) of the interactive element `action_id`: in an actions block or a section's accessory."""
    if not _is_view(surface) and not ("channel" in surface and "ts" in surface):
        raise ValueError("surface must be a message from SlackStub.messages() or a view from SlackStub.home_view()")
    for index, block in enumerate(surface.get("blocks") or []):
        candidates = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory")]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                # Slack gives a block without a block_id one of its own; a stable stand-in here.
                return str(block.get("block_id") or f"block-{index}"), element
    raise LookupError(f"no element with action_id {action_id!r} in that message or view")


def _option(element: Mapping[str, Any], value: str | None, action_id: str) -> dict[str, Any]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    for option in options:
        if option.get("value") == value:
            return copy.deepcopy(dict(option))
    offered = [option.get("value") for option in options]
    raise LookupError(f"{action_id!r} offers no option {value!r}; it offers {offered}")


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


def _control(element: dict[str, Any]) -> str:
    if "options" in element:  # a menu: what it shows now
        shown = (element.get("initial_option") or {}).get("text") or element.get("placeholder") or {}
        return f"[{shown.get('text', '')} ▾]"
    return f"[{element['text']['text']}]"


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
            lines.append("  ".join(_control(e) for e in block["elements"]))
        if block["type"] == "image":
            lines.append(f"[picture: {block.get('alt_text', '')}]")
    return "\n".join(lines) or message.get("text", "") or json.dumps(message)
