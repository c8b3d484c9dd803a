"""The Slack manifest and the Meta subscription ask for exactly what the code uses and handles."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from slack_sdk import WebClient

from bot.app import BOT_SCOPES, REDIRECT_PATH
from core.connect import WEBHOOK_FIELDS
from core.webhook_events import ITEM_KEYS
from sandbox.slack_stub import DEFAULT_HOME_TAB_ENABLED, DEFAULT_SCOPES, NEEDED_SCOPES

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = json.loads((ROOT / "manifest.json").read_text())

# Slack's method reference: the bot scope each Web API method needs (None: no scope).
SCOPE_OF_METHOD = {
    "auth_test": None,
    "chat_getPermalink": None,
    "chat_postEphemeral": "chat:write",
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "conversations_open": "im:write",
    "users_info": "users:read",
}
# The page webhook field that makes Meta deliver each messaging item the parser reads.
FIELD_OF_ITEM = {
    "message": "messages",
    "postback": "messaging_postbacks",
    "reaction": "message_reactions",
    "read": "message_reads",
    "delivery": "message_deliveries",
    "message_edit": "message_edits",
    "referral": "messaging_referrals",
}
METHOD_NAME = re.compile(r"\b[a-z]+_[a-zA-Z]+\b")


def web_api_methods_called() -> set[str]:
    """Every WebClient method named in fbsync's Slack-facing code (calls and `getattr` names alike)."""
    found: set[str] = set()
    for folder in ("bot", "worker", "webhooks"):
        for source in (ROOT / folder).rglob("*.py"):
            found |= {
                name for name in METHOD_NAME.findall(source.read_text()) if callable(getattr(WebClient, name, None))
            }
    return found - {"api_call"}


def test_the_manifest_asks_for_the_scopes_the_code_uses_and_no_more() -> None:
    called = web_api_methods_called()
    assert called, "no Slack calls found: the scan is broken"
    unmapped = called - set(SCOPE_OF_METHOD)
    assert not unmapped, f"add the scopes of {sorted(unmapped)} (Slack's method reference) to the manifest"
    needed = {SCOPE_OF_METHOD[method] for method in called} - {None} | {"commands"}
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == needed == set(BOT_SCOPES)  # what "Add to Slack" asks


def test_the_slack_stand_in_is_this_app_as_installed() -> None:
    """Its token has the manifest's scopes and its Home tab is on as the manifest's is, so a call Slack
    would refuse this app (missing_scope, not_enabled) is refused in the tests too."""
    assert set(DEFAULT_SCOPES.split(",")) == set(MANIFEST["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    assert DEFAULT_HOME_TAB_ENABLED is MANIFEST["features"]["app_home"]["home_tab_enabled"]
    # The stand-in's scope table agrees with the one above for the methods both know.
    for method, scope in SCOPE_OF_METHOD.items():
        needed = NEEDED_SCOPES.get(method.replace("_", ".", 1), ())
        assert scope in needed if scope else not needed, method


def test_the_manifest_points_slack_at_the_web_apps_routes() -> None:
    settings = MANIFEST["settings"]
    (command,) = MANIFEST["features"]["slash_commands"]
    assert command["command"] == "/fbsync"
    for url in (
        command["url"],
        settings["interactivity"]["request_url"],
        settings["event_subscriptions"]["request_url"],
    ):
        assert urlsplit(url).path == "/slack/events"
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_uninstalled", "tokens_revoked"}
    assert [urlsplit(url).path for url in MANIFEST["oauth_config"]["redirect_urls"]] == [REDIRECT_PATH]
    assert settings["interactivity"]["is_enabled"] and not settings["socket_mode_enabled"]


def test_every_item_the_parser_handles_is_subscribed_at_connect() -> None:
    for key in ITEM_KEYS:
        assert FIELD_OF_ITEM[key] in WEBHOOK_FIELDS, key
    # Echoes come as `message` items with is_echo; Messenger needs their field of their own.
    assert {"message_echoes", "standby"} <= set(WEBHOOK_FIELDS)
