"""RQ job functions. Each runs in a work-horse process, so it opens (and closes) its own resources."""

from __future__ import annotations

import logging
import math
import os
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import redis

from bot.notify import SlackStageNotifier
from bot.progress import ScheduledSummaryReporter, SlackAnalysisReporter, SlackProgressReporter, rewrite_parent
from bot.slack_client import SlackClients
from core import db, jobs, logfmt, metrics, pages
from core.analysis import build_analyzer
from core.backlog import (
    AnalysisBacklog,
    AnalysisCancelled,
    LeaseKeepingSleep,
    PageLease,
    backlog_size,
    pages_with_backlog,
)
from core.config import ConfigError, Settings
from core.db import Pool
from core.graph import GraphClient
from core.jobs import JobStatus, SyncJob
from core.locks import ContactLocks
from core.logfmt import ContextLogger
from core.qualify import Qualifier
from core.refresh import Refresher
from core.schedule import SCHEDULED_BY
from core.stats import contacts_created_since, stage_breakdown
from core.sync import SyncEngine, SyncReporter
from core.tokens import TokenCipher
from core.webhook_store import expand_deliveries
from worker.enqueue import analysis_queued_key, enqueue_analysis, enqueue_parent_rewrite, queue_due_refreshes
from worker.queues import analysis_queue, redis_connection, refresh_queue

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
        # The analysis job drains what the sync stores, at the AI quota's pace; without Redis (no
        # queue, no other workers) the sync analyses its backlog itself.
        queue = analysis_queue(redis_connection(settings)) if settings.redis_url else None
        request = (lambda page_pk: enqueue_analysis(queue, page_pk)) if queue is not None else None
        result = SyncEngine(pool, settings, qualifier, request_analysis=request, reporter=reporter).run(sync_job_id)
        took = result.completed_at - result.started_at if result.started_at and result.completed_at else None
        metrics.sync_finished(result.status.value, took.total_seconds() if took else None, result.synced_contacts)
        return result.status.value


def _slack_reporter(settings: Settings, pool: Pool, page: pages.Page, job: SyncJob) -> SyncReporter | None:
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


# An analysis job works this long, then queues its continuation, so that on a worker that also serves
# syncs and refreshes those are not held up for the hours a big backlog takes at the AI quota.
ANALYSIS_SLICE_SECONDS = 120.0


def run_analysis(page_pk: int) -> str:
    """Drain one page's analysis backlog (one slice of it); see core.backlog."""
    settings = job_settings()
    settings.require("database_url", "redis_url")
    assert settings.database_url
    connection = redis_connection(settings)
    connection.delete(analysis_queued_key(page_pk))
    log = ContextLogger(logger, {"page_pk": page_pk})
    lease = PageLease(connection, page_pk, 3 * settings.analysis_lease_seconds)
    if not lease.acquire():
        log.info("analysis already in progress elsewhere")
        return "busy"
    queue = analysis_queue(connection)
    with ExitStack() as stack:
        stack.callback(lease.release)
        pool = db.open_pool(settings.database_url, max_size=4)
        stack.callback(pool.close)
        keeper = LeaseKeepingSleep(lease, pool, page_pk, settings.analysis_lease_seconds)
        qualifier = Qualifier(build_analyzer(settings, sleep=keeper), workers=settings.analysis_workers)
        stack.callback(qualifier.close)
        reporter = _analysis_reporter(settings, pool, page_pk)

        def on_batch(job: SyncJob) -> None:
            keeper.renew()
            if reporter:
                reporter.update(job)

        def sync_running() -> bool:
            # Storing contacts now, on another worker; a sync still queued may be waiting for this very worker.
            with pool.connection() as conn:
                active = jobs.active_job(conn, page_pk)
            return active is not None and active.status is JobStatus.IN_PROGRESS

        backlog = AnalysisBacklog(pool, qualifier, sleep=keeper, rate_horizon=settings.gemini_window_seconds)
        try:
            result = backlog.drain(
                page_pk,
                on_batch=on_batch,
                sync_running=sync_running,
                deadline=time.monotonic() + ANALYSIS_SLICE_SECONDS,
            )
        except AnalysisCancelled:
            log.info("analysis stopped: the sync was cancelled")
            return "cancelled"
        with pool.connection() as conn:
            job = jobs.latest_job(conn, page_pk)
            left = backlog_size(conn, page_pk)
        if reporter and job:
            reporter.update(job, final=True)
        lease.release()
        if result.deferred_reason:
            # RQ schedules to the whole second, rounding down: a second more, so as not to come back early.
            delay = timedelta(seconds=math.ceil(result.retry_after or 60.0) + 1)
            enqueue_analysis(queue, page_pk, delay)
            log.info("analysis deferred resume_in_s=%.0f reason=%s", delay.total_seconds(), result.deferred_reason)
            return "deferred"
        # Checked after letting go of the lease: a sync that stored contacts meanwhile saw it taken.
        if left or not result.complete:
            enqueue_analysis(queue, page_pk)
            return "continues"
        return "complete"


