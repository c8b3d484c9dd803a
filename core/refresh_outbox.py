"""Pending refreshes, kept in PostgreSQL (`pending_refreshes`): the source of truth for webhook work.

Expanding a delivery owes a refresh (core/webhook_store.py, in the drain's transaction); a drain
claims what is due and puts it on the queue; the refresh's own commit settles it. Redis only carries the claim: a claim
whose job is gone, failed or silent for `requeue_after` seconds is simply claimed again, so a Redis
restart or flush, a dead scheduler or a killed worker delays a refresh and never loses one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.db import Conn

# A refresh that keeps failing is left alone after this many claims (visible in `attempts`); the
# next delivery for the contact resets it.
MAX_ATTEMPTS = 10
# A failed claim is retried after this many seconds times its attempts so far.
RETRY_STEP_SECONDS = 5
# Deferred analysis (every AI key out of quota) is tried again this much later.
DEFER_SECONDS = 60


@dataclass(frozen=True)
class DueRefresh:
    page_pk: int
    contact_id: int
    claimed: bool  # on the queue already (a claim): Redis says whether it is still there
    retry_ready: bool  # claimed long enough ago that a failed job of it may be retried
    overdue: bool  # claimed longer ago than requeue_after: queued again whatever Redis says


def due_refreshes(conn: Conn, requeue_after: float, limit: int = 500) -> list[DueRefresh]:
    """What is due, claimed or not, locked against a concurrent drain until commit. Pages that cannot
    be refreshed (inactive, awaiting reconnection) keep theirs for later."""
    rows = conn.execute(
        "SELECT r.facebook_page_id, r.contact_id, r.enqueued_at IS NOT NULL AS claimed,"
        "  COALESCE(r.enqueued_at < now() - make_interval(secs => %(step)s * r.attempts), true) AS retry_ready,"
        "  COALESCE(r.enqueued_at < now() - make_interval(secs => %(requeue)s), false) AS overdue"
        " FROM pending_refreshes r JOIN facebook_pages p ON p.id = r.facebook_page_id"
        " WHERE p.is_active AND NOT p.needs_reauth AND r.due_at <= now() AND r.attempts < %(most)s"
        " ORDER BY r.due_at LIMIT %(limit)s FOR UPDATE OF r SKIP LOCKED",
        {"requeue": requeue_after, "most": MAX_ATTEMPTS, "step": RETRY_STEP_SECONDS, "limit": limit},
    ).fetchall()
    return [
        DueRefresh(r["facebook_page_id"], r["contact_id"], r["claimed"], r["retry_ready"], r["overdue"]) for r in rows
    ]


def mark_claimed(conn: Conn, contact_ids: list[int], attempts: list[int]) -> None:
    """The refreshes are on the queue now; so are their events. `attempts` are the contact ids whose
    queueing is an attempt (the first, or after their job failed or vanished); a claim merely renewed
    while its job still waits behind others (a long sync) is not one, however long the wait."""
    conn.execute(
        "UPDATE pending_refreshes SET enqueued_at = now(),"
        " attempts = attempts + (contact_id = ANY(%s))::int WHERE contact_id = ANY(%s)",
        (attempts, contact_ids),
    )
    conn.execute(
        "UPDATE webhook_events SET enqueued_at = now()"
        " WHERE contact_id = ANY(%s) AND enqueued_at IS NULL AND processed_at IS NULL",
        (contact_ids,),
    )


@dataclass(frozen=True)
class Owed:
    version: int
    since: datetime  # the first delivery still owed a refresh


def owed(conn: Conn, contact_id: int) -> Owed | None:
    """Read before the refresh reads anything else; None when nothing is owed (already refreshed)."""
    row = conn.execute(
        "SELECT version, pending_since FROM pending_refreshes WHERE contact_id = %s", (contact_id,)
    ).fetchone()
    return None if row is None else Owed(row["version"], row["pending_since"])


def settle(conn: Conn, contact_id: int, version: int) -> bool:
    """In the refresh's own transaction: owed no more, unless a delivery came after it began reading
    (then the row stays, released, for the drain to queue again when due; returns False)."""
    deleted = conn.execute(
        "DELETE FROM pending_refreshes WHERE contact_id = %s AND version = %s RETURNING contact_id",
        (contact_id, version),
    ).fetchone()
    if deleted is None:
        release(conn, contact_id)
    return deleted is not None


def release(conn: Conn, contact_id: int, delay_seconds: float = 0) -> None:
    """Still owed, not claimed: the drain queues it again once due (a page back from reconnecting,
    analysis deferred for quota)."""
    conn.execute(
        "UPDATE pending_refreshes SET enqueued_at = NULL, attempts = 0,"
        " due_at = GREATEST(due_at, now() + make_interval(secs => %s)) WHERE contact_id = %s",
        (delay_seconds, contact_id),
    )
