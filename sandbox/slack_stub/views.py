"""views.publish: the app's Home tab, one view per person, checked as Slack checks a home view
(type home, at most 100 blocks each valid, private_metadata, callback_id and external_id within their
limits, a `hash` that is the current one), kept per (team, user) and answered as Slack's view object."""

from __future__ import annotations

import copy
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any

from sandbox.slack_stub.blocks import VIEW_MAX_BLOCKS, SlackFileCheck, block_errors
from sandbox.slack_stub.wire import SlackError, invalid_arguments, json_argument, optional_str

_VIEW_BYTES_LIMIT = 250 * 1024  # documented: view_too_large past 250 kB
_STRING_LIMITS = {"private_metadata": 3000, "callback_id": 255, "external_id": 255}


class Views:
    def __init__(self, app_id: str, bot_id: str) -> None:
        self.app_id = app_id
        self.bot_id = bot_id
        self._home: dict[tuple[str, str], dict[str, Any]] = {}

    def reset(self) -> None:
        self._home.clear()

    def home_view(self, team_id: str, user_id: str) -> dict[str, Any] | None:
        view = self._home.get((team_id, user_id))
        return copy.deepcopy(view) if view is not None else None

    def publish(
        self,
        args: dict[str, Any],
        team_id: str,
        users: Mapping[str, Any],
        *,
        home_tab_enabled: bool,
        slack_files: SlackFileCheck,
    ) -> dict[str, Any]:
        user_id = optional_str(args.get("user_id"))
        if not user_id:
            raise invalid_arguments("/user_id", "missing required field: user_id")
        if user_id not in users:
            raise SlackError("user_not_found")
        if not home_tab_enabled:
            raise SlackError("not_enabled")  # the app's Home tab is off (its manifest's app_home)
        view = json_argument(args, "view")
        _check_view(view, slack_files)
        current = self._home.get((team_id, user_id))
        expected = optional_str(args.get("hash"))
        if expected is not None and (current is None or current["hash"] != expected):
            raise SlackError("hash_conflict")
        external_id = view.get("external_id") or ""
        if external_id and any(
            other["external_id"] == external_id
            for (team, user), other in self._home.items()
            if team == team_id and user != user_id
        ):
            raise SlackError("duplicate_external_id")
        view_id = current["id"] if current is not None else "V" + secrets.token_hex(5).upper()
        published = {
            "id": view_id,
            "team_id": team_id,
            "type": "home",
            "blocks": copy.deepcopy(view["blocks"]),
            "private_metadata": view.get("private_metadata") or "",
            "callback_id": view.get("callback_id") or "",
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": {"type": "plain_text", "text": "View Title", "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.app_id,
            "external_id": external_id,
            "app_installed_team_id": team_id,
            "bot_id": self.bot_id,
        }
        self._home[(team_id, user_id)] = published
        return {"view": copy.deepcopy(published)}


def _check_view(view: Any, slack_files: SlackFileCheck) -> None:
    if view is None:
        raise invalid_arguments("/view", "missing required field: view")
    if not isinstance(view, dict):
        raise invalid_arguments("/view", "must be an object")
    if len(json.dumps(view, separators=(",", ":")).encode()) > _VIEW_BYTES_LIMIT:
        raise SlackError("view_too_large")
    problems: list[str] = []
    kind = view.get("type")
    if kind != "home":
        what = "missing required field: type" if kind is None else "must be one of home"
        problems.append(f"[ERROR] {what} [json-pointer:/view/type]")
    blocks = view.get("blocks")
    if blocks is None:
        problems.append("[ERROR] missing required field: blocks [json-pointer:/view/blocks]")
    elif not isinstance(blocks, list):
        problems.append("[ERROR] must be an array [json-pointer:/view/blocks]")
    else:
        problems += block_errors(blocks, most=VIEW_MAX_BLOCKS, pointer="/view/blocks", slack_files=slack_files)
    for name, limit in _STRING_LIMITS.items():
        value = view.get(name)
        if value is not None and not isinstance(value, str):
            problems.append(f"[ERROR] must be a string [json-pointer:/view/{name}]")
        elif isinstance(value, str) and len(value) > limit:
            problems.append(f"[ERROR] must be less than {limit + 1} characters [json-pointer:/view/{name}]")
    if problems:
        raise SlackError("invalid_arguments", problems)
