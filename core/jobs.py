"""Sync job records: one row per sync, the lifecycle PENDING -> IN_PROGRESS -> COMPLETED/FAILED/CANCELLED."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from psycopg import errors
from psycopg.types.json import Jsonb

from core import work
from core.db import Conn


class JobStatus(StrEnum):
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


ACTIVE_STATUSES = (JobStatus.PENDING, JobStatus.IN_PROGRESS)
# The errors column keeps the first failures; the counts keep the totals.
MAX_STORED_ERRORS = 100
_APPEND_ERRORS = "CASE WHEN jsonb_array_length(errors) >= %(cap)s THEN errors ELSE errors || %(new)s END"


@dataclass(frozen=True)
class ContactFailure:
    """One contact the sync could not store or analyse; kept in the job's `errors`."""

    platform: str
    id: str
    error: str
    code: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"platform": self.platform, "id": self.id, "error": self.error, "code": self.code}


class SyncAlreadyRunning(RuntimeError):
    def __init__(self, job_id: int) -> None:
        super().__init__(f"a sync is already running for this page (job {job_id})")
        self.job_id = job_id


@dataclass(frozen=True)
class SyncJob:
    id: int
    facebook_page_id: int
    status: JobStatus
    full_sync: bool
    synced_contacts: int
    failed_contacts: int
    conversations_seen: int
    analyzed_contacts: int
    analysis_deferred: int
    analysis_failed: int
    stage_changes: int
    errors: list[dict[str, Any]]
    failure_reason: str | None
    token_expired: bool
    cancel_requested: bool
    requested_by: str | None
    slack_channel: str | None
    slack_thread_ts: str | None
    heartbeat_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    # The analysis that follows the sync (an analysis job drains the page's backlog at the AI quota's
    # pace): contacts still waiting, analyses per minute, why it is deferred, when it was complete.
    analysis_backlog: int = 0
    analysis_rate: float | None = None
    analysis_deferred_reason: str | None = None
    analysis_completed_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


_JOB_COLUMNS = (
    "id, facebook_page_id, status, full_sync, synced_contacts, failed_contacts,"
    " conversations_seen, analyzed_contacts, analysis_deferred, analysis_failed, stage_changes,"
    " analysis_backlog, analysis_rate, analysis_deferred_reason, analysis_completed_at, errors,"
    " failure_reason, token_expired, cancel_requested, requested_by,"
    " slack_channel, slack_thread_ts, heartbeat_at, started_at, completed_at, created_at"
)


def _job(row: dict[str, Any]) -> SyncJob:
    return SyncJob(**{**row, "status": JobStatus(row["status"])})


def create_job(
    conn: Conn,
    page_pk: int,
    *,
    full: bool = False,
    requested_by: str | None = None,
    slack_channel: str | None = None,
    starts_at: datetime | None = None,
    stale_after_seconds: float,
) -> SyncJob:
    """A new PENDING job; the partial unique index refuses a second active job for the page. It runs
    where the caller runs the engine (the CLI), or on a worker once handed to the queue (`queue_job`).

    `starts_at` is when a delayed job is due to run: until then it is not taken for abandoned.
    """
    reap_stale_jobs(conn, page_pk, stale_after_seconds)
    try:
        with conn.transaction():
            row = conn.execute(
                "INSERT INTO sync_jobs (facebook_page_id, full_sync, requested_by, slack_channel, heartbeat_at)"
                f" VALUES (%s, %s, %s, %s, COALESCE(%s, now())) RETURNING {_JOB_COLUMNS}",
                (page_pk, full, requested_by, slack_channel, starts_at),
            ).fetchone()
    except errors.UniqueViolation:
        active = active_job(conn, page_pk)
        raise SyncAlreadyRunning(active.id if active else 0) from None
    assert row is not None
    return _job(row)


