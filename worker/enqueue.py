"""Putting syncs and webhook refreshes on the queue."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import redis
from rq import Queue
from rq.job import Job, JobStatus

from core import refresh_outbox
from core.backlog import lease_key
from core.db import Pool
from core.jobs import SyncJob

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
    options = {
        "job_id": f"sync-parent-{sync_job_id}",
        "job_timeout": 60,
        "result_ttl": 3600,
        "failure_ttl": 7 * 24 * 3600,
    }
    if delay_seconds > 0:
        return queue.enqueue_in(
            timedelta(seconds=delay_seconds), "worker.jobs.rewrite_sync_parent", sync_job_id, attempt, **options
        )
    return queue.enqueue("worker.jobs.rewrite_sync_parent", sync_job_id, attempt, **options)


REFRESH_JOB_TIMEOUT = 15 * 60
# RQ statuses of a job that will still run: its claim needs no second queue entry.
_LIVE = frozenset({JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED})


def refresh_rq_job_id(page_pk: int, contact_id: int) -> str:
    """One id per contact: a refresh queued twice is one job, and a second run finds nothing owed."""
    return f"refresh-{page_pk}-{contact_id}"


def queue_due_refreshes(pool: Pool, queue: Queue, requeue_after: float) -> int:
    """Put every due refresh on the queue, in one Redis round trip, and record the claims in the
    transaction that found them (Redis failing rolls the claims back). A claim is queued again when
    Redis has lost its job (restart, flush), when its job failed (after a growing pause), and when
    it is older than `requeue_after`, unless its job is verifiably still waiting in the queue (then
    the claim is only renewed: a refresh stuck behind a long sync is not pushed again and again).
    Returns how many were queued."""
    with pool.connection() as conn, conn.transaction():
        due = refresh_outbox.due_refreshes(conn, requeue_after)
        ids = {d.contact_id: refresh_rq_job_id(d.page_pk, d.contact_id) for d in due}
        claimed = [ids[d.contact_id] for d in due if d.claimed]
        jobs = Job.fetch_many(claimed, connection=queue.connection) if claimed else []
        status = {job.id: job.get_status(refresh=False) for job in jobs if job is not None}
        waiting = set(queue.get_job_ids()) if any(d.overdue for d in due) else set()
        enqueue, renew, attempts = [], [], []
        for d in due:
            job_id = ids[d.contact_id]
            state = status.get(job_id)
            if d.overdue and state == JobStatus.QUEUED and job_id in waiting:
                renew.append(d.contact_id)
            elif not d.claimed or d.overdue or state is None or (state not in _LIVE and d.retry_ready):
                enqueue.append(d)
                if not d.claimed or state not in _LIVE:
                    attempts.append(d.contact_id)  # first try, or its job failed or vanished
        if enqueue:
            queue.enqueue_many(
                [
                    Queue.prepare_data(
                        "worker.jobs.run_refresh",
                        (d.page_pk, d.contact_id),
                        job_id=ids[d.contact_id],
                        timeout=REFRESH_JOB_TIMEOUT,
                        result_ttl=3600,
                        failure_ttl=7 * 24 * 3600,
                    )
                    for d in enqueue
                ]
            )
        if enqueue or renew:
            refresh_outbox.mark_claimed(conn, [d.contact_id for d in enqueue] + renew, attempts)
    if enqueue:
        logger.info("refreshes queued count=%d requeued=%d", len(enqueue), sum(d.claimed for d in enqueue))
    return len(enqueue)


# One slice of a page's analysis; it queues the next slice itself while there is backlog.
ANALYSIS_JOB_TIMEOUT = 30 * 60


def analysis_queued_key(page_pk: int) -> str:
    return f"fbsync:analysis:queued:{page_pk}"


def enqueue_analysis(queue: Queue, page_pk: int, delay: timedelta = timedelta(0)) -> bool:
    """Queue the page's analysis job unless one is queued or working already; True if queued now.

    At most one job per page waits in the queue (the `queued` mark, cleared when it starts) and one
    works (the lease); a job queued while another works finds the lease taken and ends at once."""
    connection = queue.connection
    if connection.exists(lease_key(page_pk)):
        return False
    marked = connection.set(
        analysis_queued_key(page_pk), "1", nx=True, ex=int(delay.total_seconds()) + ANALYSIS_JOB_TIMEOUT
    )
    if not marked:
        return False
    options = {
        "job_id": f"analysis-page-{page_pk}-{uuid.uuid4().hex[:8]}",
        "job_timeout": ANALYSIS_JOB_TIMEOUT,
        "result_ttl": 3600,
        "failure_ttl": 7 * 24 * 3600,
        "description": f"analysis of page {page_pk}",
    }
    try:
        if delay > timedelta(0):
            queue.enqueue_in(delay, "worker.jobs.run_analysis", page_pk, **options)
        else:
            queue.enqueue("worker.jobs.run_analysis", page_pk, **options)
    except redis.RedisError:
        connection.delete(analysis_queued_key(page_pk))
        raise
    return True
