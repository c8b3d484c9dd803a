"""RQ job functions. Each runs in a work-horse process, so it opens (and closes) its own resources."""
from __future__ import annotations

import logging
import os
from contextlib import ExitStack
from datetime import UTC, datetime

import redis
from psycopg_pool import ConnectionPool

from bot.notify import SlackStageNotifier
from bot.progress import ScheduledSummaryReporter, SlackProgressReporter, rewrite_parent
from bot.slack_client import SlackClients
from core import db, jobs, logfmt, metrics, pages
from core.analysis import build_analyzer
from core.config import ConfigError, Settings
from core.jobs import JobStatus, SyncJob
from core.logfmt import ContextLogger
from core.graph import GraphClient
from core.locks import ContactLocks
from core.qualify import Qualifier
from core.refresh import Refresher
from core.schedule import SCHEDULED_BY
from core.stats import contacts_created_since, stage_breakdown
from core.sync import SyncEngine, SyncReporter
from core.tokens import TokenCipher
from worker.enqueue import enqueue_parent_rewrite, queue_due_refreshes
from worker.queues import redis_connection, refresh_queue

logger = logging.getLogger(__name__)


def job_settings() -> Settings:
    """Each job runs in a fresh work horse: its configuration and logging come from the environment."""
    logfmt.configure(os.environ.get("FBSYNC_LOG_LEVEL", "INFO"))
    return Settings.from_env()


def run_sync(sync_job_id: int) -> str:
    """Run one sync job; returns its final status. The job row, not RQ, is the record of the outcome."""
    settings = job_settings()
    settings.require("database_url")
    assert settings.database_url
    log = ContextLogger(logger, {"job_id": sync_job_id})
    with ExitStack() as stack:
        pool = db.open_pool(settings.database_url, max_size=4)
        stack.callback(pool.close)
        try:
            analyzer = build_analyzer(settings)
            TokenCipher.from_settings(settings)
        except ConfigError as exc:
            with pool.connection() as conn:
                jobs.finish_job(conn, sync_job_id, JobStatus.FAILED, failure_reason=f"configuration: {exc}")
            log.error("sync not started: %s", exc)
            raise
        qualifier = Qualifier(analyzer, workers=settings.analysis_workers)
        stack.callback(qualifier.close)
        with pool.connection() as conn:
            job = jobs.get_job(conn, sync_job_id)
            page = pages.get_page(conn, job.facebook_page_id)
        reporter = _slack_reporter(settings, pool, page, job)
        locks = ContactLocks(redis_connection(settings)) if settings.redis_url else None
        result = SyncEngine(pool, settings, qualifier, locks=locks, reporter=reporter).run(sync_job_id)
        took = result.completed_at - result.started_at if result.started_at and result.completed_at else None
        metrics.sync_finished(result.status.value, took.total_seconds() if took else None, result.synced_contacts)
        return result.status.value


def _slack_reporter(settings: Settings, pool: ConnectionPool, page: pages.Page, job: SyncJob) -> SyncReporter | None:
    """The thread of the Slack command that started the job; for scheduled runs, the notify channel."""
    if job.requested_by == SCHEDULED_BY and not job.slack_thread_ts and page.notify_channel:
        client = SlackClients(settings, pool).for_page(page)
        if client is None:
            return None

        def new_contacts(since: datetime) -> int:
            with pool.connection() as conn:
                return contacts_created_since(conn, page.id, since)

        return ScheduledSummaryReporter(client, page, new_contacts)
    if not (job.slack_channel and job.slack_thread_ts):
        return None

    def breakdown() -> list[tuple[str, int]]:
        with pool.connection() as conn:
            return stage_breakdown(conn, page.id)

    def retry_final(wait: float) -> None:
        _retry_parent_rewrite(settings, job.id, wait, attempt=1)

    # The reporter runs in the sync's thread: it must never sleep on Slack's rate limits.
    client = SlackClients(settings, pool, wait_on_rate_limit=False).for_page(page)
    if client is None:
        return None
    return SlackProgressReporter(client, page, job, breakdown, retry_final=retry_final)


# Tried for about as long as Slack could plausibly keep refusing (Retry-After is seconds to minutes).
PARENT_REWRITE_ATTEMPTS = 30


