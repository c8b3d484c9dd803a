"""The sync thread: its parent (started, then finished), the progress it shows, and the replies under it."""

from __future__ import annotations

import math
from datetime import datetime

from bot.views.blocks import (
    CANCEL_ACTION,
    CONNECT_HINT,
    Block,
    Message,
    actions,
    button,
    context,
    escape,
    message,
    section,
)
from bot.views.format import eta, format_duration, per_minute, platform_name, plural
from bot.views.sync_job import error_total, errors_digest, job_seconds
from core.jobs import JobStatus, SyncJob
from core.pages import Page
from core.sync.reporter import SyncProgress

_CONFIRM_CANCEL = {
    "title": {"type": "plain_text", "text": "Cancel this sync?"},
    "text": {"type": "plain_text", "text": "Contacts synced so far are kept."},
    "confirm": {"type": "plain_text", "text": "Cancel sync"},
    "deny": {"type": "plain_text", "text": "Keep syncing"},
    "style": "danger",
}


def sync_started(page: Page, user_id: str, job_id: int, full: bool) -> Message:
    text = f":arrows_counterclockwise: Syncing *{escape(page.name)}*"
    if user_id:
        text += f" — started by <@{user_id}>"
    if full:
        text += "\n_Full sync: every conversation is read again._"
    cancel = button("Cancel", CANCEL_ACTION, style="danger", value=str(job_id), confirm=_CONFIRM_CANCEL)
    return message(f"Syncing {page.name}", [section(text), actions(cancel)])


def sync_progress(progress: SyncProgress, now: datetime) -> Message:
    elapsed = (now - progress.started_at).total_seconds()
    lines = [
        f"*{progress.synced:,}* contacts synced · {progress.failed:,} failed",
        _reading_line(progress),
        _analysis_line(
            progress.analyzed,
            progress.stage_changes,
            progress.analysis_deferred,
            backlog=progress.analysis_backlog,
            rate=progress.analysis_rate,
        ),
    ]
    footer = f"Running {format_duration(elapsed)} · {per_minute(progress.synced, elapsed)} contacts/min"
    return message(
        f"{progress.page_name}: {progress.synced:,} contacts synced",
        [section("\n".join(lines)), context(footer)],
    )


def _reading_line(progress: SyncProgress) -> str:
    seen = f"{progress.conversations_seen:,} conversations seen"
    return f"Reading {platform_name(progress.platform)} · {seen}" if progress.platform else seen


def _analysis_line(
    analysed: int,
    stage_changes: int,
    deferred: int,
    failed: int = 0,
    *,
    backlog: int = 0,
    rate: float | None = None,
    paused: str | None = None,
) -> str:
    """ "1,230 of 4,000 analysed · about 31 min left at 90/min · 12 stage changes"; the estimate is
    the backlog at the rate measured so far."""
    head = f"{analysed:,} of {analysed + backlog:,} analysed" if backlog else f"{analysed:,} analysed"
    if backlog and rate:
        head += f" · about {eta(backlog / rate * 60)} left at {rate:,.0f}/min"
    parts = [head, plural(stage_changes, "stage change")]
    if failed:
        parts.append(f"{failed:,} analysis failed")
    if backlog and paused:
        parts.append(f"analysis paused: {escape(paused)}")
    elif deferred and backlog:
        parts.append(f"{deferred:,} to be analysed later (AI quota)")
    return " · ".join(parts)


def platform_done(progress: SyncProgress, now: datetime) -> Message:
    label = platform_name(progress.platform)
    count = progress.contacts_by_platform.get(progress.platform or "", 0)
    text = f":white_check_mark: {label} done: {plural(count, 'contact')}"
    elapsed = format_duration((now - progress.started_at).total_seconds())
    return message(f"{label} done: {plural(count, 'contact')}", [section(text), context(f"after {elapsed}")])


def batch_submitted(contacts: int, within_seconds: float) -> Message:
    """A large full sync's analysis went to Gemini's Batch API (half the price, answers within a day)."""
    text = (
        f":package: Gemini batch submitted: {plural(contacts, 'contact')} at half price,"
        f" results expected within {_within(within_seconds)}"
    )
    return message(text.removeprefix(":package: "), [section(text)])


