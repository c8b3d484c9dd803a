"""`/fbsync`: every command acks at once; reads answer ephemerally, a sync becomes an RQ job.

This module parses, checks who may change things and dispatches; the handlers live by command family."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import psycopg
from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import views
from bot.commands import CommandError, parse
from bot.deps import BotDeps
from bot.listeners.commands import config, connect, export, leads, reads, sync
from bot.listeners.commands.invocation import Invocation
from bot.permissions import DENIED, may_change
from core import pages, schedule
from core.db import DatabaseUnavailable
from core.leads.queries import StageNotFound
from core.logfmt import ContextLogger
from core.pages import AmbiguousPage, PageNotFound
from core.pipeline import PipelineError

logger = logging.getLogger(__name__)

# An export hands out customer data, so it needs the same people as a change.
CHANGES = frozenset({"sync", "cancel", "pipeline", "notify", "schedule", "connect", "disconnect", "export"})

HANDLERS: dict[str, Callable[[Invocation], views.Message]] = {
    "pages": reads.show_pages,
    "pipelines": reads.show_pipelines,
    "status": reads.show_status,
    "stats": reads.show_stats,
    "leads": leads.show_leads,
    "find": leads.find_people,
    "merges": leads.show_merges,
    "pipeline": config.set_pipeline,
    "notify": config.set_notify,
    "schedule": config.set_schedule,
    "alerts": config.set_alerts,
    "cancel": sync.cancel_sync,
    "sync": sync.start_sync,
    "connect": connect.connect_pages,
    "disconnect": connect.confirm_disconnect,
    "export": export.start_export,
}


def register(app: App) -> None:
    app.command("/fbsync")(handle_fbsync)


def handle_fbsync(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    try:
        parsed = parse(command.get("text") or "")
    except CommandError as exc:
        ack(**views.error_message(str(exc)))
        return
    if parsed.name == "help":
        ack(**views.help_message())
        return
    ack()
    deps: BotDeps = context["fbsync"]
    log = ContextLogger(logger, {"team_id": command["team_id"], "user": command["user_id"], "command": parsed.name})
    try:
        if parsed.name in CHANGES and not may_change(client, deps.settings, command["user_id"]):
            respond(**views.denied(DENIED))
            return
        with deps.pool.connection() as conn, conn.transaction():
            organization_id = pages.ensure_organization(conn, command["team_id"], command.get("team_domain"))
        invocation = Invocation(
            deps, client, parsed, organization_id, command["team_id"], command["user_id"], command["channel_id"]
        )
        respond(**HANDLERS[parsed.name](invocation))
    except (PageNotFound, AmbiguousPage, PipelineError, schedule.IntervalError, StageNotFound) as exc:
        respond(**views.error_message(str(exc)))
    except (DatabaseUnavailable, psycopg.OperationalError):
        log.exception("database unavailable")
        respond(**views.error_message("fbsync cannot reach its database right now; please try again shortly."))
