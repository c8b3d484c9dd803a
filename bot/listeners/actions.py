"""Buttons: Cancel on a running sync's parent message."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import views
from bot.deps import BotDeps
from bot.listeners.clicks import allowed, button_value, refuse, this_workspaces_page
from core import jobs, pages

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(views.CANCEL_ACTION)(handle_cancel)
    app.action(views.DISCONNECT_ACTION)(handle_disconnect)
    # The Connect button only opens its URL; Slack still sends the click, which needs an ack.
    app.action(views.CONNECT_LINK_ACTION)(lambda ack: ack())


def handle_disconnect(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    deps: BotDeps = context["fbsync"]
    team_id = allowed(body, respond, client, deps)
    if team_id is None:
        return
    page_pk = button_value(body)
    with deps.pool.connection() as conn, conn.transaction():
        page = this_workspaces_page(conn, team_id, page_pk) if page_pk is not None else None
        if page is None:
            refuse(respond, team_id, "disconnect")
            return
        jobs.request_cancel(conn, page.id)
        pages.deactivate(conn, page.id)
    respond(replace_original=True, **views.disconnected(page))


def handle_cancel(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()
    deps: BotDeps = context["fbsync"]
    team_id = allowed(body, respond, client, deps)
    if team_id is None:
        return
    job_id = button_value(body)
    if job_id is None:
        logger.warning("cancel button without a job id team_id=%s", team_id)
        return
    with deps.pool.connection() as conn, conn.transaction():
        try:
            job: jobs.SyncJob | None = jobs.get_job(conn, job_id)
        except LookupError:
            job = None
        page = this_workspaces_page(conn, team_id, job.facebook_page_id) if job else None
        if page is None:
            refuse(respond, team_id, "cancel")
            return
        cancelled = jobs.request_cancel(conn, page.id, job_id)
    answer = views.cancel_requested(page, cancelled) if cancelled else views.nothing_to_cancel(page)
    respond(replace_original=False, response_type="ephemeral", **answer)
