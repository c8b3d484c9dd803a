"""What the status answer and the sync thread both say of a sync job: its state, its times, its errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.views.blocks import clip, code, escape
from bot.views.format import platform_name
from core.jobs import JobStatus, SyncJob

MAX_ERROR_CHARS = 200

STATUS_LABELS = {
    JobStatus.PENDING: (":clock3:", "Queued"),
    JobStatus.IN_PROGRESS: (":arrows_counterclockwise:", "Running"),
    JobStatus.COMPLETED: (":white_check_mark:", "Completed"),
    JobStatus.FAILED: (":x:", "Failed"),
    JobStatus.CANCELLED: (":no_entry_sign:", "Cancelled"),
}


def job_seconds(job: SyncJob, now: datetime) -> float | None:
    if job.started_at is None:
        return None
    return ((job.completed_at or now) - job.started_at).total_seconds()


def job_when(job: SyncJob) -> datetime:
    return job.completed_at or job.started_at or job.created_at


def error_total(job: SyncJob) -> int:
    # `errors` keeps only the first failures; the counts keep the totals.
    return max(len(job.errors), job.failed_contacts + job.analysis_failed)


def errors_digest(job: SyncJob, limit: int) -> str:
    lines = [_error_line(error) for error in job.errors[:limit]]
    more = error_total(job) - len(lines)
    if more > 0:
        lines.append(f"…and {more:,} more")
    return "\n".join(lines)


def _error_line(error: dict[str, Any]) -> str:
    code_note = f" (code {error['code']})" if error.get("code") is not None else ""
    message = escape(clip(str(error.get("error") or "unknown error"), MAX_ERROR_CHARS))
    return f"• {platform_name(error.get('platform'))} {code(str(error.get('id', '?')))}: {message}{code_note}"