def _analysis_reporter(settings: Settings, pool: Pool, page_pk: int) -> SlackAnalysisReporter | None:
    with pool.connection() as conn:
        page = pages.get_page(conn, page_pk)
    # The reporter runs in the drain's thread: it must never sleep on Slack's rate limits.
    client = SlackClients(settings, pool, wait_on_rate_limit=False).for_page(page)
    if client is None:
        return None

    def breakdown() -> list[tuple[str, int]]:
        with pool.connection() as conn:
            return stage_breakdown(conn, page_pk)

    def new_contacts(since: datetime) -> int:
        with pool.connection() as conn:
            return contacts_created_since(conn, page_pk, since)

    scheduled = ScheduledSummaryReporter(client, page, new_contacts) if page.notify_channel else None
    return SlackAnalysisReporter(
        client,
        page,
        breakdown,
        scheduled,
        retry_final=lambda job, wait: _retry_parent_rewrite(settings, job.id, wait, 1),
    )


def queue_pending_analyses() -> int:
    """Periodic (rq cron): pages with analysis backlog and no analysis job queued or working (its
    worker died, Redis lost the queue) get one."""
    settings = job_settings()
    settings.require("database_url", "redis_url")
    assert settings.database_url
    pool = db.open_pool(settings.database_url, max_size=2)
    try:
        with pool.connection() as conn:
            due = pages_with_backlog(conn)
        queue = analysis_queue(redis_connection(settings))
        return sum(enqueue_analysis(queue, page_pk) for page_pk in due)
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
        refresher = Refresher(
            pool,
            qualifier,
            ContactLocks(redis_connection(settings)),
            lambda page: GraphClient.for_page(settings, cipher.decrypt(page.token_ciphertext)),
            notifier,
        )
        result = refresher.refresh(page_pk, contact_id)
        if result.owed_since is not None:  # from the first message it answered: debounce included
            metrics.refresh_done((datetime.now(UTC) - result.owed_since).total_seconds())
        ContextLogger(logger, {"page_pk": page_pk, "contact_id": contact_id}).info(
            "refresh done status=%s stage_change=%s",
            result.status.value,
            result.stage_change.to_stage if result.stage_change else "-",
        )
        return result.status.value


def queue_pending_refreshes() -> int:
    """Periodic (rq cron, every few seconds): the webhook deliveries acknowledged since the last
    tick expanded (committed on its own, so a Redis failure in what follows does not undo it), then
    the refreshes owed that are due, queued. Returns how many refreshes were queued."""
    settings = job_settings()
    settings.require("database_url", "redis_url")
    assert settings.database_url
    pool = db.open_pool(settings.database_url, max_size=1)
    try:
        with pool.connection() as conn:
            expanded = expand_deliveries(conn, settings.refresh_debounce)
        if expanded.deliveries or expanded.rejected:
            metrics.webhook_duplicates(expanded.duplicates)
            logger.log(
                logging.WARNING if expanded.rejected else logging.INFO,
                "webhook deliveries expanded deliveries=%d stored=%d duplicates=%d rejected=%d refreshes=%d"
                " ignored_accounts=%d",
                expanded.deliveries,
                expanded.stored,
                expanded.duplicates,
                expanded.rejected,
                expanded.refreshes,
                len(expanded.unknown_accounts),
            )
        return queue_due_refreshes(pool, refresh_queue(redis_connection(settings)), settings.refresh_requeue_after)
    finally:
        pool.close()
