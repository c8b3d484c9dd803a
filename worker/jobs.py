"""RQ job functions: each takes the pending work it was queued for (core/work.py) and does it.

They run in a work horse each, so they open (and close) their own resources (worker/resources.py).
"""

from __future__ import annotations

import logging
import math
import time
from contextlib import ExitStack
from datetime import UTC, datetime

from bot.notify import SlackStageNotifier
from bot.progress import ScheduledSummaryReporter, SlackAnalysisReporter, SlackProgressReporter, rewrite_parent
from bot.slack_client import SlackClients
from core import jobs, metrics, pages, work
from core.analysis import build_analyzer
from core.backlog import AnalysisBacklog, AnalysisCancelled, CancelWatchingSleep, online_backlog_size
from core.config import ConfigError, Settings
from core.db import Pool
from core.graph import GraphClient
from core.jobs import JobStatus, SyncJob
from core.logfmt import ContextLogger
from core.qualify import Qualifier
from core.refresh import Refresher, RefreshStatus
from core.schedule import SCHEDULED_BY
from core.stats import contacts_created_since, stage_breakdown
from core.sync import SyncEngine, SyncReporter
from core.tokens import TokenCipher
from worker.gemini_batch import offload_analysis
from worker.resources import held_work, job_resources
from worker.scheduled import check_page_tokens

logger = logging.getLogger(__name__)

# An analysis job works this long, then leaves its continuation owed, so that a worker serving
# several pages moves between them rather than spending hours on one backlog.
ANALYSIS_SLICE_SECONDS = 120.0
# The token check runs daily; one that cannot run (no app credentials) is looked at again then.
TOKEN_CHECK_EVERY = 24 * 3600.0
TOKEN_CHECK_RETRY = 3600.0


def run_sync(sync_job_id: int) -> str:
    """Run one sync job; returns its final status. The job row, not RQ, is the record of the outcome."""
    with job_resources(pool_size=4) as (settings, pool), ExitStack() as stack:
        log = ContextLogger(logger, {"job_id": sync_job_id})
        try:
            analyzer = build_analyzer(settings)
            TokenCipher.from_settings(settings)
        except ConfigError as exc:
            with pool.connection() as conn:
                work.forget(conn, work.Kind.SYNC, sync_job_id)
                jobs.finish_job(conn, sync_job_id, JobStatus.FAILED, failure_reason=f"configuration: {exc}")
            log.error("sync not started: %s", exc)
            raise
        qualifier = Qualifier(analyzer, workers=settings.analysis_workers)
        stack.callback(qualifier.close)
        with pool.connection() as conn:
            job = jobs.get_job(conn, sync_job_id)
            page = pages.get_page(conn, job.facebook_page_id)
        reporter = _slack_reporter(settings, pool, page, job)

        def request_analysis(page_pk: int) -> None:
            # The analysis job drains what the sync stores, at the AI quota's pace.
            with pool.connection() as conn:
                work.owe(conn, work.Kind.ANALYSIS, page_pk, page_pk=page_pk)

        engine = SyncEngine(pool, settings, qualifier, request_analysis=request_analysis, reporter=reporter)
        result = engine.run(sync_job_id)
        took = result.completed_at - result.started_at if result.started_at and result.completed_at else None
        metrics.sync_finished(result.status.value, took.total_seconds() if took else None, result.synced_contacts)
        return result.status.value


def _owe_parent_rewrite(pool: Pool, job: SyncJob, wait: float) -> None:
    with pool.connection() as conn:
        work.owe(conn, work.Kind.SLACK_PARENT, job.id, page_pk=job.facebook_page_id, delay_seconds=wait)


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

    # The reporter runs in the sync's thread: it must never sleep on Slack's rate limits.
    client = SlackClients(settings, pool, wait_on_rate_limit=False).for_page(page)
    if client is None:
        return None
    return SlackProgressReporter(
        client, page, job, breakdown, retry_final=lambda wait: _owe_parent_rewrite(pool, job, wait)
    )


def rewrite_sync_parent(sync_job_id: int, dispatch_id: int) -> str:
    """Write a finished sync's final state into its Slack parent; owed again after Retry-After until
    it lands (or work.MAX_SLACK_ATTEMPTS tries)."""
    with held_work(work.Kind.SLACK_PARENT, sync_job_id, dispatch_id) as held:
        if held is None:
            return "not owed"
        settings, pool, claim = held
        with pool.connection() as conn:
            job = jobs.get_job(conn, sync_job_id)
            page = pages.get_page(conn, job.facebook_page_id)
            breakdown = stage_breakdown(conn, page.id)
        log = ContextLogger(logger, {"job_id": job.id, "page_id": page.page_id})
        client = SlackClients(settings, pool, wait_on_rate_limit=False).for_page(page)
        # No client: the workspace uninstalled the app meanwhile.
        wait = rewrite_parent(client, page, job, breakdown, log) if client else None
        with pool.connection() as conn:
            if wait is None:
                work.settle(conn, work.Kind.SLACK_PARENT, sync_job_id, claim.version)
                return "written" if client else "no slack"
            if claim.attempts >= work.MAX_SLACK_ATTEMPTS:
                work.forget(conn, work.Kind.SLACK_PARENT, sync_job_id)
                log.error("final sync message given up after attempts=%d", claim.attempts)
                return "given up"
            work.release(conn, work.Kind.SLACK_PARENT, sync_job_id, wait, attempts=claim.attempts)
        return f"retrying in {wait:.0f}s"


