"""A Graph conversation -> the contact(s) in it, the conversation and its messages, as plain records."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.graph import Platform


class ExtractionError(ValueError):
    """The conversation is not shaped as the Graph API documents; it is recorded and skipped."""


@dataclass(frozen=True)
class Name:
    first: str | None
    last: str | None


@dataclass(frozen=True)
class ContactRecord:
    platform: Platform
    external_id: str  # PSID on Messenger, IGSID on Instagram
    name: Name
    username: str | None
    last_interaction: datetime


@dataclass(frozen=True)
class MessageRecord:
    mid: str
    sender_id: str
    sender_name: str | None
    text: str | None
    created_time: datetime
    is_echo: bool


@dataclass(frozen=True)
class ConversationRecord:
    graph_id: str
    platform: Platform
    updated_time: datetime
    contacts: tuple[ContactRecord, ...]
    messages: tuple[MessageRecord, ...]  # oldest first


def parse_graph_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ExtractionError(f"expected a Graph timestamp, got {type(value).__name__}")
    # Graph writes "2024-05-01T10:11:12+0000"; fromisoformat reads it (and ISO 8601's other spellings)
    # at a tenth of strptime's cost, which matters at tens of thousands of messages per sync.
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ExtractionError(f"unreadable Graph timestamp {value!r}") from None
    if parsed.tzinfo is None:
        raise ExtractionError(f"Graph timestamp without a time zone {value!r}")
    return parsed


def split_name(full_name: str | None) -> Name:
    """A display name -> given and family name, the same in the sync and the webhook refresh.

    Space-separated scripts split at the first space: 'Mary Anne Smith' -> Mary / Anne Smith,
    'Иван Петров' -> Иван / Петров, 'Νίκος Παπαδόπουλος' -> Νίκος / Παπαδόπουλος. Names in scripts
    that do not separate given and family names with a space (Chinese, Japanese, Korean, Thai...)
    stay whole. Emoji and symbols around words ('Nia 💕', '✨ Jo ✨') are decoration, never a name;
    digits and punctuation are kept ('Mary 2', 'Bob & Alice', '007 James').
    """
    parts = [part for part in (_strip_decoration(word) for word in (full_name or "").split()) if part]
    if not parts:
        return Name(None, None)
    if len(parts) == 1 or _kept_whole(parts):
        return Name(" ".join(parts), None)
    return Name(parts[0], " ".join(parts[1:]))


# Unicode name prefixes of the scripts whose names are not split at spaces.
_UNSPACED_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI", "LAO", "KHMER", "MYANMAR", "TIBETAN")


def _kept_whole(parts: list[str]) -> bool:
    return any(unicodedata.name(ch, "").startswith(_UNSPACED_SCRIPTS) for part in parts for ch in part)


def _is_decoration(ch: str) -> bool:
    # Other and modifier symbols (emoji, hearts, stars, flags, skin tones), format characters (zero-width
    # joiners) and emoji variation selectors. Digits, punctuation, and math and currency signs are what
    # a person typed as part of their name ("Mary 2", "Bob & Alice", "007 James"): kept.
    category = unicodedata.category(ch)
    return category in ("So", "Sk", "Cf") or "\ufe00" <= ch <= "\ufe0f"


def _strip_decoration(word: str) -> str:
    """The word less leading and trailing emoji; empty when nothing else is left."""
    start, end = 0, len(word)
    while start < end and _is_decoration(word[start]):
        start += 1
    while end > start and _is_decoration(word[end - 1]):
        end -= 1
    return word[start:end]


def display_name(first: str | None, last: str | None, external_id: str) -> str:
    """What people see for a contact; the 'User 123456' fallback is never stored as a name."""
    full = " ".join(part for part in (first, last) if part)
    return full or f"User {external_id[-6:]}"


def extract_conversation(raw: Any, platform: Platform, own_ids: Collection[str]) -> ConversationRecord:
    """`own_ids` are the page's own ids (page id, Instagram account id): those participants are not contacts."""
    if not isinstance(raw, dict):
        raise ExtractionError("conversation is not a JSON object")
    graph_id = raw.get("id")
    if not isinstance(graph_id, str) or not graph_id:
        raise ExtractionError("conversation has no id")
    updated_time = parse_graph_time(raw.get("updated_time"))
    participants = _data_list(raw.get("participants"), "participants")
    messages = [_message(item, own_ids) for item in _data_list(raw.get("messages"), "messages", required=False)]
    messages.sort(key=lambda message: message.created_time)

    contacts: list[ContactRecord] = []
    for participant in participants:
        if not isinstance(participant, dict) or not isinstance(participant.get("id"), str):
            raise ExtractionError("participant has no id")
        contact_id = participant["id"]
        if contact_id in own_ids:
            continue
        username = clean_text(participant.get("username")) if platform == "instagram" else None
        # An emoji-only display name names no one: the username or the messages may.
        labels = (clean_text(participant.get("name")), username, _name_from_messages(raw, contact_id))
        name = next((n for n in map(split_name, labels) if n.first), Name(None, None))
        contacts.append(
            ContactRecord(
                platform=platform,
                external_id=contact_id,
                name=name,
                username=username,
                last_interaction=updated_time,
            )
        )
    if not contacts:
        raise ExtractionError("conversation has no participant other than the page")
    return ConversationRecord(graph_id, platform, updated_time, tuple(contacts), tuple(messages))


def _data_list(edge: Any, what: str, *, required: bool = True) -> list[Any]:
    if edge is None and not required:
        return []
    data = edge.get("data") if isinstance(edge, dict) else None
    if not isinstance(data, list):
        raise ExtractionError(f"conversation {what} has no data list")
    return data


def clean_text(value: Any) -> str | None:
    """A stripped, non-empty string, or None."""
    return value.strip() or None if isinstance(value, str) else None


def _name_from_messages(raw: dict[str, Any], contact_id: str) -> str | None:
    for item in _data_list(raw.get("messages"), "messages", required=False):
        sender = item.get("from") if isinstance(item, dict) else None
        if isinstance(sender, dict) and sender.get("id") == contact_id:
            name = clean_text(sender.get("name")) or clean_text(sender.get("username"))
            if name:
                return name
    return None


def _message(item: Any, own_ids: Collection[str]) -> MessageRecord:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        raise ExtractionError("message has no id")
    sender = item.get("from")
    if not isinstance(sender, dict) or not isinstance(sender.get("id"), str):
        raise ExtractionError(f"message {item['id']} has no sender")
    text = item.get("message")
    return MessageRecord(
        mid=item["id"],
        sender_id=sender["id"],
        sender_name=clean_text(sender.get("name")) or clean_text(sender.get("username")),
        text=text if isinstance(text, str) and text else None,
        created_time=parse_graph_time(item.get("created_time")),
        is_echo=sender["id"] in own_ids,
    )
