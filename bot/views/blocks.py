"""Block Kit primitives within Slack's limits, and the ids of the controls the messages carry."""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]
Message = dict[str, Any]

# Action ids: the listeners (bot/listeners/actions.py) bind the same constants.
CANCEL_ACTION = "fbsync_cancel"
DISCONNECT_ACTION = "fbsync_disconnect"
CONNECT_LINK_ACTION = "fbsync_connect_link"

CONNECT_HINT = "`/fbsync connect`"

# Slack's limits: 3000 characters of section text, 2000 of a field, 50 blocks per message; lists stop short.
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
MAX_LISTED = 40


def escape(text: str) -> str:
    """Slack reads &, < and > as control characters in mrkdwn and in the `text` fallback."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def code(text: str) -> str:
    # A backtick inside would end the code span early.
    return "`" + escape(text).replace("`", "'") + "`"


def typed_arg(name: str) -> str:
    """A page or stage name as one would type it in a command: quoted when it has several words."""
    return f'"{name}"' if any(char.isspace() for char in name) else name


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}}


def fields(*texts: str) -> Block:
    return {"type": "section", "fields": [{"type": "mrkdwn", "text": clip(t, FIELD_LIMIT)} for t in texts]}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(t, SECTION_LIMIT)} for t in texts]}


def button(text: str, action_id: str, **options: Any) -> Block:
    """A button element; `options` are Slack's (style, url, value, confirm)."""
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id, **options}


def actions(*elements: Block) -> Block:
    return {"type": "actions", "elements": list(elements)}


def message(text: str, blocks: list[Block]) -> Message:
    """`text` is plain: it is escaped here, as Slack parses the fallback like mrkdwn."""
    return {"text": escape(clip(text, SECTION_LIMIT)), "blocks": blocks}


def capped(blocks: list[Block], total: int, noun: str) -> list[Block]:
    """The first MAX_LISTED item blocks and a note about the rest, within Slack's 50 blocks."""
    if total <= MAX_LISTED:
        return blocks
    return blocks[:MAX_LISTED] + [context(f"…and {total - MAX_LISTED:,} more {noun}")]