def reap_stale_jobs(conn: Conn, page_pk: int | None, stale_after_seconds: float) -> list[SyncJob]:
    """Fail active jobs whose worker stopped beating (killed, OOM, lost machine), freeing their pages.

    `page_pk` None reaps every page (the periodic sweep).
    """
    with conn.transaction():
        rows = conn.execute(
            "UPDATE sync_jobs SET status = 'FAILED', completed_at = now(), updated_at = now(),"
            " failure_reason = 'worker lost: no heartbeat for ' || %(secs)s::int || ' s'"
            " WHERE (%(page)s::bigint IS NULL OR facebook_page_id = %(page)s)"
            " AND status IN ('PENDING', 'IN_PROGRESS')"
            " AND COALESCE(heartbeat_at, created_at) < now() - make_interval(secs => %(secs)s)"
            # A PENDING job still owed to the workers waits for them (Redis down, a busy sync worker).
            " AND NOT EXISTS (SELECT 1 FROM pending_work w WHERE w.kind = 'sync' AND w.subject_id = sync_jobs.id"
            "   AND w.attempts < %(most)s)"
            f" RETURNING {_JOB_COLUMNS}",
            {"page": page_pk, "secs": stale_after_seconds, "most": work.MAX_ATTEMPTS},
        ).fetchall()
    return [_job(row) for row in rows]


def get_job(conn: Conn, job_id: int) -> SyncJob:
    row = conn.execute(f"SELECT {_JOB_COLUMNS} FROM sync_jobs WHERE id = %s", (job_id,)).fetchone()
    if row is None:
        raise LookupError(f"no sync job {job_id}")
    return _job(row)


def active_job(conn: Conn, page_pk: int) -> SyncJob | None:
    row = conn.execute(
        f"SELECT {_JOB_COLUMNS} FROM sync_jobs WHERE facebook_page_id = %s AND status IN ('PENDING', 'IN_PROGRESS')",
        (page_pk,),
    ).fetchone()
    return _job(row) if row else None


def queue_job(conn: Conn, job: SyncJob, starts_at: datetime | None = None) -> None:
    """Owed to a sync worker from `starts_at` (now by default): the dispatcher queues it then."""
    conn.execute(
        "INSERT INTO pending_work (kind, subject_id, facebook_page_id, due_at)"
        " VALUES (%s, %s, %s, COALESCE(%s, now()))",
        (work.Kind.SYNC.value, job.id, job.facebook_page_id, starts_at),
    )


def claim_job(conn: Conn, job_id: int) -> SyncJob | None:
    """PENDING -> IN_PROGRESS, and no longer owed to a worker; None when the job was cancelled or
    reaped before a worker got to it (or another copy of its dispatch took it)."""
    with conn.transaction():
        work.forget(conn, work.Kind.SYNC, job_id)
        row = conn.execute(
            "UPDATE sync_jobs SET status = 'IN_PROGRESS', started_at = now(), heartbeat_at = now(),"
            f" updated_at = now() WHERE id = %s AND status = 'PENDING' RETURNING {_JOB_COLUMNS}",
            (job_id,),
        ).fetchone()
    return _job(row) if row else None


def record_progress(
    conn: Conn,
    job_id: int,
    *,
    new_synced: int,
    new_failed: int,
    new_conversations: int,
    new_errors: list[dict[str, Any]],
) -> SyncJob:
    """Add a chunk's counts and beat the heart (inside the caller's transaction). The record comes
    back, with whether a cancel was asked and how far the page's analysis has got."""
    row = conn.execute(
        "UPDATE sync_jobs SET synced_contacts = synced_contacts + %(synced)s,"
        " failed_contacts = failed_contacts + %(failed)s,"
        " conversations_seen = conversations_seen + %(seen)s,"
        f" errors = {_APPEND_ERRORS},"
        f" heartbeat_at = now(), updated_at = now() WHERE id = %(id)s RETURNING {_JOB_COLUMNS}",
        {
            "id": job_id,
            "synced": new_synced,
            "failed": new_failed,
            "seen": new_conversations,
            "cap": MAX_STORED_ERRORS,
            "new": Jsonb(new_errors[:MAX_STORED_ERRORS]),
        },
    ).fetchone()
    assert row is not None
    return _job(row)


