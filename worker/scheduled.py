"""Scheduled work: syncs of pages whose interval has passed. Run every minute by `rq cron`."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import redis
from psycopg_pool import ConnectionPool
from rq import Queue

from core import db, jobs, schedule
from core.config import Settings
from core.jobs import JobStatus, SyncAlreadyRunning, SyncJob
from core.logfmt import ContextLogger
from worker.enqueue import enqueue_sync
from worker.queues import redis_connection, sync_queue

logger = logging.getLogger(__name__)

# Pages due at the same moment start this far apart, not all in the same second.
SPACING = timedelta(seconds=2)


def plan_due_syncs(pool: ConnectionPool, queue: Queue, settings: Settings, now: datetime) -> list[SyncJob]:
    """Queue an incremental sync for every due page, spaced out; returns the jobs created."""
    planned: list[SyncJob] = []
    with pool.connection() as conn:
        for position, page in enumerate(schedule.due_pages(conn, now)):
            delay = SPACING * position
            log = ContextLogger(logger, {"page_id": page.page_id})
            try:
                job = jobs.create_job(conn, page.id, requested_by=schedule.SCHEDULED_BY, starts_at=now + delay,
                                      stale_after_seconds=settings.job_stale_after)
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
    settings = Settings.from_env()
    settings.require("database_url", "redis_url")
    assert settings.database_url
    pool = db.open_pool(settings.database_url, max_size=2)
    try:
        queue = sync_queue(redis_connection(settings))
        return len(plan_due_syncs(pool, queue, settings, datetime.now(timezone.utc)))
    finally:
        pool.close()
