"""The commands anyone may use: pages, pipelines, status, stats."""

from __future__ import annotations

from bot import views
from bot.listeners.commands.invocation import Invocation, named_page, now
from core import jobs, pages, pipeline
from core.stats import page_stats


def show_pages(inv: Invocation) -> views.Message:
    with inv.deps.pool.connection() as conn:
        return views.pages_message(pages.list_pages(conn, inv.organization_id), now())


def show_pipelines(inv: Invocation) -> views.Message:
    with inv.deps.pool.connection() as conn:
        return views.pipelines_message(pipeline.list_pipelines(conn, inv.organization_id))


def show_status(inv: Invocation) -> views.Message:
    with inv.deps.pool.connection() as conn:
        page = named_page(conn, inv)
        return views.status_message(page, jobs.latest_jobs(conn, page.id), now())


def show_stats(inv: Invocation) -> views.Message:
    with inv.deps.pool.connection() as conn:
        return views.stats_message(page_stats(conn, named_page(conn, inv)), now())
