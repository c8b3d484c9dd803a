"""`/fbsync status` (a page's latest syncs) and `/fbsync stats` (its contacts in numbers)."""

from __future__ import annotations

from datetime import datetime

from bot.views.blocks import CONNECT_HINT, MAX_LISTED, Message, context, escape, fields, message, section
from bot.views.format import format_duration, plural, time_ago
from bot.views.sync_job import STATUS_LABELS, errors_digest, job_seconds, job_when
from core.jobs import SyncJob
from core.pages import Page
from core.stats import PageStats, StageCount

BAR_WIDTH = 10


def status_message(page: Page, jobs: list[SyncJob], now: datetime) -> Message:
    name = escape(page.name)
    blocks = [section(f"*{name}*: latest syncs")]
    if page.needs_reauth:
        blocks.append(section(f":warning: Facebook no longer accepts this page's token. Run {CONNECT_HINT}."))
    if not jobs:
        blocks.append(section(f"No syncs yet. Start one with `/fbsync sync {name}`."))
        return message(f"{page.name}: no syncs yet", blocks)
    for job in jobs[: MAX_LISTED // 2]:  # a job takes up to two blocks
        blocks.append(section(_job_summary(job, now)))
        if job.errors:
            blocks.append(context(errors_digest(job, 3)))
    latest = jobs[0]
    return message(f"{page.name}: last sync {STATUS_LABELS[latest.status][1].lower()}", blocks)


def _job_summary(job: SyncJob, now: datetime) -> str:
    emoji, label = STATUS_LABELS[job.status]
    head = [f"{emoji} *{label}*"]
    if job.full_sync:
        head.append("full sync")
    head.append(time_ago(job_when(job), now))
    seconds = job_seconds(job, now)
    if seconds is not None:
        head.append(format_duration(seconds))
    lines = [
        " · ".join(head),
        f"{job.synced_contacts:,} synced · {job.failed_contacts:,} failed · {job.analyzed_contacts:,} analysed",
    ]
    if job.is_active and job.cancel_requested:
        lines.append("_cancelling…_")
    if job.token_expired:
        lines.append(f"Reconnect required: run {CONNECT_HINT}, then sync again.")
    elif job.failure_reason:
        lines.append(f"Reason: {escape(job.failure_reason)}")
    return "\n".join(lines)


def stats_message(stats: PageStats, now: datetime) -> Message:
    score = f"{stats.average_score:.0f}" if stats.average_score is not None else "—"
    blocks = [
        section(f"*{escape(stats.page.name)}*: {plural(stats.contacts, 'contact')}"),
        fields(
            f"*Messenger*\n{stats.messenger:,}",
            f"*Instagram*\n{stats.instagram:,}",
            f"*Average lead score*\n{score}",
            f"*AI coverage*\n{stats.ai_coverage:.0%} ({stats.analysed:,} analysed)",
        ),
        section(stage_table(stats.stages, stats.unplaced)),
    ]
    if stats.recent_jobs:
        blocks.append(context(*(_recent_job(job, now) for job in stats.recent_jobs[:3])))
    return message(f"{stats.page.name}: {stats.contacts:,} contacts, average lead score {score}", blocks)


def stage_table(stages: list[StageCount], unplaced: int) -> str:
    """Contacts per stage as text bars (`/fbsync stats`, the App Home)."""
    widest = max((stage.contacts for stage in stages), default=0)
    lines = ["*Contacts per stage*"] + [_stage_row(stage, widest) for stage in stages]
    if not stages:
        lines.append("_No pipeline stages in use._")
    lines.append(f"Not in a pipeline: {unplaced:,}")
    return "\n".join(lines)


def _stage_row(stage: StageCount, widest: int) -> str:
    filled = round(BAR_WIDTH * stage.contacts / widest) if widest else 0
    bar = "█" * filled + "░" * (BAR_WIDTH - filled)
    score = f" · avg score {stage.average_score:.0f}" if stage.average_score is not None else ""
    return f"`{bar}` {escape(stage.stage)}: {stage.contacts:,}{score}"


def _recent_job(job: SyncJob, now: datetime) -> str:
    emoji, label = STATUS_LABELS[job.status]
    return f"{emoji} {label} {time_ago(job_when(job), now)}: {job.synced_contacts:,} synced"
