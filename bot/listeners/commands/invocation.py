"""What every `/fbsync` handler gets (one Invocation) and the page it is about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient

from bot.commands import Command
from bot.deps import BotDeps
from core import pages
from core.db import Conn
from core.leads import resolve_stage
from core.leads.queries import StageNotFound
from core.pages import AmbiguousPage, Page, PageNotFound
from core.pipeline import Stage


@dataclass(frozen=True)
class Invocation:
    deps: BotDeps
    client: WebClient
    command: Command
    organization_id: int
    team_id: str
    user_id: str
    channel_id: str


def now() -> datetime:
    return datetime.now(UTC)


def named_page(conn: Conn, inv: Invocation) -> Page:
    """The page the command names; with no name, the workspace's only page."""
    if inv.command.page:
        return pages.find_page(conn, inv.command.page, inv.organization_id)
    summaries = pages.list_pages(conn, inv.organization_id)
    if len(summaries) == 1:
        return summaries[0].page
    if not summaries:
        raise PageNotFound("no pages are connected to this workspace yet")
    raise AmbiguousPage("", [f"{s.page.name} ({s.page.page_id})" for s in summaries])


def page_and_stage(conn: Conn, inv: Invocation) -> tuple[Page, Stage | None]:
    """The last word is the stage when the words before it name a page and it names one of its stages;
    otherwise all the words are the page (`/fbsync leads Fig Bakery`)."""
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
