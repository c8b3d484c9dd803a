"""`/fbsync export PAGE [STAGE]`: recorded and owed to the workers (worker/export.py), who DM the file."""

from __future__ import annotations

from bot import views
from bot.listeners.commands.invocation import Invocation, page_and_stage
from bot.views.export import export_queued
from core.leads import request_export
from core.leads.queries import StageNotFound


def start_export(inv: Invocation) -> views.Message:
    with inv.deps.pool.connection() as conn:
        try:
            page, stage = page_and_stage(conn, inv)
        except StageNotFound as exc:
            return views.error_message(str(exc))
        request_export(conn, page.id, stage.id if stage else None, inv.team_id, inv.user_id)
    return export_queued(page, stage.name if stage else None)
