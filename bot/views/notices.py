"""Messages fbsync posts unasked: a scheduled sync's summary, token warnings, stage-change notices."""

from __future__ import annotations

from datetime import datetime

from bot.views.blocks import Message, clip, escape, message, section
from core.jobs import JobStatus, SyncJob
from core.pages import Page
from core.refresh import StageChange

SUMMARY_CHARS = 140


def scheduled_summary(page: Page, job: SyncJob, new_contacts: int) -> Message:
    name = escape(page.name)
    if job.status is not JobStatus.COMPLETED:
        reason = escape(job.failure_reason or job.status.value.lower())
        hint = " Reconnect with `/fbsync connect`." if job.token_expired else ""
        return message(
            f"Scheduled sync of {page.name} failed",
            [section(f":warning: Scheduled sync of *{name}* failed: {reason}.{hint}")],
        )
    parts = [
        f"{new_contacts} new contact{'s' if new_contacts != 1 else ''}",
        f"{job.stage_changes} stage change{'s' if job.stage_changes != 1 else ''}",
    ]
    if job.failed_contacts:
        parts.append(f"{job.failed_contacts} failed")
    text = f"Scheduled sync of {page.name}: " + ", ".join(parts)
    return message(text, [section(f":calendar: Scheduled sync of *{name}*: " + ", ".join(parts))])


def token_warning(page: Page, valid: bool, expires_at: datetime | None, now: datetime) -> Message:
    name = escape(page.name)
    if not valid:
        text = f":rotating_light: Facebook no longer accepts the token of *{name}*: syncs and updates have stopped."
    else:
        when = expires_at.strftime("%Y-%m-%d") if expires_at else "soon"
        days = max(0, (expires_at - now).days) if expires_at else 0
        text = f":hourglass: The Facebook token of *{name}* expires on {when} (in {days} days)."
    return message(f"Reconnect {page.name}", [section(text + " Reconnect it with `/fbsync connect`.")])


def stage_change_notice(change: StageChange) -> Message:
    """One line in the page's notify channel, without blocks: a notice is read at a glance."""
    score = f" (score {change.lead_score})" if change.lead_score is not None else ""
    summary = escape(clip(change.summary, SUMMARY_CHARS))
    return {"text": f"{escape(change.contact_name)} -> {escape(change.to_stage)}{score}: {summary}"}
