"""What the jobs that post in a page's notify channel (lead alerts, merge review) share: waiting
while the page's sync or analysis is at work, the page's Slack client, and settling the page's
pending row, or owing it again after Slack's Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk import WebClient

from bot.slack_client import SlackClients
from core import alerts, work
from core.db import Conn
from core.pages import Page
from worker.resources import Held

# How often a page whose sync or analysis is at work is looked at again, and for how long at most.
GATHER_AGAIN_SECONDS = 30.0
MAX_GATHER_SECONDS = 600.0


def still_gathering(conn: Conn, kind: work.Kind, page_pk: int, claim: work.Claim) -> bool:
    """A sync of the page or its analysis is at work, and MAX_GATHER_SECONDS have not passed since the
    row was owed: it is owed again GATHER_AGAIN_SECONDS later, for one post with everything."""
    waited = (datetime.now(UTC) - claim.pending_since).total_seconds()
    if waited < MAX_GATHER_SECONDS and alerts.gathering(conn, page_pk):
        work.release(conn, kind, page_pk, GATHER_AGAIN_SECONDS)
        return True
    return False


def channel_client(held: Held, page: Page) -> WebClient | None:
    """The client to post in the page's notify channel; None without Slack, without a channel, or once
    the workspace uninstalled the app (what was to post goes with the page's next post)."""
    if not held.settings.slack_enabled or not page.notify_channel:
        return None
    return SlackClients(held.settings, held.pool, wait_on_rate_limit=False).for_page(page)


def settle_or_retry(conn: Conn, kind: work.Kind, page_pk: int, claim: work.Claim, retry_after: float | None) -> None:
    """Done, unless Slack asked to be tried again later (rate limited, unreachable)."""
    if retry_after is not None:
        work.release(conn, kind, page_pk, retry_after, attempts=claim.attempts)
    else:
        work.settle(conn, kind, page_pk, claim.version)