def run_analysis(page_pk: int, dispatch_id: int) -> str:
    """Drain one page's analysis backlog for a slice of time (core/backlog.py); what is left stays owed."""
    with ExitStack() as stack:
        held = stack.enter_context(held_work(work.Kind.ANALYSIS, page_pk, dispatch_id, pool_size=4))
        log = ContextLogger(logger, {"page_pk": page_pk})
        if held is None:
            log.info("analysis not owed to this job (done, or taken by another)")
            return "not owed"
        settings, pool, claim = held
        hold = offload_analysis(settings, pool, page_pk)  # a large full sync's analysis: Gemini batches
        if hold is not None:
            with pool.connection() as conn:
                work.release(conn, work.Kind.ANALYSIS, page_pk, hold)
            return "held for gemini batches"
        sleep = CancelWatchingSleep(pool, page_pk, claim.alive)
        qualifier = Qualifier(build_analyzer(settings, sleep=sleep), workers=settings.analysis_workers)
        stack.callback(qualifier.close)
        reporter = analysis_reporter(settings, pool, page_pk)

        def on_batch(job: SyncJob) -> None:
            sleep.check()
            if reporter:
                reporter.update(job)

        def sync_running() -> bool:
            # Storing contacts now, on another worker; a sync still queued may be waiting for this very worker.
            with pool.connection() as conn:
                active = jobs.active_job(conn, page_pk)
            return active is not None and active.status is JobStatus.IN_PROGRESS

        backlog = AnalysisBacklog(pool, qualifier, sleep=sleep, rate_horizon=settings.gemini_window_seconds)
        try:
            result = backlog.drain(
                page_pk,
                on_batch=on_batch,
                sync_running=sync_running,
                deadline=time.monotonic() + ANALYSIS_SLICE_SECONDS,
            )
        except AnalysisCancelled:
            with pool.connection() as conn:
                work.forget(conn, work.Kind.ANALYSIS, page_pk)
            log.info("analysis stopped: the sync was cancelled")
            return "cancelled"
        with pool.connection() as conn:
            job = jobs.latest_job(conn, page_pk)
            left = online_backlog_size(conn, page_pk)
        if reporter and job:
            reporter.update(job, final=True)
        with pool.connection() as conn:
            if result.deferred_reason:
                delay = math.ceil(result.retry_after or 60.0)
                work.release(conn, work.Kind.ANALYSIS, page_pk, delay)
                log.info("analysis deferred resume_in_s=%d reason=%s", delay, result.deferred_reason)
                return "deferred"
            if left or not result.complete:
                work.release(conn, work.Kind.ANALYSIS, page_pk)
                return "continues"
            # A sync that stored contacts since the claim moved the version: the row stays owed.
            work.settle(conn, work.Kind.ANALYSIS, page_pk, claim.version)
        return "complete"


def analysis_reporter(settings: Settings, pool: Pool, page_pk: int) -> SlackAnalysisReporter | None:
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
        client, page, breakdown, scheduled, retry_final=lambda job, wait: _owe_parent_rewrite(pool, job, wait)
    )


def run_refresh(page_pk: int, contact_id: int, dispatch_id: int) -> str:
    """Refresh one contact after webhook deliveries (owed since the drain expanded them)."""
    with ExitStack() as stack:
        held = stack.enter_context(held_work(work.Kind.REFRESH, contact_id, dispatch_id, pool_size=2))
        log = ContextLogger(logger, {"page_pk": page_pk, "contact_id": contact_id})
        if held is None:
            log.info("refresh not owed to this job (done, or taken by another)")
            return "not owed"
        settings, pool, claim = held
        qualifier = Qualifier(build_analyzer(settings), workers=1)
        stack.callback(qualifier.close)
        notifier = SlackStageNotifier(SlackClients(settings, pool)) if settings.slack_enabled else None
        cipher = TokenCipher.from_settings(settings)
        refresher = Refresher(
            pool,
            qualifier,
            lambda page: GraphClient.for_page(settings, cipher.decrypt(page.token_ciphertext)),
            notifier,
        )
        result = refresher.refresh(page_pk, contact_id, claim.version)
        if result.status in (RefreshStatus.REFRESHED, RefreshStatus.ANALYSIS_DEFERRED):
            # From the first message it answered: debounce included.
            metrics.refresh_done((datetime.now(UTC) - claim.pending_since).total_seconds())
        log.info(
            "refresh done status=%s stage_change=%s",
            result.status.value,
            result.stage_change.to_stage if result.stage_change else "-",
        )
        return result.status.value


def check_tokens(subject_id: int, dispatch_id: int) -> int:
    """Daily: every connected page's token looked at; owed again a day later. Returns the problems."""
    with held_work(work.Kind.TOKEN_CHECK, subject_id, dispatch_id) as held:
        if held is None:
            return 0
        settings, pool, claim = held
        problems, again_in = 0, TOKEN_CHECK_EVERY
        try:
            if settings.fb_app_id and settings.fb_app_secret:
                problems = check_page_tokens(pool, settings, datetime.now(UTC))
            else:
                logger.warning("token check skipped: FB_APP_ID and FB_APP_SECRET are not set")
        except Exception as exc:  # a daily check must never stop for good: tried again within the hour
            logger.error("token check failed error=%s", type(exc).__name__)
            again_in = TOKEN_CHECK_RETRY
        with pool.connection() as conn:
            work.release(conn, work.Kind.TOKEN_CHECK, subject_id, again_in)
        return problems
