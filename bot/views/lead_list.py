"""Lists of lead cards (`/fbsync leads`, `/fbsync find`) within one Slack message, and a card swapped
in place once someone has acted on it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.views.blocks import Block, Message, actions, button, context, escape, message, section
from bot.views.lead_card import OPEN_INBOX_ACTION
from core.pipeline import Stage

# The More button's action id: bot/listeners/leads.py binds the same constant.
MORE_LEADS_ACTION = "fbsync_leads_more"

LEADS_PER_MESSAGE = 10
# Slack refuses a message of more than 50 blocks. A card has up to 5 (lead_card), so ten cards, the
# heading and the More button could need 52: a message holds as many of the cards as fit in 48, and
# More then starts at the first one left out, so nobody is skipped. Today's cards (at most 4 blocks)
# all fit.
MAX_BLOCKS = 50
_AROUND_CARDS = 2  # the heading, and the More button or the note standing for it


def more_value(page_pk: int, stage_id: int | None, offset: int) -> str:
    """What the More button carries: the page, the stage (empty for the hottest open leads), where to go on."""
    return f"{page_pk}:{stage_id if stage_id is not None else ''}:{offset}"


def read_more_value(value: str) -> tuple[int, int | None, int] | None:
    """`more_value`'s parts, or None for a value it did not make."""
    parts = value.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[2].isdigit() or not (parts[1].isdigit() or not parts[1]):
        return None
    return int(parts[0]), int(parts[1]) if parts[1] else None, int(parts[2])


def leads_message(
    page_pk: int, page_name: str, stage: Stage | None, offset: int, cards: Sequence[list[Block]], *, has_more: bool
) -> Message:
    """A page's leads from `offset` on: its hottest open ones, or those in `stage`; `has_more`: others follow."""
    name = escape(page_name)
    what = f"in *{escape(stage.name)}*" if stage else "hottest open leads"
    fallback = f"{page_name}: " + (f"leads in {stage.name}" if stage else "hottest open leads")
    if not cards:
        if offset:
            text = f"No more leads {what} on *{name}*." if stage else f"No more open leads on *{name}*."
        elif stage:
            text = f"No one on *{name}* is in *{escape(stage.name)}*."
        else:
            text = f"*{name}* has no open leads: no one outside Won and Lost yet."
        return message(fallback, [section(text)])

    def more(shown: int) -> Block:
        value = more_value(page_pk, stage.id if stage else None, offset + shown)
        return actions(button("More", MORE_LEADS_ACTION, value=value))

    def heading(shown: int) -> str:
        return f"*{name}*, {what}: {offset + 1}–{offset + shown}"

    return _card_list(fallback, heading, cards, has_more, more)


def found_message(text: str, cards: Sequence[list[Block]], *, has_more: bool) -> Message:
    """People found by name; `has_more`: more matched than the cards given."""
    fallback = f"People called “{text}”"
    if not cards:
        return message(fallback, [section(f"No one called “{escape(text)}” on this workspace's pages.")])

    def more(shown: int) -> Block:
        return context("More people match: type more of the name to narrow the search.")

    def heading(shown: int) -> str:
        return f"People called “{escape(text)}”: {shown}"

    return _card_list(fallback, heading, cards, has_more, more)


def lead_not_changed(problem: str) -> Message:
    return message(problem, [section(f":warning: {escape(problem)}")])


def lead_updated(card: list[Block]) -> Message:
    """The updated card alone, for a message whose blocks the click did not bring (ephemeral ones)."""
    return message("Lead updated", card)


def swap_card(blocks: Sequence[Block], contact_id: int, card: list[Block]) -> list[Block] | None:
    """`blocks` with the contact's card replaced by `card`; None when they hold no such card.

    A card ends with its actions block (block_id `lead:{contact_id}`) and starts at the nearest headline
    before it, the section whose button opens the inbox: the summary and the evidence between them are
    there or not, so the old card's length is read from the message rather than assumed."""
    end = next((i for i, block in enumerate(blocks) if block.get("block_id") == f"lead:{contact_id}"), None)
    if end is None:
        return None
    start = next((i for i in range(end, -1, -1) if _is_headline(blocks[i])), None)
    if start is None:
        return None
    return [*blocks[:start], *card, *blocks[end + 1 :]]


def _is_headline(block: Block) -> bool:
    return block.get("type") == "section" and (block.get("accessory") or {}).get("action_id") == OPEN_INBOX_ACTION


def _card_list(
    fallback: str,
    heading: Callable[[int], str],
    cards: Sequence[list[Block]],
    has_more: bool,
    more: Callable[[int], Block],
) -> Message:
    """The heading, as many cards as fit, and `more(shown)` when cards were left out or others follow."""
    room = MAX_BLOCKS - _AROUND_CARDS
    body: list[Block] = []
    shown = 0
    for card in cards[:LEADS_PER_MESSAGE]:
        if len(body) + len(card) > room:
            break
        body += card
        shown += 1
    blocks = [section(heading(shown)), *body]
    if has_more or shown < len(cards):
        blocks.append(more(shown))
    return message(fallback, blocks)