def record_analysis(
    conn: Conn,
    job_id: int,
    *,
    analyzed: int,
    deferred: int,
    failed: int,
    stage_changes: int,
    new_errors: list[dict[str, Any]],
    backlog: int,
    rate: float | None,
    deferred_reason: str | None = None,
) -> SyncJob:
    """Add a batch's analysis counts (inside the caller's transaction) with the backlog left and the
    rate measured; an empty backlog marks the analysis complete. The record comes back, with whether
    a cancel was asked."""
    row = conn.execute(
        "UPDATE sync_jobs SET analyzed_contacts = analyzed_contacts + %(analyzed)s,"
        " analysis_deferred = analysis_deferred + %(deferred)s, analysis_failed = analysis_failed + %(failed)s,"
        " stage_changes = stage_changes + %(changes)s, analysis_backlog = %(backlog)s,"
        " analysis_rate = COALESCE(%(rate)s, analysis_rate), analysis_deferred_reason = %(reason)s,"
        " analysis_completed_at = CASE WHEN %(backlog)s = 0 THEN COALESCE(analysis_completed_at, now()) END,"
        f" errors = {_APPEND_ERRORS}, updated_at = now() WHERE id = %(id)s RETURNING {_JOB_COLUMNS}",
        {
            "id": job_id,
            "analyzed": analyzed,
            "deferred": deferred,
            "failed": failed,
            "changes": stage_changes,
            "backlog": backlog,
            "rate": rate,
            "reason": deferred_reason,
            "cap": MAX_STORED_ERRORS,
            "new": Jsonb(new_errors[:MAX_STORED_ERRORS]),
        },
    ).fetchone()
    assert row is not None
    return _job(row)


def record_backlog(conn: Conn, job_id: int, backlog: int) -> None:
    conn.execute(
        "UPDATE sync_jobs SET analysis_backlog = %(backlog)s,"
        " analysis_completed_at = CASE WHEN %(backlog)s = 0 THEN COALESCE(analysis_completed_at, now()) END"
        " WHERE id = %(id)s",
        {"id": job_id, "backlog": backlog},
    )


def latest_job(conn: Conn, page_pk: int) -> SyncJob | None:
    """The page's newest sync: the one whose record (and Slack thread) the page's analysis reports to."""
    row = conn.execute(
        f"SELECT {_JOB_COLUMNS} FROM sync_jobs WHERE facebook_page_id = %s ORDER BY id DESC LIMIT 1", (page_pk,)
    ).fetchone()
    return _job(row) if row else None


def beat(conn: Conn, job_id: int) -> bool:
    """Heartbeat during long waits; True if a cancel was asked."""
    with conn.transaction():
        row = conn.execute(
            "UPDATE sync_jobs SET heartbeat_at = now() WHERE id = %s RETURNING cancel_requested", (job_id,)
        ).fetchone()
    return bool(row and row["cancel_requested"])


def finish_job(
    conn: Conn,
    job_id: int,
    status: JobStatus,
    *,
    failure_reason: str | None = None,
    token_expired: bool = False,
) -> SyncJob:
    row = conn.execute(
        "UPDATE sync_jobs SET status = %s, failure_reason = %s, token_expired = %s,"
        f" completed_at = now(), updated_at = now() WHERE id = %s RETURNING {_JOB_COLUMNS}",
        (status.value, failure_reason, token_expired, job_id),
    ).fetchone()
    assert row is not None
    return _job(row)


def request_cancel(conn: Conn, page_pk: int, job_id: int | None = None) -> SyncJob | None:
    """Ask the page's active job (or that job of the page) to stop; one not started yet is cancelled at once."""
    with conn.transaction():
        row = conn.execute(
            "UPDATE sync_jobs SET cancel_requested = true, updated_at = now(),"
            " status = CASE WHEN status = 'PENDING' THEN 'CANCELLED' ELSE status END,"
            " completed_at = CASE WHEN status = 'PENDING' THEN now() ELSE completed_at END"
            " WHERE facebook_page_id = %s AND (%s::bigint IS NULL OR id = %s)"
            f" AND status IN ('PENDING', 'IN_PROGRESS') RETURNING {_JOB_COLUMNS}",
            (page_pk, job_id, job_id),
        ).fetchone()
    return _job(row) if row else None


def attach_slack_thread(conn: Conn, job_id: int, channel: str, thread_ts: str) -> None:
    """Where the job's progress is posted: the parent message's channel and ts."""
    conn.execute(
        "UPDATE sync_jobs SET slack_channel = %s, slack_thread_ts = %s, updated_at = now() WHERE id = %s",
        (channel, thread_ts, job_id),
    )


def latest_jobs(conn: Conn, page_pk: int, limit: int = 5) -> list[SyncJob]:
    rows = conn.execute(
        f"SELECT {_JOB_COLUMNS} FROM sync_jobs WHERE facebook_page_id = %s ORDER BY created_at DESC, id DESC LIMIT %s",
        (page_pk, limit),
    ).fetchall()
    return [_job(row) for row in rows]
