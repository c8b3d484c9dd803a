"""A page's settings: its pipeline, its stage-change channel, its sync schedule, its lead alerts."""

from __future__ import annotations

from bot import views
from bot.listeners.commands.invocation import Invocation, named_page
from bot.permissions import DENIED, may_change
from bot.views.alerts import alerts_settings
from core import alerts, pages, pipeline, schedule
from core.leads.queries import StageNotFound
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


def set_alerts(inv: Invocation) -> views.Message:
    """Shows the page's alert stages to anyone; setting them (or `off`) is a change."""
    changing = bool(inv.command.stages) or inv.command.off
    if changing and not may_change(inv.client, inv.deps.settings, inv.user_id):
        return views.denied(DENIED)
    with inv.deps.pool.connection() as conn, conn.transaction():
        page = named_page(conn, inv)
        if changing:
            try:
                alerts.set_alert_stages(conn, page.id, inv.command.stages)
            except StageNotFound as exc:
                return views.error_message(str(exc))
        names = alerts.alert_stages(conn, page.id)
    return alerts_settings(page, names, page.notify_channel)
