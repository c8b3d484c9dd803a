"""A lead card's controls (Move to…, Not a lead, Accept the AI's stage, Open in Inbox) and the More
button of a list of leads. Moving needs whoever may configure; reading on needs nobody in particular.
Every click is trusted only for a contact or page of the clicking workspace."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import lead_cards, views
from bot.deps import BotDeps
from bot.listeners.clicks import allowed, clicked_value, refuse, team_of, this_workspaces_page
from bot.views.lead_list import read_more_value
from core.db import Conn
from core.leads import Lead, StageRefused, accept_suggestion, get_lead, set_stage

logger = logging.getLogger(__name__)

# What a click asks for, given the connection, the contact and the clicking user and team.
Change = Callable[[Conn, int, str, str], Lead]


def register(app: App) -> None:
    app.action(views.MOVE_ACTION)(handle_move)
    app.action(views.NOT_A_LEAD_ACTION)(handle_not_a_lead)
    app.action(views.ACCEPT_AI_ACTION)(handle_accept)
    app.action(views.MORE_LEADS_ACTION)(handle_more)
    # Open in Inbox only opens its URL; Slack still sends the click, which needs an ack.
    app.action(views.OPEN_INBOX_ACTION)(lambda ack: ack())


def handle_move(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()
    _change_stage(body, respond, client, context["fbsync"], "move")


def handle_not_a_lead(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    _change_stage(body, respond, client, context["fbsync"], "not a lead")


def handle_accept(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()
    deps: BotDeps = context["fbsync"]
    team_id = allowed(body, respond, client, deps)
    if team_id is None:
        return
    value = clicked_value(body) or ""
    contact_id = int(value) if value.isdigit() else None
    _apply(body, respond, deps, team_id, "accept", contact_id, accept_suggestion)


def handle_more(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    deps: BotDeps = context["fbsync"]
    team_id = team_of(body)
    asked = read_more_value(clicked_value(body) or "")
    if asked is None:
        logger.warning("more button without a page team_id=%s", team_id)
        return
    page_pk, stage_id, offset = asked
    with deps.pool.connection() as conn, conn.transaction():
        page = this_workspaces_page(conn, team_id, page_pk)
        if page is None:
            refuse(respond, team_id, "more leads")
            return
        stages = lead_cards.stages_of(conn, page.id)
        stage = next((s for s in stages if s.id == stage_id), None)
        if stage_id is not None and stage is None:
            answer = views.lead_not_changed(
                "That stage is no longer in this page's pipeline: ask for its leads again with `/fbsync leads`."
            )
        else:
            answer = lead_cards.leads_listing(conn, page, stage, offset)
    respond(replace_original=False, response_type="ephemeral", **answer)


def _change_stage(body: dict[str, Any], respond: Respond, client: WebClient, deps: BotDeps, what: str) -> None:
    """Move to the stage the clicked value names ("contact_id:stage_id", a menu option or Not a lead)."""
    team_id = allowed(body, respond, client, deps)
    if team_id is None:
        return
    contact, _, stage = (clicked_value(body) or "").partition(":")
    if not (contact.isdigit() and stage.isdigit()):
        logger.warning("%s click without a contact and a stage team_id=%s", what, team_id)
        return

    def move(conn: Conn, contact_id: int, user_id: str, team: str) -> Lead:
        return set_stage(conn, contact_id, int(stage), user_id, team)

    _apply(body, respond, deps, team_id, what, int(contact), move)


def _apply(
    body: dict[str, Any],
    respond: Respond,
    deps: BotDeps,
    team_id: str,
    what: str,
    contact_id: int | None,
    change: Change,
) -> None:
    """Make the change for the clicking user, then show the updated card where the old one was."""
    if contact_id is None:
        logger.warning("%s click without a contact team_id=%s", what, team_id)
        return
    user_id = body["user"]["id"]
    with deps.pool.connection() as conn, conn.transaction():
        lead = get_lead(conn, contact_id)
        if lead is None or this_workspaces_page(conn, team_id, lead.page_pk) is None:
            refuse(respond, team_id, what)
            return
        try:
            updated = change(conn, contact_id, user_id, team_id)
        except StageRefused as exc:
            respond(replace_original=False, response_type="ephemeral", **views.lead_not_changed(str(exc)))
            return
        [card] = lead_cards.cards(conn, [updated])
    logger.info(
        "lead stage set by a person contact_id=%s stage_id=%s team_id=%s user=%s",
        contact_id,
        updated.stage_id,
        team_id,
        user_id,
    )
    # Slack sends the message's blocks with a click on a message in a channel, not on an ephemeral one
    # (a command's answer): there the updated card comes as an answer of its own.
    original = body.get("message") or {}
    blocks = views.swap_card(original.get("blocks") or [], contact_id, card)
    if blocks is None:
        respond(replace_original=False, response_type="ephemeral", **views.lead_updated(card))
    else:
        respond(replace_original=True, text=original.get("text") or "Lead updated", blocks=blocks)
