"""Scheduled syncs: which pages are due, and their intervals in words people type ("6h", "1d")."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from core import jobs
from core.db import Conn
from core.jobs import SyncJob
from core.logfmt import ContextLogger
from core.pages import PAGE_COLUMNS, Page

logger = logging.getLogger(__name__)

_UNITS = {"m": 60, "h": 3600, "d": 86400}
# `requested_by` of the jobs the scheduler starts.
SCHEDULED_BY = "schedule"
# Pages due at the same moment start this far apart, not all in the same second.
SPACING = timedelta(seconds=2)
# Meta's data moves slower than this is worth polling; webhooks cover the minutes in between.
MIN_INTERVAL = 15 * 60


class IntervalError(ValueError):
    pass


def parse_interval(text: str) -> int:
    """'90m', '6h', '1d' -> seconds."""
    match = re.fullmatch(r"\s*(\d+)\s*([mhd])\s*", text.lower())
    if not match:
        raise IntervalError(f"'{text}' is not an interval: use minutes, hours or days, e.g. 90m, 6h, 1d")
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds < MIN_INTERVAL:
        raise IntervalError("syncing more often than every 15 minutes is not useful; webhooks cover the gaps")
    return seconds


def format_interval(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds // 60}m"


def set_schedule(conn: Conn, page_pk: int, interval_seconds: int | None) -> None:
    """A schedule, or None to stop scheduled syncs (manual syncs and webhooks go on)."""
    conn.execute(
        "UPDATE facebook_pages SET auto_sync = %s, sync_interval = COALESCE(%s, sync_interval), updated_at = now()"
        " WHERE id = %s",
        (interval_seconds is not None, interval_seconds, page_pk),
    )


def due_pages(conn: Conn, now: datetime) -> list[Page]:
    """Pages whose interval has passed since their last sync and that have no sync running."""
    rows = conn.execute(
        f"SELECT {PAGE_COLUMNS} FROM facebook_pages p"
        " WHERE is_active AND auto_sync AND NOT needs_reauth"
        " AND (last_synced_at IS NULL OR last_synced_at + make_interval(secs => sync_interval) <= %(now)s)"
        " AND NOT EXISTS (SELECT 1 FROM sync_jobs j WHERE j.facebook_page_id = p.id"
        "   AND j.status IN ('PENDING', 'IN_PROGRESS'))"
        " ORDER BY last_synced_at NULLS FIRST, id",
        {"now": now},
    ).fetchall()
    return [Page(**row) for row in rows]


def start_due_syncs(conn: Conn, now: datetime, stale_after_seconds: float) -> list[SyncJob]:
    """An incremental sync owed to the workers for every due page, spaced out; returns the jobs."""
    started: list[SyncJob] = []
    for position, page in enumerate(due_pages(conn, now)):
        starts_at = now + SPACING * position
        try:
            with conn.transaction():  # created and owed together, or neither
                job = jobs.create_job(
                    conn,
                    page.id,
                    requested_by=SCHEDULED_BY,
                    starts_at=starts_at,
                    stale_after_seconds=stale_after_seconds,
                )
                jobs.queue_job(conn, job, starts_at)
        except jobs.SyncAlreadyRunning:
            continue  # someone started one since due_pages looked
        ContextLogger(logger, {"page_id": page.page_id}).info(
            "scheduled sync owed job_id=%s starts_in_s=%.0f", job.id, (starts_at - now).total_seconds()
        )
        started.append(job)
    return started