# Why a batch gave nothing back, as Google's states say it.
_BATCH_ENDINGS = {
    "BATCH_STATE_FAILED": "failed",
    "BATCH_STATE_EXPIRED": "expired",
    "BATCH_STATE_CANCELLED": "was cancelled",
}


def batch_finished(state: str, applied: int, fell_back: int) -> Message:
    """A batch came back: what it analysed, and what goes to the online analysis instead."""
    online = f"{plural(fell_back, 'contact')} go to the online analysis"
    if state == "BATCH_STATE_SUCCEEDED":
        text = f":white_check_mark: Gemini batch done: {applied:,} analysed"
        if fell_back:
            text += f" · {online} (the batch did not answer them usably)"
    else:
        text = f":warning: Gemini batch {_BATCH_ENDINGS.get(state, 'was lost')}: {online}"
    return message(text.split(" ", 1)[1], [section(text)])


def _within(seconds: float) -> str:
    hours = seconds / 3600
    return f"{math.ceil(hours - 0.01)} hours" if hours >= 2 else eta(seconds)


def error_digest(job: SyncJob, limit: int = 5) -> Message:
    total = error_total(job)
    if not total:
        return message("No errors", [section("No errors.")])
    text = f":warning: *{plural(total, 'contact')} with errors*\n{errors_digest(job, limit)}"
    return message(f"{plural(total, 'contact')} with errors", [section(text)])


def sync_finished(page: Page, user_id: str, job: SyncJob, stages: list[tuple[str, int]], now: datetime) -> Message:
    blocks = [section(_finished_headline(page, job, now))]
    if job.status is JobStatus.COMPLETED and not job.token_expired:
        blocks += _completed_details(job, stages)
    footer = [part for part in (_started_by(user_id), "full sync" if job.full_sync else "") if part]
    if footer:
        blocks.append(context(" · ".join(footer)))
    return message(_finished_text(page, job), blocks)


def _started_by(user_id: str) -> str:
    # Jobs started outside Slack (CLI, schedules) have nobody to mention.
    return f"Started by <@{user_id}>" if user_id else ""


def _finished_headline(page: Page, job: SyncJob, now: datetime) -> str:
    name = escape(page.name)
    contacts = plural(job.synced_contacts, "contact")
    seconds = job_seconds(job, now)
    took = f" ({format_duration(seconds)})" if seconds is not None else ""
    if job.token_expired:
        return (
            f":warning: *Reconnect required*: Facebook no longer accepts the token of *{name}*."
            f" Run {CONNECT_HINT}, then sync again. ({contacts} synced before it stopped.)"
        )
    if job.status is JobStatus.COMPLETED:
        return f":white_check_mark: Synced {contacts} of *{name}*, {job.failed_contacts:,} failed{took}"
    if job.status is JobStatus.CANCELLED:
        return f":no_entry_sign: Sync of *{name}* cancelled after {contacts}{took}"
    reason = escape(job.failure_reason or "unknown error")
    return f":x: Sync of *{name}* failed after {contacts}{took}: {reason}"


def _completed_details(job: SyncJob, stages: list[tuple[str, int]]) -> list[Block]:
    analysis = _analysis_line(
        job.analyzed_contacts,
        job.stage_changes,
        job.analysis_deferred,
        job.analysis_failed,
        backlog=job.analysis_backlog,
        rate=job.analysis_rate,
        paused=job.analysis_deferred_reason,
    )
    if job.analysis_completed_at is not None:
        analysis = f":white_check_mark: Analysis complete ({job.analysis_completed_at:%H:%M} UTC): {analysis}"
    details = [section(analysis)]
    if stages:
        breakdown = " · ".join(f"{escape(stage)}: {count:,}" for stage, count in stages)
        details.insert(0, section(f"*Stages*\n{breakdown}"))
    return details


def _finished_text(page: Page, job: SyncJob) -> str:
    if job.token_expired:
        return f"Reconnect required for {page.name}"
    if job.status is JobStatus.COMPLETED:
        return f"Synced {job.synced_contacts:,} contacts of {page.name}, {job.failed_contacts:,} failed"
    if job.status is JobStatus.CANCELLED:
        return f"Sync of {page.name} cancelled after {job.synced_contacts:,} contacts"
    return f"Sync of {page.name} failed: {job.failure_reason or 'unknown error'}"
