"""Pending work, held in PostgreSQL (`pending_work`): the one mechanism behind "owed work runs".

Every kind of deferred work is a row: a refresh a contact is owed after webhooks, a page's analysis
backlog, a sync job waiting to start, a Slack message to write, the daily token check, a page's lead
alerts to post. A row says
when it is due; the dispatcher (worker/dispatch.py) puts due rows on the RQ queues, each with a
fresh dispatch id, and a worker's job takes the row (`begin`): a session advisory lock on a
connection of its own, so the claim ends the moment its process dies, kill -9 included. The job's
own commit settles the row (deleted) or makes it due again (released, postponed). So Redis is only
a wake-up: a queue lost with Redis, a job run twice or a worker killed delays work, never loses it.

When is a row queued again? When its job died mid-way (started, and nobody holds its lock), after a
pause growing with its attempts; when Redis came back empty (every queued row, at once: see
`forget_dispatches`); and when it was queued `requeue_after` seconds ago and no job has started it
(a worker that died between taking it off the queue and starting it). A job of an older dispatch,
or one that finds the row gone, does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import psycopg
from psycopg import errors
from psycopg.rows import DictRow, dict_row

from core.db import Conn

logger = logging.getLogger(__name__)


class Kind(StrEnum):
    REFRESH = "refresh"  # subject: a contact id
    ANALYSIS = "analysis"  # subject: a page id
    SYNC = "sync"  # subject: a sync job id
    SLACK_PARENT = "slack_parent"  # subject: a sync job id
    TOKEN_CHECK = "token_check"  # subject: 0
    ALERTS = "alerts"  # subject: a page id
    EXPORT = "export"  # subject: a lead export id
    HOME = "home"  # subject: an organization id (its App Home tabs, published again)
    MERGES = "merges"  # subject: a page id (its merge candidates found, merged or posted for review)
    GEMINI_BATCH = "gemini_batch"  # subject: a gemini_batches id (polled until its answers are applied)


# Each kind's advisory locks live in their own range: key = LOCK_BASE[kind] << 40 | subject_id.
_LOCK_SPACE = {
    Kind.REFRESH: 0xFB1,
    Kind.ANALYSIS: 0xFB2,
    Kind.SYNC: 0xFB3,
    Kind.SLACK_PARENT: 0xFB4,
    Kind.TOKEN_CHECK: 0xFB5,
    Kind.ALERTS: 0xFB6,
    Kind.EXPORT: 0xFB8,
    Kind.HOME: 0xFB7,
    Kind.MERGES: 0xFB9,
    Kind.GEMINI_BATCH: 0xFBB,
}
_SUBJECT_BITS = 40

# A job that keeps failing is left alone after this many attempts (visible in `attempts`); new
# work for its subject (a new message, a new sync) resets it. A Slack message is tried for about as
# long as Slack could plausibly keep refusing it (Retry-After is seconds to minutes).
MAX_ATTEMPTS = 10
MAX_SLACK_ATTEMPTS = 30
# A job that died or failed is queued again after this many seconds times its attempts.
RETRY_STEP_SECONDS = 5
# How long a job waits for the lock of its subject (a holder committing its last statement).
LOCK_WAIT = "10s"


def lock_key(kind: Kind, subject_id: int) -> int:
    return _LOCK_SPACE[kind] << _SUBJECT_BITS | subject_id


def _lock_key_sql(kind_column: str, subject_column: str) -> str:
    cases = " ".join(f"WHEN '{kind.value}' THEN {space}" for kind, space in _LOCK_SPACE.items())
    return f"((CASE {kind_column} {cases} END)::bigint << {_SUBJECT_BITS} | {subject_column})"


def owe(conn: Conn, kind: Kind, subject_id: int, *, page_pk: int | None = None, delay_seconds: float = 0) -> None:
    """Work to do (again): due now or after `delay_seconds`; a row already owed keeps the earlier due
    time (a deferral stands) and takes a new version, so a job working on it now leaves it owed."""
    conn.execute(
        "INSERT INTO pending_work (kind, subject_id, facebook_page_id, due_at)"
        " VALUES (%(kind)s, %(subject)s, %(page)s, now() + make_interval(secs => %(delay)s))"
        " ON CONFLICT (kind, subject_id) DO UPDATE SET version = pending_work.version + 1, attempts = 0",
        {"kind": kind.value, "subject": subject_id, "page": page_pk, "delay": delay_seconds},
    )


def owe_if_absent(conn: Conn, kind: Kind, subject_ids: Sequence[int], page_pks: Sequence[int | None]) -> int:
    """The safety nets' form (backlog found without a row): nothing changes for rows that exist."""
    row = conn.execute(
        "WITH added AS (INSERT INTO pending_work (kind, subject_id, facebook_page_id)"
        " SELECT %s, s, p FROM unnest(%s::bigint[], %s::bigint[]) AS t(s, p)"
        " ON CONFLICT (kind, subject_id) DO NOTHING RETURNING 1) SELECT count(*) AS n FROM added",
        (kind.value, list(subject_ids), list(page_pks)),
    ).fetchone()
    return int(row["n"]) if row else 0


@dataclass(frozen=True)
class Dispatch:
    """A due row just handed to the queue: the job carries its dispatch id."""

    kind: Kind
    subject_id: int
    page_pk: int | None
    dispatch_id: int


