"""Merge review clicks: "Same person" merges the pair, "Not the same" rejects it for good, "Unmerge"
undoes a merge. Each needs whoever may change things, and is trusted only for a page of the
clicking workspace."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import lead_cards
from bot.deps import BotDeps
from bot.listeners.clicks import allowed, clicked_value, refuse, this_workspaces_page
from bot.views import merge_review as views
from bot.views.blocks import escape
from bot.views.lead_card import UNMERGE_ACTION
from core.db import Conn
from core.leads import get_lead, leads_by_id
from core.merge import MergeRefused, merge, pair_leads, reject, unmerge

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(views.SAME_PERSON_ACTION)(handle_same_person)
    app.action(views.NOT_SAME_ACTION)(handle_not_same)
    app.action(UNMERGE_ACTION)(handle_unmerge)


def handle_same_person(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    _decide(body, respond, client, context["fbsync"], merged=True)


def handle_not_same(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()
    _decide(body, respond, client, context["fbsync"], merged=False)


def handle_unmerge(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()
    deps: BotDeps = context["fbsync"]
    team_id = allowed(body, respond, client, deps)
    if team_id is None:
        return
    value = clicked_value(body) or ""
    if not value.isdigit():
        logger.warning("unmerge click without a contact team_id=%s", team_id)
        return
    user_id = body["user"]["id"]
    with deps.pool.connection() as conn, conn.transaction():
        lead = get_lead(conn, int(value))
        if lead is None or this_workspaces_page(conn, team_id, lead.page_pk) is None:
            refuse(respond, team_id, "unmerge")
            return
        try:
            both = unmerge(conn, lead.page_pk, lead.contact_id, by=user_id)
        except MergeRefused as exc:
            respond(replace_original=False, response_type="ephemeral", **views.merge_refused(str(exc)))
            return
        leads = leads_by_id(conn, [both.messenger_contact_id, both.instagram_contact_id])
    logger.info("contacts unmerged contact_id=%s team_id=%s user=%s", lead.contact_id, team_id, user_id)
    answer = views.unmerged_answer(leads[both.messenger_contact_id], leads[both.instagram_contact_id])
    respond(replace_original=False, response_type="ephemeral", **answer)


def _decide(body: dict[str, Any], respond: Respond, client: WebClient, deps: BotDeps, *, merged: bool) -> None:
    team_id = allowed(body, respond, client, deps)
    if team_id is None:
        return
    pair = views.read_pair_value(clicked_value(body) or "")
    if pair is None:
        logger.warning("merge review click without a pair team_id=%s", team_id)
        return
    page_pk, psid, igsid = pair
    user_id = body["user"]["id"]
    with deps.pool.connection() as conn, conn.transaction():
        page = this_workspaces_page(conn, team_id, page_pk)
        if page is None:
            refuse(respond, team_id, "merge review")
            return
        names = _names(conn, page_pk, psid, igsid)
        answer = None
        try:
            if merged:
                contact_id = merge(conn, page_pk, psid, igsid, by=user_id).contact_id
                lead = get_lead(conn, contact_id)
                assert lead is not None  # merged in this transaction
                [card] = lead_cards.cards(conn, [lead])
                answer = views.merged_answer(lead, card)
            elif not reject(conn, page_pk, psid, igsid, by=user_id):
                raise MergeRefused("That pair was decided already.")
        except MergeRefused as exc:
            respond(replace_original=False, response_type="ephemeral", **views.merge_refused(str(exc)))
            return
    logger.info("merge review decided page_pk=%s merged=%s team_id=%s user=%s", page_pk, merged, team_id, user_id)
    outcome = views.outcome_line("merged" if merged else "rejected", user_id, names)
    original = body.get("message") or {}
    blocks = views.decided(original.get("blocks") or [], f"{psid}:{igsid}", outcome)
    if blocks is not None:
        respond(replace_original=True, text=original.get("text") or outcome, blocks=blocks)
    if answer is not None:
        respond(replace_original=False, response_type="ephemeral", **answer)
    elif blocks is None:
        respond(replace_original=False, response_type="ephemeral", text=outcome)


def _names(conn: Conn, page_pk: int, psid: str, igsid: str) -> str:
    shown = [f"*{escape(lead.name)}*" for lead in pair_leads(conn, page_pk, psid, igsid)]
    return " and ".join(shown) or "the two contacts"
