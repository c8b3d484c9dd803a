"""Scheduled work: syncs of pages whose interval has passed. Run every minute by `rq cron`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from rq import Queue

from bot import views
from bot.slack_client import SlackClients, safe_call
from core import db, jobs, pages, schedule
from core.config import Settings
from core.db import Pool
from core.graph import GraphClient, GraphError
from core.jobs import JobStatus, SyncAlreadyRunning, SyncJob
from core.logfmt import ContextLogger
from core.pages import Page
from core.token_health import inspect_token, record
from core.tokens import TokenCipher, TokenUnreadable
from worker.enqueue import enqueue_sync
from worker.jobs import job_settings
from worker.queues import redis_connection, sync_queue

logger = logging.getLogger(__name__)

# Pages due at the same moment start this far apart, not all in the same second.
SPACING = timedelta(seconds=2)


def plan_due_syncs(pool: Pool, queue: Queue, settings: Settings, now: datetime) -> list[SyncJob]:
    """Queue an incremental sync for every due page, spaced out; returns the jobs created."""
    planned: list[SyncJob] = []
    with pool.connection() as conn:
        for position, page in enumerate(schedule.due_pages(conn, now)):
            delay = SPACING * position
            log = ContextLogger(logger, {"page_id": page.page_id})
            try:
                job = jobs.create_job(
                    conn,
                    page.id,
                    requested_by=schedule.SCHEDULED_BY,
                    starts_at=now + delay,
                    stale_after_seconds=settings.job_stale_after,
                )
            except SyncAlreadyRunning:
                continue  # someone started one since due_pages looked
            try:
                enqueue_sync(queue, job, delay)
            except redis.RedisError:
                jobs.finish_job(conn, job.id, JobStatus.FAILED, failure_reason="the job queue (Redis) is unavailable")
                log.warning("scheduled sync not queued: Redis unavailable job_id=%s", job.id)
                continue
            log.info("scheduled sync queued job_id=%s delay_s=%.0f", job.id, delay.total_seconds())
            planned.append(job)
    return planned


def schedule_due_syncs() -> int:
    settings = job_settings()
    settings.require("database_url", "redis_url")
    assert settings.database_url
    pool = db.open_pool(settings.database_url, max_size=2)
    try:
        queue = sync_queue(redis_connection(settings))
        return len(plan_due_syncs(pool, queue, settings, datetime.now(UTC)))
    finally:
        pool.close()


def check_page_tokens(
    pool: Pool, settings: Settings, notify: Callable[[Page, dict[str, Any]], None], now: datetime
) -> int:
    """Ask Meta about every connected page's token; flag dead ones, announce dying ones. Returns problems."""
    assert settings.fb_app_id and settings.fb_app_secret
    cipher = TokenCipher.from_settings(settings)
    app_graph = GraphClient.for_page(settings, f"{settings.fb_app_id}|{settings.fb_app_secret}")
    problems = 0
    with pool.connection() as conn:
        for page in pages.connected_pages(conn):
            log = ContextLogger(logger, {"page_id": page.page_id})
            try:
                health = inspect_token(app_graph, cipher.decrypt(page.token_ciphertext))
            except (GraphError, TokenUnreadable) as exc:
                log.warning("token check failed: %s", exc)
                continue
            record(conn, page, health)
            if not health.valid or health.expiring(now):
                problems += 1
                log.warning("page token %s", "invalid" if not health.valid else f"expires {health.expires_at}")
                notify(page, views.token_warning(page, health.valid, health.expires_at, now))
    return problems


def check_tokens() -> int:
    """Daily (rq cron)."""
    settings = job_settings()
    settings.require("database_url", "fb_app_id", "fb_app_secret")
    assert settings.database_url
    pool = db.open_pool(settings.database_url, max_size=2)
    clients = SlackClients(settings, pool)

    def notify(page: Page, message: dict[str, Any]) -> None:
        client = clients.for_page(page) if page.notify_channel else None
        if client:
            safe_call(client.chat_postMessage, channel=page.notify_channel, **message)

    try:
        return check_page_tokens(pool, settings, notify, datetime.now(UTC))
    finally:
        pool.close()
