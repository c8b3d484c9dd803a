"""The lead-alert job: a page's alerts still to post (core/alerts.py), posted in its notify channel.

Marks what Slack accepted as sent in the commit that settles the page's pending row, so a job run
twice posts nothing twice (short of dying between Slack's answer and that commit: at least once).
While a sync of the page or its analysis is at work, alerts wait for the digest to gather, up to
MAX_GATHER_SECONDS after the first of them (worker/channel_posts.py).
"""

from __future__ import annotations

import logging

from bot.alerts import post_alerts
from bot.views.alerts import carded
from core import alerts, pages, work
from core.logfmt import ContextLogger
from core.pipeline import auto_pipeline_of
from worker.channel_posts import channel_client, settle_or_retry, still_gathering
from worker.resources import held_work

logger = logging.getLogger(__name__)


def post_lead_alerts(page_pk: int, dispatch_id: int) -> str:
    with held_work(work.Kind.ALERTS, page_pk, dispatch_id) as held:
        if held is None:
            return "not owed"
        log = ContextLogger(logger, {"page_pk": page_pk})
        with held.pool.connection() as conn:
            if still_gathering(conn, work.Kind.ALERTS, page_pk, held.claim):
                return "gathering"
            page = pages.get_page(conn, page_pk)
            pending = alerts.pending_alerts(conn, page_pk)
            leads = alerts.leads_of(conn, carded(pending.news))
            target = auto_pipeline_of(conn, page_pk)
        client = channel_client(held, page)
        posted = None
        if client is not None and page.notify_channel and pending.news:
            stages = target.pipeline.stages if target else ()
            posted = post_alerts(client, page, page.notify_channel, pending.news, leads, stages, log)
        # The pending row first, as an analysis owing alerts takes it last: the two never deadlock.
        with held.pool.connection() as conn, conn.transaction():
            settle_or_retry(conn, work.Kind.ALERTS, page_pk, held.claim, posted.retry_after if posted else None)
            alerts.withdraw(conn, pending.stale)
            if posted is not None:
                alerts.mark_sent(conn, posted.sent)
        sent = len(posted.sent) if posted else 0
        log.info("lead alerts sent=%d news=%d withdrawn=%d", sent, len(pending.news), len(pending.stale))
        return f"sent {sent} of {len(pending.news)}"
