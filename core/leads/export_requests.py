"""Exports asked for in Slack (`lead_exports`): each one is owed to the workers as pending work of kind
'export' in the transaction that records it, and its row says how it went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core import work
from core.db import Conn


class ExportStatus(StrEnum):
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class LeadExport:
    id: int
    facebook_page_id: int
    stage_id: int | None  # None: every stage
    stage: str | None  # its name
    slack_team_id: str
    slack_user_id: str
    status: ExportStatus
    row_count: int | None
    error: str | None
    progress_channel: str | None  # the requester's DM message kept up to date
    progress_ts: str | None
    created_at: datetime
    finished_at: datetime | None


def request_export(conn: Conn, page_pk: int, stage_id: int | None, slack_team_id: str, slack_user_id: str) -> int:
    """Record an export and owe it to the workers, together; returns its id."""
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO lead_exports (facebook_page_id, stage_id, slack_team_id, slack_user_id)"
            " VALUES (%s, %s, %s, %s) RETURNING id",
            (page_pk, stage_id, slack_team_id, slack_user_id),
        ).fetchone()
        assert row is not None
        work.owe(conn, work.Kind.EXPORT, row["id"], page_pk=page_pk)
    return int(row["id"])


def get_export(conn: Conn, export_id: int) -> LeadExport | None:
    row = conn.execute(
        "SELECT e.id, e.facebook_page_id, e.stage_id, s.name AS stage, e.slack_team_id, e.slack_user_id, e.status,"
        " e.row_count, e.error, e.progress_channel, e.progress_ts, e.created_at, e.finished_at"
        " FROM lead_exports e LEFT JOIN pipeline_stages s ON s.id = e.stage_id WHERE e.id = %s",
        (export_id,),
    ).fetchone()
    return LeadExport(**{**row, "status": ExportStatus(row["status"])}) if row else None


def export_started(conn: Conn, export_id: int, progress_channel: str | None, progress_ts: str | None) -> None:
    conn.execute(
        "UPDATE lead_exports SET status = 'IN_PROGRESS', progress_channel = %s, progress_ts = %s WHERE id = %s",
        (progress_channel, progress_ts, export_id),
    )


def export_finished(conn: Conn, export_id: int, row_count: int) -> None:
    conn.execute(
        "UPDATE lead_exports SET status = 'COMPLETED', row_count = %s, error = NULL, finished_at = now() WHERE id = %s",
        (row_count, export_id),
    )


def export_failed(conn: Conn, export_id: int, reason: str) -> None:
    """`reason` is shown to the requester and kept: never a token, a URL or a traceback."""
    conn.execute(
        "UPDATE lead_exports SET status = 'FAILED', error = %s, finished_at = now() WHERE id = %s",
        (reason, export_id),
    )
