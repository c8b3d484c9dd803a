"""`/fbsync`: every command acks at once; reads answer ephemerally, a sync becomes an RQ job."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import views
from bot.commands import Command, CommandError, parse
from bot.deps import BotDeps
from bot.permissions import DENIED, may_change
from bot.slack_client import safe_call
from core import jobs, pages, pipeline, schedule
from core.db import Conn, DatabaseUnavailable
from core.jobs import SyncAlreadyRunning
from core.logfmt import ContextLogger
from core.pages import AmbiguousPage, Page, PageNotFound
from core.pipeline import AutoMode, PipelineError
from core.stats import page_stats

logger = logging.getLogger(__name__)

Message = dict[str, Any]

CHANGES = frozenset({"sync", "cancel", "pipeline", "notify", "schedule", "connect", "disconnect"})


def register(app: App) -> None:
    app.command("/fbsync")(handle_fbsync)


@dataclass(frozen=True)
class Invocation:
    deps: BotDeps
    client: WebClient
    command: Command
    organization_id: int
    team_id: str
    user_id: str
    channel_id: str


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
    except (PageNotFound, AmbiguousPage, PipelineError, schedule.IntervalError) as exc:
        respond(**views.error_message(str(exc)))
    except (DatabaseUnavailable, psycopg.OperationalError):
        log.exception("database unavailable")
        respond(**views.error_message("fbsync cannot reach its database right now; please try again shortly."))


def _now() -> datetime:
    return datetime.now(UTC)


def _page(conn: Conn, inv: Invocation) -> Page:
    """The page the command names; with no name, the workspace's only page."""
    if inv.command.page:
        return pages.find_page(conn, inv.command.page, inv.organization_id)
    summaries = pages.list_pages(conn, inv.organization_id)
    if len(summaries) == 1:
        return summaries[0].page
    if not summaries:
        raise PageNotFound("no pages are connected to this workspace yet")
    raise AmbiguousPage("", [f"{s.page.name} ({s.page.page_id})" for s in summaries])


def show_pages(inv: Invocation) -> Message:
    with inv.deps.pool.connection() as conn:
        return views.pages_message(pages.list_pages(conn, inv.organization_id), _now())


def show_pipelines(inv: Invocation) -> Message:
    with inv.deps.pool.connection() as conn:
        return views.pipelines_message(pipeline.list_pipelines(conn, inv.organization_id))


def show_status(inv: Invocation) -> Message:
    with inv.deps.pool.connection() as conn:
        page = _page(conn, inv)
        return views.status_message(page, jobs.latest_jobs(conn, page.id), _now())


def show_stats(inv: Invocation) -> Message:
    with inv.deps.pool.connection() as conn:
        return views.stats_message(page_stats(conn, _page(conn, inv)), _now())


def set_pipeline(inv: Invocation) -> Message:
    with inv.deps.pool.connection() as conn, conn.transaction():
        page = _page(conn, inv)
        chosen = (
            None if inv.command.off else pipeline.find_pipeline(conn, inv.organization_id, inv.command.pipeline or "")
        )
        mode = AutoMode.UPDATE_EXISTING if inv.command.mode == "update" else AutoMode.SKIP_EXISTING
        pipeline.set_auto_pipeline(conn, page.id, chosen, mode)
    return views.pipeline_set(page, chosen, mode)


def set_notify(inv: Invocation) -> Message:
    channel = None if inv.command.off else inv.channel_id
    with inv.deps.pool.connection() as conn:
        page = _page(conn, inv)
        pages.set_notify_channel(conn, page.id, channel)
    return views.notify_set(page, channel)


def set_schedule(inv: Invocation) -> Message:
    seconds = None if inv.command.off else schedule.parse_interval(inv.command.interval or "")
    with inv.deps.pool.connection() as conn:
        page = _page(conn, inv)
        schedule.set_schedule(conn, page.id, seconds)
    return views.schedule_set(page, schedule.format_interval(seconds) if seconds else None)


def cancel_sync(inv: Invocation) -> Message:
    with inv.deps.pool.connection() as conn:
        page = _page(conn, inv)
        job = jobs.request_cancel(conn, page.id)
    return views.cancel_requested(page, job) if job else views.nothing_to_cancel(page)


def start_sync(inv: Invocation) -> Message:
    deps = inv.deps
    with deps.pool.connection() as conn:
        page = _page(conn, inv)
        try:
            job = jobs.create_job(
                conn,
                page.id,
                full=inv.command.full,
                requested_by=inv.user_id,
                slack_channel=inv.channel_id,
                stale_after_seconds=deps.settings.job_stale_after,
            )
        except SyncAlreadyRunning:
            running = jobs.active_job(conn, page.id)
            if running is None:  # it finished in between: a retry will start a new one
                return views.error_message("A sync of this page just finished; run the command again to start another.")
            return views.already_running(page, running, _permalink(inv.client, running))

    channel, ts, by_dm = _post_parent(inv, page, job)
    with deps.pool.connection() as conn, conn.transaction():
        # Owed to a worker once the thread is known, so that its progress goes there from the start.
        if ts:
            jobs.attach_slack_thread(conn, job.id, channel, ts)
        jobs.queue_job(conn, job)
    return views.sync_queued(page, not_in_channel=inv.channel_id if by_dm else None)


def _post_parent(inv: Invocation, page: Page, job: jobs.SyncJob) -> tuple[str, str | None, bool]:
    """The thread's parent (channel, ts) in the channel, or by DM when the bot is not in the channel (True)."""
    parent = views.sync_started(page, inv.user_id, job.id, job.full_sync)
    try:
        posted = inv.client.chat_postMessage(channel=inv.channel_id, **parent)
        return posted["channel"], posted["ts"], False
    except SlackApiError as exc:
        if exc.response.get("error") not in ("not_in_channel", "channel_not_found", "is_archived"):
            logger.warning("could not post sync parent error=%s job_id=%s", exc.response.get("error"), job.id)
            return inv.channel_id, None, False
    dm = safe_call(inv.client.conversations_open, users=inv.user_id)
    if dm is None:
        return inv.channel_id, None, False
    posted = safe_call(inv.client.chat_postMessage, channel=dm["channel"]["id"], **parent)
    return (posted["channel"], posted["ts"], True) if posted else (inv.channel_id, None, False)


def _permalink(client: WebClient, job: jobs.SyncJob) -> str | None:
    if not (job.slack_channel and job.slack_thread_ts):
        return None
    answer = safe_call(client.chat_getPermalink, channel=job.slack_channel, message_ts=job.slack_thread_ts)
    return answer["permalink"] if answer else None


def connect_pages(inv: Invocation) -> Message:
    return views.connect_link(inv.deps.connect_link(inv.team_id, inv.user_id, inv.channel_id))


def confirm_disconnect(inv: Invocation) -> Message:
    with inv.deps.pool.connection() as conn:
        return views.disconnect_confirm(_page(conn, inv))


HANDLERS: dict[str, Callable[[Invocation], Message]] = {
    "pages": show_pages,
    "pipelines": show_pipelines,
    "status": show_status,
    "stats": show_stats,
    "pipeline": set_pipeline,
    "notify": set_notify,
    "schedule": set_schedule,
    "cancel": cancel_sync,
    "sync": start_sync,
    "connect": connect_pages,
    "disconnect": confirm_disconnect,
}
