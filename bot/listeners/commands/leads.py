"""The commands that show people: a page's leads, and people found by name. Anyone may use them."""

from __future__ import annotations

from bot import lead_cards, views
from bot.listeners.commands.invocation import Invocation, named_page
from bot.views.lead_list import LEADS_PER_MESSAGE
from core.leads import find_leads, resolve_stage


def show_leads(inv: Invocation) -> views.Message:
    with inv.deps.pool.connection() as conn:
        page = named_page(conn, inv)
        stage = resolve_stage(conn, page.id, inv.command.stage) if inv.command.stage else None
        return lead_cards.leads_listing(conn, page, stage, 0)


def find_people(inv: Invocation) -> views.Message:
    text = inv.command.text or ""
    with inv.deps.pool.connection() as conn:
        # One more than shown tells whether to say that more match.
        found = find_leads(conn, inv.organization_id, text, limit=LEADS_PER_MESSAGE + 1)
        shown = found[:LEADS_PER_MESSAGE]
        return views.found_message(text, lead_cards.cards(conn, shown), has_more=len(found) > len(shown))