def dispatch_due(conn: Conn, requeue_after: float, limit: int = 500) -> list[Dispatch]:
    """Claim what is due for the queue, in one statement (concurrent dispatchers skip each other's
    rows). Refreshes of pages that cannot be refreshed (inactive, awaiting reconnection) and
    analyses of inactive pages wait."""
    rows = conn.execute(
        f"""
        WITH due AS (
          SELECT w.kind, w.subject_id FROM pending_work w LEFT JOIN facebook_pages p ON p.id = w.facebook_page_id
          WHERE w.due_at <= now()
            AND w.attempts < CASE w.kind WHEN 'slack_parent' THEN %(most_slack)s ELSE %(most)s END
            AND (w.kind <> 'refresh' OR (p.is_active AND NOT p.needs_reauth))
            AND (w.kind <> 'analysis' OR p.is_active)
            AND (w.dispatched_at IS NULL
              OR (w.started_at IS NULL AND w.dispatched_at < now() - make_interval(secs => %(requeue)s))
              OR (w.started_at < now() - make_interval(secs => %(step)s * w.attempts)
                  AND NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
                    AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    AND (l.classid::bigint << 32 | l.objid::bigint) = {_lock_key_sql("w.kind", "w.subject_id")})))
          ORDER BY w.due_at LIMIT %(limit)s FOR UPDATE OF w SKIP LOCKED)
        UPDATE pending_work w SET dispatched_at = now(), started_at = NULL,
          dispatch_id = nextval('pending_work_dispatch_seq'),
          -- A row that never started is queued again without it counting as an attempt.
          attempts = w.attempts + (w.dispatched_at IS NULL OR w.started_at IS NOT NULL)::int
        FROM due WHERE w.kind = due.kind AND w.subject_id = due.subject_id
        RETURNING w.kind, w.subject_id, w.facebook_page_id, w.dispatch_id
        """,
        {
            "most": MAX_ATTEMPTS,
            "most_slack": MAX_SLACK_ATTEMPTS,
            "requeue": requeue_after,
            "step": RETRY_STEP_SECONDS,
            "limit": limit,
        },
    ).fetchall()
    return [Dispatch(Kind(r["kind"]), r["subject_id"], r["facebook_page_id"], r["dispatch_id"]) for r in rows]


def undo_dispatch(conn: Conn, dispatch_ids: list[int]) -> None:
    """The queue refused them (Redis went down mid-way): due as before, for the next dispatch."""
    conn.execute(
        "UPDATE pending_work SET dispatched_at = NULL, attempts = GREATEST(attempts - 1, 0)"
        " WHERE dispatch_id = ANY(%s) AND started_at IS NULL",
        (dispatch_ids,),
    )


def forget_dispatches(conn: Conn) -> int:
    """Redis came back empty (restarted, flushed): whatever it held on its queues is gone, so every row
    queued and not started is due for the queue again. Returns how many."""
    return conn.execute(
        # Queued again as the same attempt: the dispatch that Redis lost never ran.
        "UPDATE pending_work SET dispatched_at = NULL, attempts = GREATEST(attempts - 1, 0)"
        " WHERE dispatched_at IS NOT NULL AND started_at IS NULL"
    ).rowcount


@dataclass(frozen=True)
class Claim:
    """A job's hold on its row, for as long as its lock connection lives."""

    kind: Kind
    subject_id: int
    version: int
    pending_since: datetime
    attempts: int
    _lock: psycopg.Connection[DictRow]

    def alive(self) -> bool:
        """Whether the hold still stands (its connection, and so its lock, is still there)."""
        try:
            self._lock.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True


@contextmanager
def begin(database_url: str, kind: Kind, subject_id: int, dispatch_id: int) -> Iterator[Claim | None]:
    """Take the row for this dispatch: None when another job holds it, when the row is gone (done
    already) or when it was dispatched again since (this job is a stale copy). The hold is a session
    advisory lock on a connection of its own, released when the block ends or the process dies."""
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as lock:
        lock.execute(f"SET lock_timeout = '{LOCK_WAIT}'")
        try:
            lock.execute("SELECT pg_advisory_lock(%s)", (lock_key(kind, subject_id),))
        except errors.LockNotAvailable:
            logger.info("pending work busy kind=%s subject=%s", kind.value, subject_id)
            yield None
            return
        row = lock.execute(
            "UPDATE pending_work SET started_at = now() WHERE kind = %s AND subject_id = %s AND dispatch_id = %s"
            " RETURNING version, pending_since, attempts",
            (kind.value, subject_id, dispatch_id),
        ).fetchone()
        if row is None:
            yield None
            return
        yield Claim(kind, subject_id, row["version"], row["pending_since"], row["attempts"], lock)


def settle(conn: Conn, kind: Kind, subject_id: int, version: int, *, again_in: float = 0) -> bool:
    """Done, in the job's own transaction: the row goes, unless new work came for the subject since
    the job took it (then it is due again, after `again_in` seconds for debounced work; returns False)."""
    deleted = conn.execute(
        "DELETE FROM pending_work WHERE kind = %s AND subject_id = %s AND version = %s RETURNING 1",
        (kind.value, subject_id, version),
    ).fetchone()
    if deleted is None:
        release(conn, kind, subject_id, again_in)
    return deleted is not None


def release(conn: Conn, kind: Kind, subject_id: int, delay_seconds: float = 0, *, attempts: int = 0) -> None:
    """Still owed, to be queued again once due (a continuation, a deferral, a page back from
    reconnecting); `attempts` is kept for work that retries on its own count (Slack's rewrites)."""
    conn.execute(
        "UPDATE pending_work SET dispatched_at = NULL, started_at = NULL, dispatch_id = NULL, attempts = %s,"
        " due_at = GREATEST(due_at, now() + make_interval(secs => %s)) WHERE kind = %s AND subject_id = %s",
        (attempts, delay_seconds, kind.value, subject_id),
    )


def forget(conn: Conn, kind: Kind, subject_id: int) -> None:
    """Nothing more to do for the subject (its sync was taken, its contact is gone)."""
    conn.execute("DELETE FROM pending_work WHERE kind = %s AND subject_id = %s", (kind.value, subject_id))