def rewrite_sync_parent(sync_job_id: int, attempt: int) -> str:
    """Write a finished sync's final state into its Slack parent; tried again after Retry-After until it lands."""
    settings = job_settings()
    settings.require("database_url")
    assert settings.database_url
    pool = db.open_pool(settings.database_url, max_size=1)
    try:
        with pool.connection() as conn:
            job = jobs.get_job(conn, sync_job_id)
            page = pages.get_page(conn, job.facebook_page_id)
            breakdown = stage_breakdown(conn, page.id)
        log = ContextLogger(logger, {"job_id": job.id, "page_id": page.page_id})
        client = SlackClients(settings, pool, wait_on_rate_limit=False).for_page(page)
        if client is None:  # the workspace uninstalled the app meanwhile
            return "no slack"
        wait = rewrite_parent(client, page, job, breakdown, log)
    finally:
        pool.close()
    if wait is None:
        return "written"
    if attempt >= PARENT_REWRITE_ATTEMPTS:
        log.error("final sync message given up after attempts=%d", attempt)
        return "given up"
    _retry_parent_rewrite(settings, sync_job_id, wait, attempt + 1)
    return f"retrying in {wait:.0f}s"


def _retry_parent_rewrite(settings: Settings, sync_job_id: int, wait: float, attempt: int) -> None:
    try:
        enqueue_parent_rewrite(refresh_queue(redis_connection(settings)), sync_job_id, wait, attempt)
    except redis.RedisError:
        ContextLogger(logger, {"job_id": sync_job_id}).error("final sync message lost: job queue unavailable")


def sweep_stale_jobs() -> int:
    """Periodic (rq cron): fail jobs whose worker died, so their pages can sync again; say so in Slack."""
    settings = job_settings()
    settings.require("database_url")
    assert settings.database_url
    pool = db.open_pool(settings.database_url, max_size=2)
    try:
        clients = SlackClients(settings, pool, wait_on_rate_limit=False)
        with pool.connection() as conn:
            reaped = jobs.reap_stale_jobs(conn, None, settings.job_stale_after)
            for job in reaped:
                log = ContextLogger(logger, {"job_id": job.id})
                log.warning("sync job reaped: %s", job.failure_reason)
                if not (job.slack_channel and job.slack_thread_ts):
                    continue
                page = pages.get_page(conn, job.facebook_page_id)
                client = clients.for_page(page)
                if client:
                    wait = rewrite_parent(client, page, job, stage_breakdown(conn, page.id), log)
                    if wait is not None:
                        _retry_parent_rewrite(settings, job.id, wait, attempt=1)
        return len(reaped)
    finally:
        pool.close()


def run_refresh(page_pk: int, contact_id: int) -> str:
    """Refresh one contact after webhook deliveries (owed in pending_refreshes, queued when due)."""
    settings = job_settings()
    settings.require("database_url", "redis_url")
    assert settings.database_url
    with ExitStack() as stack:
        pool = db.open_pool(settings.database_url, max_size=2)
        stack.callback(pool.close)
        qualifier = Qualifier(build_analyzer(settings), workers=1)
        stack.callback(qualifier.close)
        notifier = SlackStageNotifier(SlackClients(settings, pool)) if settings.slack_enabled else None
        cipher = TokenCipher.from_settings(settings)
        refresher = Refresher(pool, qualifier, ContactLocks(redis_connection(settings)),
                              lambda page: GraphClient.for_page(settings, cipher.decrypt(page.token_ciphertext)),
                              notifier)
        result = refresher.refresh(page_pk, contact_id)
        if result.owed_since is not None:  # from the first message it answered: debounce included
            metrics.refresh_done((datetime.now(UTC) - result.owed_since).total_seconds())
        ContextLogger(logger, {"page_pk": page_pk, "contact_id": contact_id}).info(
            "refresh done status=%s stage_change=%s", result.status.value,
            result.stage_change.to_stage if result.stage_change else "-",
        )
        return result.status.value


def queue_pending_refreshes() -> int:
    """Periodic (rq cron, every few seconds): the refreshes owed in PostgreSQL that are due, queued."""
    settings = job_settings()
    settings.require("database_url", "redis_url")
    assert settings.database_url
    pool = db.open_pool(settings.database_url, max_size=1)
    try:
        return queue_due_refreshes(pool, refresh_queue(redis_connection(settings)), settings.refresh_requeue_after)
    finally:
        pool.close()
