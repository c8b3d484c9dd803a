"""A Graph conversation -> the contact(s) in it, the conversation and its messages, as plain records."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Collection

from core.graph import Platform

GRAPH_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


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
    try:
        return datetime.strptime(value, GRAPH_TIME_FORMAT)
    except ValueError:
        raise ExtractionError(f"unreadable Graph timestamp {value!r}") from None


def split_name(full_name: str | None) -> Name:
    """'John Smith' -> John / Smith; 'Mary Anne Smith' -> Mary / Anne Smith; single and non-Latin names whole."""
    if not full_name or not full_name.strip():
        return Name(None, None)
    cleaned = " ".join(full_name.split())
    parts = cleaned.split(" ")
    if len(parts) == 1 or not _is_latin(cleaned):
        return Name(cleaned, None)
    return Name(parts[0], " ".join(parts[1:]))


def _is_latin(text: str) -> bool:
    return all(unicodedata.name(ch, "").startswith("LATIN") for ch in text if ch.isalpha())


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
        label = clean_text(participant.get("name")) or username or _name_from_messages(raw, contact_id)
        contacts.append(
            ContactRecord(
                platform=platform,
                external_id=contact_id,
                name=split_name(label),
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
