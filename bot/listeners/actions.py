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
    app.action("fbsync_connect_link")(lambda ack: ack())


def _allowed(body: dict[str, Any], respond: Respond, client: WebClient, deps: BotDeps) -> str | None:
    """The clicking user's team id when they may change things; otherwise they are told why not."""
    if not may_change(client, deps.settings, body["user"]["id"]):
        respond(replace_original=False, response_type="ephemeral", **views.denied(DENIED))
        return None
    return (body.get("team") or {}).get("id") or body["user"].get("team_id")


def handle_disconnect(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient,
                      context: BoltContext) -> None:
    ack()
    deps: BotDeps = context["fbsync"]
    team_id = _allowed(body, respond, client, deps)
    if team_id is None:
        return
    with deps.pool.connection() as conn, conn.transaction():
        organization_id = pages.ensure_organization(conn, team_id)
        page = pages.get_page(conn, int(body["actions"][0]["value"]))
        if page.organization_id != organization_id:
            logger.warning("disconnect of another workspace's page refused team_id=%s", team_id)
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
    try:
        job_id = int(body["actions"][0]["value"])
    except (KeyError, IndexError, ValueError):
        logger.warning("cancel button without a job id team_id=%s", team_id)
        return
    with deps.pool.connection() as conn, conn.transaction():
        organization_id = pages.ensure_organization(conn, team_id)
        job = jobs.get_job(conn, job_id)
        page = pages.get_page(conn, job.facebook_page_id)
        if page.organization_id != organization_id:
            logger.warning("cancel of another workspace's job refused team_id=%s job_id=%s", team_id, job_id)
            return
        cancelled = jobs.request_cancel(conn, page.id, job_id)
    answer = views.cancel_requested(page, cancelled) if cancelled else views.nothing_to_cancel(page)
    respond(replace_original=False, response_type="ephemeral", **answer)
