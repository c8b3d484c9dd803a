"""The lead card: one Block Kit layout wherever a person appears (leads, find, alerts, the App Home)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.views.blocks import Block, actions, button, clip, context, escape, section
from bot.views.format import slack_date
from core.leads import Lead, inbox_link
from core.pipeline import Stage

# Action ids: bot/listeners/leads.py binds the same constants.
MOVE_ACTION = "fbsync_lead_move"
NOT_A_LEAD_ACTION = "fbsync_lead_lost"
ACCEPT_AI_ACTION = "fbsync_lead_accept_ai"
OPEN_INBOX_ACTION = "fbsync_lead_open"
UNMERGE_ACTION = "fbsync_merge_undo"  # bound by bot/listeners/merges.py

LOST = "lost"
EVIDENCE_SHOWN = 3
_QUOTE_LIMIT = 280
_OPTION_LIMIT = 75  # characters of an option's text
_MAX_OPTIONS = 100


def lead_card(lead: Lead, stages: Sequence[Stage], *, with_actions: bool = True) -> list[Block]:
    """The card's blocks (3 to 5). `stages`: the page's pipeline, offered by "Move to…"."""
    blocks = [_headline(lead)]
    if lead.summary:
        blocks.append(section(escape(lead.summary)))
    quotes = [f"“{escape(clip(quote, _QUOTE_LIMIT))}”" for quote in lead.evidence[:EVIDENCE_SHOWN] if quote]
    if quotes:
        blocks.append(context(*quotes))
    controls = _controls(lead, stages) if with_actions else None
    if controls is not None:
        blocks.append(controls)
    return blocks


def _headline(lead: Lead) -> Block:
    who = f"*{escape(lead.name)}*"
    if lead.instagram_username and lead.name not in (lead.instagram_username, f"@{lead.instagram_username}"):
        who += f" (@{escape(lead.instagram_username)})"
    stage = f"*{escape(lead.stage)}*" if lead.stage else "_not in the pipeline yet_"
    if lead.stage and lead.stage_set_by:
        stage += f" (set by <@{lead.stage_set_by}>)"
    facts = [stage, f"score {lead.lead_score}"]
    if lead.confidence is not None:
        facts.append(f"confidence {lead.confidence}%")
    last = slack_date(lead.last_interaction, "{date_short_pretty} at {time}") if lead.last_interaction else "never"
    lines = [
        f"{who} · {lead.platform} · {escape(lead.page_name)}",
        " · ".join(facts),
        f"Last message: {last}",
    ]
    if lead.ai_disagrees and lead.ai_stage:
        lines.append(f"AI suggests *{escape(lead.ai_stage)}*")
    block = section("\n".join(lines))
    block["accessory"] = button("Open in Inbox", OPEN_INBOX_ACTION, url=inbox_link(lead))
    return block


def _option(lead: Lead, stage: Stage) -> Block:
    return {
        "text": {"type": "plain_text", "text": clip(stage.name, _OPTION_LIMIT)},
        "value": f"{lead.contact_id}:{stage.id}",
    }


def _unmerge_button(contact_id: int) -> Block:
    return button(
        "Unmerge",
        UNMERGE_ACTION,
        value=str(contact_id),
        confirm={
            "title": {"type": "plain_text", "text": "Unmerge?"},
            "text": {"type": "plain_text", "text": "The Messenger and Instagram contacts become two people again."},
            "confirm": {"type": "plain_text", "text": "Unmerge"},
            "deny": {"type": "plain_text", "text": "Keep"},
        },
    )


def _controls(lead: Lead, stages: Sequence[Stage]) -> Block | None:
    """None when there is nothing to act on (the page has no pipeline)."""
    elements: list[Block] = []
    options = [_option(lead, stage) for stage in stages[:_MAX_OPTIONS]]
    if options:
        select: Block = {
            "type": "static_select",
            "action_id": MOVE_ACTION,
            "placeholder": {"type": "plain_text", "text": "Move to…"},
            "options": options,
        }
        current = next((o for o in options if o["value"] == f"{lead.contact_id}:{lead.stage_id}"), None)
        if current is not None:
            select["initial_option"] = current
        elements.append(select)
    if lead.ai_disagrees and lead.ai_stage:
        elements.append(
            button(f"Accept: {clip(lead.ai_stage, 60)}", ACCEPT_AI_ACTION, value=str(lead.contact_id), style="primary")
        )
    lost = next((stage for stage in stages if stage.name.casefold() == LOST), None)
    if lost is not None and lead.stage_id != lost.id:
        elements.append(button("Not a lead", NOT_A_LEAD_ACTION, value=f"{lead.contact_id}:{lost.id}", style="danger"))
    if lead.messenger_psid and lead.instagram_sid:
        elements.append(_unmerge_button(lead.contact_id))
    if not elements:
        return None
    block = actions(*elements)
    block["block_id"] = f"lead:{lead.contact_id}"
    return block
