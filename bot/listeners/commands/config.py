"""A page's settings: its pipeline, its stage-change channel, its sync schedule."""

from __future__ import annotations

from bot import views
from bot.listeners.commands.invocation import Invocation, named_page
from core import pages, pipeline, schedule
from core.pipeline import AutoMode


def set_pipeline(inv: Invocation) -> views.Message:
    with inv.deps.pool.connection() as conn, conn.transaction():
        page = named_page(conn, inv)
        chosen = (
            None if inv.command.off else pipeline.find_pipeline(conn, inv.organization_id, inv.command.pipeline or "")
        )
        mode = AutoMode.UPDATE_EXISTING if inv.command.mode == "update" else AutoMode.SKIP_EXISTING
        pipeline.set_auto_pipeline(conn, page.id, chosen, mode)
    return views.pipeline_set(page, chosen, mode)


def set_notify(inv: Invocation) -> views.Message:
    channel = None if inv.command.off else inv.channel_id
    with inv.deps.pool.connection() as conn:
        page = named_page(conn, inv)
        pages.set_notify_channel(conn, page.id, channel)
    return views.notify_set(page, channel)


def set_schedule(inv: Invocation) -> views.Message:
    seconds = None if inv.command.off else schedule.parse_interval(inv.command.interval or "")
    with inv.deps.pool.connection() as conn:
        page = named_page(conn, inv)
        schedule.set_schedule(conn, page.id, seconds)
    return views.schedule_set(page, schedule.format_interval(seconds) if seconds else None)
