"""Putting syncs on the queue."""
from __future__ import annotations

from rq import Queue
from rq.job import Job

from core.jobs import SyncJob

# Big pages at Meta's 2 calls/s with AI analysis take hours; a sync that runs past this is stuck.
SYNC_JOB_TIMEOUT = 6 * 3600


def sync_rq_job_id(page_pk: int) -> str:
    """One RQ job id per page: a page cannot have two queued syncs."""
    return f"sync-page-{page_pk}"


def enqueue_sync(queue: Queue, job: SyncJob) -> Job:
    return queue.enqueue(
        "worker.jobs.run_sync",
        job.id,
        job_id=sync_rq_job_id(job.facebook_page_id),
        job_timeout=SYNC_JOB_TIMEOUT,
        result_ttl=24 * 3600,
        failure_ttl=7 * 24 * 3600,
        description=f"sync job {job.id} of page {job.facebook_page_id}",
    )
