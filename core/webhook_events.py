"""A Meta webhook delivery (Messenger and Instagram DMs) -> one InboundEvent per messaging item.

Only the delivery's shape is judged here. Whether the page is connected, and what an event
triggers, is the caller's business.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

PLATFORMS = {"page": "messenger", "instagram": "instagram"}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class EventKind(StrEnum):
    MESSAGE = "message"
    ECHO = "echo"
    POSTBACK = "postback"
    REACTION = "reaction"
    READ = "read"
    DELIVERY = "delivery"
    OTHER = "other"


# Only these carry conversation content worth re-analysing; receipts and reactions change nothing.
CONTENT_KINDS = frozenset({EventKind.MESSAGE, EventKind.ECHO, EventKind.POSTBACK})

# The key that names an item's kind. Meta sends one per item; the order only settles odd ones.
ITEM_KEYS = {
    "message": EventKind.MESSAGE,
    "postback": EventKind.POSTBACK,
    "reaction": EventKind.REACTION,
    "read": EventKind.READ,
    "delivery": EventKind.DELIVERY,
}


@dataclass(frozen=True)
class InboundEvent:
    object: str  # "page" | "instagram"
    platform: str  # "messenger" | "instagram"
    account_id: str  # entry.id: the page id, or the Instagram business account id
    kind: EventKind
    contact_id: str  # the customer: the sender, or the recipient of an echo
    mid: str | None  # the message's own mid (MESSAGE, ECHO, POSTBACK); mids are unique in storage
    text: str | None  # a postback's button title; None for attachment-only messages
    has_attachments: bool
    timestamp: datetime  # aware UTC
    standby: bool  # delivered under "standby": another app owns the thread
    item: dict[str, Any]  # the raw messaging item, as Meta sent it
    reacted_mid: str | None = None  # the message a reaction is on

    @property
    def worth_analysing(self) -> bool:
        return self.kind in CONTENT_KINDS


class MalformedDelivery(ValueError):
    """The body is not a messaging delivery as Meta documents it; the message says where."""


def parse_delivery(payload: object) -> list[InboundEvent]:
    """Every messaging and standby item of every entry, in delivery order."""
    if not isinstance(payload, dict):
        raise MalformedDelivery("the body must be a JSON object")
    obj = payload.get("object")
    if not isinstance(obj, str) or obj not in PLATFORMS:
        raise MalformedDelivery(f"object must be 'page' or 'instagram', not {obj!r:.40}")
    if "entry" not in payload:
        raise MalformedDelivery("entry is missing")
    entries = payload["entry"]
    if not isinstance(entries, list):
        raise MalformedDelivery("entry must be a list")
    events: list[InboundEvent] = []
    for e, entry in enumerate(entries):
        where = f"entry[{e}]"
        if not isinstance(entry, dict):
            raise MalformedDelivery(f"{where} must be an object")
        account_id = entry.get("id")
        if not isinstance(account_id, str):
            raise MalformedDelivery(f"{where}.id must be a string")
        # An entry with neither list (a Page `changes` feed entry) is another subscription's news.
        for channel in ("messaging", "standby"):
            items = entry.get(channel)
            if items is None:
                continue
            if not isinstance(items, list):
                raise MalformedDelivery(f"{where}.{channel} must be a list")
            for i, item in enumerate(items):
                event = _event(item, f"{where}.{channel}[{i}]", obj, account_id,
                               standby=channel == "standby", entry_time=entry.get("time"))
                if event is not None:
                    events.append(event)
    return events


def _event(item: object, where: str, obj: str, account_id: str, *, standby: bool,
           entry_time: object) -> InboundEvent | None:
    """None for an item of a kind we do not handle that names no customer (a plugin opt-in's
    `user_ref`, say): refusing it would make Meta retry, and in the end disable, the whole webhook."""
    if not isinstance(item, dict):
        raise MalformedDelivery(f"{where} must be an object")
    kind, body = _kind(item, where)
    if kind is EventKind.OTHER and not all(_has_id(item, role) for role in ("sender", "recipient")):
        return None
    sender, recipient = _party(item, "sender", where), _party(item, "recipient", where)
    content = kind in CONTENT_KINDS
    return InboundEvent(
        object=obj,
        platform=PLATFORMS[obj],
        account_id=account_id,
        kind=kind,
        contact_id=recipient if kind is EventKind.ECHO else sender,
        mid=_str(body.get("mid")) if content else None,
        text=_str(body.get("title" if kind is EventKind.POSTBACK else "text")) if content else None,
        has_attachments=kind in (EventKind.MESSAGE, EventKind.ECHO) and bool(body.get("attachments")),
        timestamp=_timestamp(item, kind, entry_time, where),
        standby=standby,
        item=item,
        reacted_mid=_str(body.get("mid")) if kind is EventKind.REACTION else None,
    )


def _has_id(item: dict[str, Any], role: str) -> bool:
    party = item.get(role)
    return isinstance(party, dict) and isinstance(party.get("id"), str)


def _party(item: dict[str, Any], role: str, where: str) -> str:
    party = item.get(role)
    party_id = party.get("id") if isinstance(party, dict) else None
    if not isinstance(party_id, str):
        raise MalformedDelivery(f"{where}.{role}.id must be a string")
    return party_id


def _kind(item: dict[str, Any], where: str) -> tuple[EventKind, dict[str, Any]]:
    for key, kind in ITEM_KEYS.items():
        if key in item:
            body = item[key]
            if not isinstance(body, dict):
                raise MalformedDelivery(f"{where}.{key} must be an object")
            if kind is EventKind.MESSAGE and body.get("is_echo"):
                kind = EventKind.ECHO
            return kind, body
    # optin, referral, handover...: kept so nothing Meta sends vanishes, but it triggers nothing.
    return EventKind.OTHER, {}


def _timestamp(item: dict[str, Any], kind: EventKind, entry_time: object, where: str) -> datetime:
    ms = item.get("timestamp")
    if ms is None and kind is EventKind.DELIVERY:
        ms = entry_time  # Meta documents message_deliveries items without a timestamp
    if isinstance(ms, bool) or not isinstance(ms, (int, float)):
        raise MalformedDelivery(f"{where}.timestamp must be a number of milliseconds")
    try:
        return EPOCH + timedelta(milliseconds=ms)
    except (OverflowError, ValueError):  # json.loads accepts 1e400 and NaN
        raise MalformedDelivery(f"{where}.timestamp is out of range") from None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None
