"""The merge review job: a page's Messenger and Instagram contacts paired (core/merge/), the pairs
above the page's automerge score merged, and the new suggestions posted in its notify channel.

Owed after each sync of the page and after a refresh names a new sender. Posted suggestions are
marked in the commit that settles the page's pending row, so a job run twice posts nothing twice
(short of dying between Slack's answer and that commit: at least once).
"""

from __future__ import annotations

import logging

from bot.merge_review import post_merge_review
from core import pages, work
from core.leads import leads_by_id
from core.logfmt import ContextLogger
from core.merge import review
from worker.channel_posts import channel_client, settle_or_retry, still_gathering
from worker.resources import held_work

logger = logging.getLogger(__name__)


def review_merges(page_pk: int, dispatch_id: int) -> str:
    with held_work(work.Kind.MERGES, page_pk, dispatch_id) as held:
        if held is None:
            return "not owed"
        log = ContextLogger(logger, {"page_pk": page_pk})
        with held.pool.connection() as conn, conn.transaction():
            if still_gathering(conn, work.Kind.MERGES, page_pk, held.claim):
                return "gathering"
            page = pages.get_page(conn, page_pk)
            found = review.find(conn, page_pk)
            merged = review.automerge(conn, page_pk, review.suggestions(conn, page_pk))
            pending = review.suggestions(conn, page_pk, unposted=True)
            leads = leads_by_id(
                conn, [cid for s in pending for cid in (s.messenger_contact_id, s.instagram_contact_id)]
            )
        client = channel_client(held, page)
        posted = None
        if client is not None and page.notify_channel and pending:
            posted = post_merge_review(client, page, page.notify_channel, pending, leads, log)
        with held.pool.connection() as conn, conn.transaction():
            settle_or_retry(conn, work.Kind.MERGES, page_pk, held.claim, posted.retry_after if posted else None)
            if posted is not None:
                review.mark_posted(conn, page_pk, posted.sent)
        sent = len(posted.sent) if posted else 0
        log.info("merge review found=%d automerged=%d posted=%d", len(found), len(merged), sent)
        return f"found {len(found)}, merged {len(merged)}, posted {sent}"
