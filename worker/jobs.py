"""RQ job functions. Each runs in a work-horse process, so it opens (and closes) its own resources."""
from __future__ import annotations

import logging
from contextlib import ExitStack
from datetime import datetime, timezone

from psycopg_pool import ConnectionPool

from bot import views
from bot.progress import SlackProgressReporter
from bot.slack_client import safe_call, web_client
from core import db, jobs, pages
from core.analysis import build_analyzer
from core.config import ConfigError, Settings
from core.jobs import JobStatus, SyncJob
from core.logfmt import ContextLogger
from core.qualify import Qualifier
from core.stats import stage_breakdown
from core.sync import SyncEngine, SyncReporter

logger = logging.getLogger(__name__)


def run_sync(sync_job_id: int) -> str:
    """Run one sync job; returns its final status. The job row, not RQ, is the record of the outcome."""
    settings = Settings.from_env()
    settings.require("database_url")
    assert settings.database_url
    log = ContextLogger(logger, {"job_id": sync_job_id})
    with ExitStack() as stack:
        pool = db.open_pool(settings.database_url, max_size=4)
        stack.callback(pool.close)
        try:
            analyzer = build_analyzer(settings)
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
        result = SyncEngine(pool, settings, qualifier, reporter=reporter).run(sync_job_id)
        return result.status.value


def _slack_reporter(settings: Settings, pool: ConnectionPool, page: pages.Page, job: SyncJob) -> SyncReporter | None:
    if not (settings.slack_bot_token and job.slack_channel and job.slack_thread_ts):
        return None

    def breakdown() -> list[tuple[str, int]]:
        with pool.connection() as conn:
            return stage_breakdown(conn, page.id)

    return SlackProgressReporter(web_client(settings), page, job, breakdown)


def sweep_stale_jobs() -> int:
    """Periodic (rq cron): fail jobs whose worker died, so their pages can sync again; say so in Slack."""
    settings = Settings.from_env()
    settings.require("database_url")
    assert settings.database_url
    pool = db.open_pool(settings.database_url, max_size=2)
    try:
        with pool.connection() as conn:
            reaped = jobs.reap_stale_jobs(conn, None, settings.job_stale_after)
            for job in reaped:
                ContextLogger(logger, {"job_id": job.id}).warning("sync job reaped: %s", job.failure_reason)
                if settings.slack_bot_token and job.slack_channel and job.slack_thread_ts:
                    page = pages.get_page(conn, job.facebook_page_id)
                    safe_call(
                        web_client(settings).chat_update, channel=job.slack_channel, ts=job.slack_thread_ts,
                        **views.sync_finished(page, job.requested_by or "", job, stage_breakdown(conn, page.id),
                                              datetime.now(timezone.utc)),
                    )
        return len(reaped)
    finally:
        pool.close()
