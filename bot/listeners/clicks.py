"""What every button or menu listener checks before it acts: who clicked, from which workspace, and
whether what the click names belongs to that workspace. A click's values are never trusted otherwise."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot import views
from bot.deps import BotDeps
from bot.permissions import DENIED, may_change
from core import pages

logger = logging.getLogger(__name__)

NOT_THIS_WORKSPACES = "That page is not connected to this workspace."


def team_of(body: dict[str, Any]) -> str:
    return (body.get("team") or {}).get("id") or body["user"].get("team_id")


def allowed(body: dict[str, Any], respond: Respond, client: WebClient, deps: BotDeps) -> str | None:
    """The clicking user's team id when they may change things; otherwise they are told why not."""
    if not may_change(client, deps.settings, body["user"]["id"]):
        respond(replace_original=False, response_type="ephemeral", **views.denied(DENIED))
        return None
    return team_of(body)


def clicked_value(body: dict[str, Any]) -> str | None:
    """The value of the button or of the chosen menu option; None for a payload that carries none."""
    try:
        clicked = body["actions"][0]
    except (KeyError, IndexError, TypeError):
        return None
    option = clicked.get("selected_option")
    value = option.get("value") if isinstance(option, dict) else clicked.get("value")
    return value if isinstance(value, str) else None


def button_value(body: dict[str, Any]) -> int | None:
    """The number a button carries (a page or job id); None for a payload that carries none."""
    try:
        return int(clicked_value(body) or "")
    except ValueError:
        return None


def this_workspaces_page(conn: Any, team_id: str, page_pk: int) -> pages.Page | None:
    """The page, if it belongs to the clicking workspace: a button is only ever trusted for that."""
    organization_id = pages.ensure_organization(conn, team_id)
    try:
        page = pages.get_page(conn, page_pk)
    except pages.PageNotFound:
        return None
    return page if page.organization_id == organization_id else None


def refuse(respond: Respond, team_id: str, what: str) -> None:
    logger.warning("%s refused: not this workspace's page team_id=%s", what, team_id)
    respond(replace_original=False, response_type="ephemeral", **views.denied(NOT_THIS_WORKSPACES))
