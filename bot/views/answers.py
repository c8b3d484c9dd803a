"""Short answers to commands: help, errors, refusals, and what became of a sync asked for or cancelled."""

from __future__ import annotations

from bot.commands import USAGE
from bot.views.blocks import Message, context, escape, message, section
from bot.views.format import slack_date
from core.jobs import JobStatus, SyncJob
from core.pages import Page


def help_message() -> Message:
    return message("How to use /fbsync", [section(USAGE)])


def error_message(problem: str) -> Message:
    return message(problem, [section(f":warning: {escape(problem)}"), section(USAGE)])


def denied(why: str) -> Message:
    return message(f"Not allowed: {why}", [section(f":no_entry: {escape(why)}")])


def sync_queued(page: Page, not_in_channel: str | None = None) -> Message:
    """`not_in_channel`: the channel the bot could not post in, so progress goes by direct message."""
    name = escape(page.name)
    if not_in_channel is None:
        return message(
            f"Starting a sync of {page.name}",
            [section(f":arrows_counterclockwise: Starting a sync of *{name}*; progress will appear in this channel.")],
        )
    return message(
        f"Starting a sync of {page.name}; progress comes by direct message",
        [
            section(f":arrows_counterclockwise: Starting a sync of *{name}*."),
            context(
                f":information_source: I'm not a member of <#{not_in_channel}>, so sync progress comes to you by"
                " direct message. To get it in the channel, invite me there with `/invite @fbsync`."
            ),
        ],
    )


def already_running(page: Page, job: SyncJob, permalink: str | None) -> Message:
    started = slack_date(job.started_at or job.created_at, "{ago}")
    text = f":hourglass_flowing_sand: A sync of *{escape(page.name)}* is already running (started {started})."
    if permalink:
        text += f"\n<{permalink}|Follow it in its thread>"
    return message(f"A sync of {page.name} is already running", [section(text)])


def cancel_requested(page: Page, job: SyncJob) -> Message:
    name = escape(page.name)
    if job.status is JobStatus.CANCELLED:  # it had not started: cancelled at once
        text = f":no_entry_sign: Cancelled the queued sync of *{name}* before it started."
    else:
        text = (
            f":octagonal_sign: Stopping the sync of *{name}* after the current batch"
            f" ({job.synced_contacts:,} contacts synced so far)."
        )
    return message(f"Cancelling the sync of {page.name}", [section(text)])


def nothing_to_cancel(page: Page) -> Message:
    return message(
        f"No sync of {page.name} is running",
        [section(f"No sync of *{escape(page.name)}* is running, so there is nothing to cancel.")],
    )
