"""`/fbsync export PAGE [STAGE]`: recorded and owed to the workers (worker/export.py), who DM the file."""

from __future__ import annotations

from bot import views
from bot.listeners.commands.invocation import Invocation, named_page
from bot.views.export import export_queued
from core import pages
from core.db import Conn
from core.leads import request_export, resolve_stage
from core.leads.queries import StageNotFound
from core.pages import Page, PageNotFound
from core.pipeline import Stage


def start_export(inv: Invocation) -> views.Message:
    with inv.deps.pool.connection() as conn:
        try:
            page, stage = _page_and_stage(conn, inv)
        except StageNotFound as exc:
            return views.error_message(str(exc))
        request_export(conn, page.id, stage.id if stage else None, inv.team_id, inv.user_id)
    return export_queued(page, stage.name if stage else None)


def _page_and_stage(conn: Conn, inv: Invocation) -> tuple[Page, Stage | None]:
    """The last word is the stage when the words before it name a page and it names one of its stages;
    otherwise all the words are the page (`/fbsync export Fig Bakery`)."""
    typed = inv.command.stage
    if typed is None:
        return named_page(conn, inv), None
    try:
        page = named_page(conn, inv)
    except PageNotFound:
        return pages.find_page(conn, f"{inv.command.page} {typed}", inv.organization_id), None
    try:
        return page, resolve_stage(conn, page.id, typed)
    except StageNotFound as no_stage:
        try:
            return pages.find_page(conn, f"{inv.command.page} {typed}", inv.organization_id), None
        except PageNotFound:
            raise no_stage from None
