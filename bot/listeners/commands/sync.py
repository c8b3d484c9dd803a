"""Starting a sync (the job, its thread's parent, owing it to the workers) and cancelling one."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import views
from bot.listeners.commands.invocation import Invocation, named_page
from bot.slack_client import safe_call
from core import jobs
from core.jobs import SyncAlreadyRunning, SyncJob
from core.pages import Page

logger = logging.getLogger(__name__)

# Slack's errors for a channel the bot cannot post in, where progress goes by direct message instead.
_NOT_POSTABLE = ("not_in_channel", "channel_not_found", "is_archived")


def cancel_sync(inv: Invocation) -> views.Message:
    with inv.deps.pool.connection() as conn:
        page = named_page(conn, inv)
        job = jobs.request_cancel(conn, page.id)
    return views.cancel_requested(page, job) if job else views.nothing_to_cancel(page)


def start_sync(inv: Invocation) -> views.Message:
    deps = inv.deps
    with deps.pool.connection() as conn:
        page = named_page(conn, inv)
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
        # Owed to the workers once its thread is known, so that its progress goes there from the start.
        # Redis down only delays it: the dispatcher queues it once Redis is back.
        if ts:
            jobs.attach_slack_thread(conn, job.id, channel, ts)
        jobs.queue_job(conn, job)
    return views.sync_queued(page, not_in_channel=inv.channel_id if by_dm else None)


def _post_parent(inv: Invocation, page: Page, job: SyncJob) -> tuple[str, str | None, bool]:
    """The thread's parent (channel, ts) in the channel, or by DM when the bot is not in the channel (True)."""
    parent = views.sync_started(page, inv.user_id, job.id, job.full_sync)
    try:
        posted = inv.client.chat_postMessage(channel=inv.channel_id, **parent)
        return posted["channel"], posted["ts"], False
    except SlackApiError as exc:
        if exc.response.get("error") not in _NOT_POSTABLE:
            logger.warning("could not post sync parent error=%s job_id=%s", exc.response.get("error"), job.id)
            return inv.channel_id, None, False
    dm = safe_call(inv.client.conversations_open, users=inv.user_id)
    if dm is None:
        return inv.channel_id, None, False
    posted = safe_call(inv.client.chat_postMessage, channel=dm["channel"]["id"], **parent)
    return (posted["channel"], posted["ts"], True) if posted else (inv.channel_id, None, False)


def _permalink(client: WebClient, job: SyncJob) -> str | None:
    if not (job.slack_channel and job.slack_thread_ts):
        return None
    answer = safe_call(client.chat_getPermalink, channel=job.slack_channel, message_ts=job.slack_thread_ts)
    return answer["permalink"] if answer else None
