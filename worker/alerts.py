"""The lead-alert job: a page's alerts still to post (core/alerts.py), posted in its notify channel.

Marks what Slack accepted as sent in the commit that settles the page's pending row, so a job run
twice posts nothing twice (short of dying between Slack's answer and that commit: at least once).
While a sync of the page or its analysis is at work, alerts wait for the digest to gather, up to
MAX_GATHER_SECONDS after the first of them.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bot.alerts import post_alerts
from bot.slack_client import SlackClients
from bot.views.alerts import carded
from core import alerts, pages, work
from core.logfmt import ContextLogger
from core.pipeline import auto_pipeline_of
from worker.resources import held_work

logger = logging.getLogger(__name__)

# How often a page whose sync or analysis is at work is looked at again, and for how long at most.
GATHER_AGAIN_SECONDS = 30.0
MAX_GATHER_SECONDS = 600.0


def post_lead_alerts(page_pk: int, dispatch_id: int) -> str:
    with held_work(work.Kind.ALERTS, page_pk, dispatch_id) as held:
        if held is None:
            return "not owed"
        settings, pool, claim = held
        log = ContextLogger(logger, {"page_pk": page_pk})
        waited = (datetime.now(UTC) - claim.pending_since).total_seconds()
        with pool.connection() as conn:
            if waited < MAX_GATHER_SECONDS and alerts.gathering(conn, page_pk):
                work.release(conn, work.Kind.ALERTS, page_pk, GATHER_AGAIN_SECONDS)
                return "gathering"
            page = pages.get_page(conn, page_pk)
            pending = alerts.pending_alerts(conn, page_pk)
            leads = alerts.leads_of(conn, carded(pending.news))
            target = auto_pipeline_of(conn, page_pk)
        # No client: no Slack, or the workspace uninstalled the app; the alerts go with the next ones.
        slack = SlackClients(settings, pool, wait_on_rate_limit=False) if settings.slack_enabled else None
        client = slack.for_page(page) if slack else None
        posted = None
        if client is not None and page.notify_channel and pending.news:
            stages = target.pipeline.stages if target else ()
            posted = post_alerts(client, page, page.notify_channel, pending.news, leads, stages, log)
        # The pending row first, as an analysis owing alerts takes it last: the two never deadlock.
        with pool.connection() as conn, conn.transaction():
            if posted is not None and posted.retry_after is not None:
                work.release(conn, work.Kind.ALERTS, page_pk, posted.retry_after, attempts=claim.attempts)
            else:
                work.settle(conn, work.Kind.ALERTS, page_pk, claim.version)
            alerts.withdraw(conn, pending.stale)
            if posted is not None:
                alerts.mark_sent(conn, posted.sent)
        sent = len(posted.sent) if posted else 0
        log.info("lead alerts sent=%d news=%d withdrawn=%d", sent, len(pending.news), len(pending.stale))
        return f"sent {sent} of {len(pending.news)}"
