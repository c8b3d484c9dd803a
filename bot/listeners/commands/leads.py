"""The commands that show people: a page's leads, people found by name, and pairs that may be one person.
Anyone may use them (deciding a pair takes whoever may change things)."""

from __future__ import annotations

from bot import lead_cards, views
from bot.listeners.commands.invocation import Invocation, named_page, page_and_stage
from bot.views.lead_list import LEADS_PER_MESSAGE
from bot.views.merge_review import merge_digest
from core.leads import find_leads, leads_by_id
from core.merge import suggestions


def show_leads(inv: Invocation) -> views.Message:
    with inv.deps.pool.connection() as conn:
        page, stage = page_and_stage(conn, inv)
        return lead_cards.leads_listing(conn, page, stage, 0)


def find_people(inv: Invocation) -> views.Message:
    text = inv.command.text or ""
    with inv.deps.pool.connection() as conn:
        # One more than shown tells whether to say that more match.
        found = find_leads(conn, inv.organization_id, text, limit=LEADS_PER_MESSAGE + 1)
        shown = found[:LEADS_PER_MESSAGE]
        return views.found_message(text, lead_cards.cards(conn, shown), has_more=len(found) > len(shown))


def show_merges(inv: Invocation) -> views.Message:
    """The page's pairs awaiting a decision, best first, with their buttons."""
    with inv.deps.pool.connection() as conn:
        page = named_page(conn, inv)
        pending = suggestions(conn, page.id)
        leads = leads_by_id(conn, [cid for s in pending for cid in (s.messenger_contact_id, s.instagram_contact_id)])
    return merge_digest(page, pending, leads, listing=True)
