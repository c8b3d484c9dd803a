"""Scheduled syncs: which pages are due, and their intervals in words people type ("6h", "1d")."""

from __future__ import annotations

import re
from datetime import datetime

from core.db import Conn
from core.pages import PAGE_COLUMNS, Page

_UNITS = {"m": 60, "h": 3600, "d": 86400}
# `requested_by` of the jobs the scheduler starts.
SCHEDULED_BY = "schedule"
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
