"""Putting syncs on the queue."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Iterable

import redis
from psycopg_pool import ConnectionPool

from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from core.jobs import SyncJob
from core.webhook_store import mark_enqueued

logger = logging.getLogger(__name__)

# Big pages at Meta's 2 calls/s with AI analysis take hours; a sync that runs past this is stuck.
SYNC_JOB_TIMEOUT = 6 * 3600


def sync_rq_job_id(page_pk: int) -> str:
    """One RQ job id per page: a page cannot have two queued syncs."""
    return f"sync-page-{page_pk}"


def enqueue_sync(queue: Queue, job: SyncJob, delay: timedelta = timedelta(0)) -> Job:
    options = {
        "job_id": sync_rq_job_id(job.facebook_page_id),
        "job_timeout": SYNC_JOB_TIMEOUT,
        "result_ttl": 24 * 3600,
        "failure_ttl": 7 * 24 * 3600,
        "description": f"sync job {job.id} of page {job.facebook_page_id}",
    }
    if delay > timedelta(0):
        return queue.enqueue_in(delay, "worker.jobs.run_sync", job.id, **options)
    return queue.enqueue("worker.jobs.run_sync", job.id, **options)


def enqueue_parent_rewrite(queue: Queue, sync_job_id: int, delay_seconds: float, attempt: int) -> Job:
    """Write a finished sync's final state into its Slack parent message, `delay_seconds` from now."""
    options = {"job_id": f"sync-parent-{sync_job_id}", "job_timeout": 60, "result_ttl": 3600,
               "failure_ttl": 7 * 24 * 3600}
    if delay_seconds > 0:
        return queue.enqueue_in(timedelta(seconds=delay_seconds), "worker.jobs.rewrite_sync_parent", sync_job_id,
                                attempt, **options)
    return queue.enqueue("worker.jobs.rewrite_sync_parent", sync_job_id, attempt, **options)


REFRESH_JOB_TIMEOUT = 15 * 60


def refresh_rq_job_id(page_pk: int, contact_id: int) -> str:
    return f"refresh-{page_pk}-{contact_id}"


def enqueue_refresh(queue: Queue, page_pk: int, contact_id: int, delay: timedelta) -> Job:
    """Schedule the contact's refresh `delay` from now, pushing back one already scheduled.

    Re-scheduling a job id moves it in RQ's scheduled registry, which is the debounce. A refresh that
    already started may have read the data before this message, so a follow-up is scheduled under
    a second id (bursts during a running refresh collapse into that one follow-up).
    """
    job_id = refresh_rq_job_id(page_pk, contact_id)
    try:
        running = Job.fetch(job_id, connection=queue.connection).get_status() == JobStatus.STARTED
    except NoSuchJobError:
        running = False
    return queue.enqueue_in(
        delay,
        "worker.jobs.run_refresh",
        page_pk,
        contact_id,
        job_id=f"{job_id}-again" if running else job_id,
        job_timeout=REFRESH_JOB_TIMEOUT,
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
    )


def queue_refreshes(
    pool: ConnectionPool, queue: Queue, targets: Iterable[tuple[int, int]], debounce_seconds: float
) -> int:
    """Enqueue refreshes and record it on their events; Redis being down leaves them for the sweep."""
    targets = list(targets)
    done: list[int] = []
    try:
        for page_pk, contact_id in targets:
            enqueue_refresh(queue, page_pk, contact_id, timedelta(seconds=debounce_seconds))
            done.append(contact_id)
    except redis.RedisError:
        logger.warning("refresh queue unavailable; %d contact(s) left for the sweep", len(targets) - len(done))
    if done:
        with pool.connection() as conn:
            mark_enqueued(conn, done)
    return len(done)
