"""The messages of a CSV export: the command's answer, and the requester's DM as the job goes."""

from __future__ import annotations

from bot.views.blocks import Message, escape, message, section
from core.pages import Page


def _what(page: Page, stage: str | None) -> str:
    return f"{page.name} ({stage})" if stage else page.name


def export_queued(page: Page, stage: str | None) -> Message:
    what = _what(page, stage)
    return message(
        f"Exporting {what}; you'll get the file by DM",
        [section(f":outbox_tray: Exporting *{escape(what)}* … you'll get the file by DM.")],
    )


def export_progress(page: Page, stage: str | None, done: int, total: int | None) -> Message:
    """`total` None: not counted yet."""
    what = _what(page, stage)
    if total is None:
        return message(f"Exporting {what}", [section(f":hourglass_flowing_sand: Exporting *{escape(what)}* …")])
    return message(
        f"Exporting {what}: {done:,} of {total:,} contacts",
        [section(f":hourglass_flowing_sand: Exporting *{escape(what)}*: {done:,} of {total:,} contacts")],
    )


def export_ready(page: Page, stage: str | None, rows: int) -> Message:
    what = _what(page, stage)
    return message(
        f"Export ready: {rows:,} contacts of {what}",
        [section(f":white_check_mark: Export ready: {rows:,} contacts of *{escape(what)}*")],
    )


def export_failed(page: Page, stage: str | None, reason: str) -> Message:
    what = _what(page, stage)
    return message(
        f"The export of {what} failed: {reason}",
        [section(f":warning: The export of *{escape(what)}* failed: {escape(reason)}")],
    )
