"""Buttons: Cancel on a running sync's parent message."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import views
from bot.deps import BotDeps
from bot.permissions import DENIED, may_change
from core import jobs, pages

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(views.CANCEL_ACTION)(handle_cancel)
    app.action(views.DISCONNECT_ACTION)(handle_disconnect)
    # The Connect button only opens its URL; Slack still sends the click, which needs an ack.
    app.action(views.CONNECT_LINK_ACTION)(lambda ack: ack())


def _allowed(body: dict[str, Any], respond: Respond, client: WebClient, deps: BotDeps) -> str | None:
    """The clicking user's team id when they may change things; otherwise they are told why not."""
    if not may_change(client, deps.settings, body["user"]["id"]):
        respond(replace_original=False, response_type="ephemeral", **views.denied(DENIED))
        return None
    return (body.get("team") or {}).get("id") or body["user"].get("team_id")


NOT_THIS_WORKSPACES = "That page is not connected to this workspace."


def _button_value(body: dict[str, Any]) -> int | None:
    """The number a button carries (a page or job id); None for a payload that carries none."""
    try:
        return int(body["actions"][0]["value"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _this_workspaces_page(conn: Any, team_id: str, page_pk: int) -> pages.Page | None:
    """The page, if it belongs to the clicking workspace: a button is only ever trusted for that."""
    organization_id = pages.ensure_organization(conn, team_id)
    try:
        page = pages.get_page(conn, page_pk)
    except pages.PageNotFound:
        return None
    return page if page.organization_id == organization_id else None


def _refuse(respond: Respond, team_id: str, what: str) -> None:
    logger.warning("%s refused: not this workspace's page team_id=%s", what, team_id)
    respond(replace_original=False, response_type="ephemeral", **views.denied(NOT_THIS_WORKSPACES))


def handle_disconnect(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    deps: BotDeps = context["fbsync"]
    team_id = _allowed(body, respond, client, deps)
    if team_id is None:
        return
    page_pk = _button_value(body)
    with deps.pool.connection() as conn, conn.transaction():
        page = _this_workspaces_page(conn, team_id, page_pk) if page_pk is not None else None
        if page is None:
            _refuse(respond, team_id, "disconnect")
            return
        jobs.request_cancel(conn, page.id)
        pages.deactivate(conn, page.id)
    respond(replace_original=True, **views.disconnected(page))


def handle_cancel(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()
    deps: BotDeps = context["fbsync"]
    team_id = _allowed(body, respond, client, deps)
    if team_id is None:
        return
    job_id = _button_value(body)
    if job_id is None:
        logger.warning("cancel button without a job id team_id=%s", team_id)
        return
    with deps.pool.connection() as conn, conn.transaction():
        try:
            job: jobs.SyncJob | None = jobs.get_job(conn, job_id)
        except LookupError:
            job = None
        page = _this_workspaces_page(conn, team_id, job.facebook_page_id) if job else None
        if page is None:
            _refuse(respond, team_id, "cancel")
            return
        cancelled = jobs.request_cancel(conn, page.id, job_id)
    answer = views.cancel_requested(page, cancelled) if cancelled else views.nothing_to_cancel(page)
    respond(replace_original=False, response_type="ephemeral", **answer)
