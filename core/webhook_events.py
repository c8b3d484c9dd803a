"""A Meta webhook delivery (Messenger and Instagram DMs) -> one InboundEvent per valid messaging item.

Only the delivery's shape is judged here, item by item, as Meta's webhook reference defines each
field: an item that is not what Meta sends becomes a Rejection (where, why) and the other items go
on. Only an envelope that is not a messaging delivery at all (`object`, `entry`) refuses the whole
body. Whether the page is connected, and what an event triggers, is the caller's business.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

PLATFORMS = {"page": "messenger", "instagram": "instagram"}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Meta's ids (page, PSID, IGSID, Instagram account) are decimal strings of 15-17 digits; 24 leaves room.
ID_PATTERN = re.compile(r"[1-9][0-9]{0,23}")
# Message ids: "m_" + url-safe base64 (Messenger), url-safe base64 (Instagram), legacy "mid.$cAA...".
MID_PATTERN = re.compile(r"[A-Za-z0-9_\-.$:=+/]{1,512}")
# Messenger and Instagram cap a message far below this; anything longer is not a message.
MAX_TEXT = 20_000
# Parsing is bounded before it starts (the body is scanned for nesting first); an item is bounded again.
MAX_BODY_DEPTH = 64
MAX_ITEM_DEPTH = 16
# Before Messenger's webhooks existed, or more than a day ahead of our clock, a time is not a real one.
EARLIEST = datetime(2011, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
# What a rejection keeps of the item, for an operator to read.
EXCERPT_CHARS = 2000


class EventKind(StrEnum):
    MESSAGE = "message"
    ECHO = "echo"
    POSTBACK = "postback"
    EDIT = "edit"  # message_edit: the customer changed a message's text
    UNSEND = "unsend"  # Instagram message with is_deleted: the customer took it back
    REACTION = "reaction"
    READ = "read"
    DELIVERY = "delivery"
    REFERRAL = "referral"
    OTHER = "other"


# Kinds that are a message of the conversation, stored once per mid.
MESSAGE_KINDS = frozenset({EventKind.MESSAGE, EventKind.ECHO, EventKind.POSTBACK})
# Kinds that change what the analyzer reads: the contact is refreshed after them.
CONTENT_KINDS = MESSAGE_KINDS | {EventKind.EDIT, EventKind.UNSEND}

# The key that names an item's kind. Meta sends one per item; the order only settles odd ones.
ITEM_KEYS = {
    "message": EventKind.MESSAGE,
    "message_edit": EventKind.EDIT,
    "postback": EventKind.POSTBACK,
    "reaction": EventKind.REACTION,
    "read": EventKind.READ,
    "delivery": EventKind.DELIVERY,
    "referral": EventKind.REFERRAL,
}


@dataclass(frozen=True)
class InboundEvent:
    object: str  # "page" | "instagram"
    platform: str  # "messenger" | "instagram"
    account_id: str  # entry.id: the page id, or the Instagram business account id
    kind: EventKind
    contact_id: str  # the customer: the sender, or the recipient of an echo
    sender_id: str
    # The message's own mid (messages, echoes, postbacks), or the one edited or unsent; a reaction's
    # message is in its dedupe_key only, as a reaction stores no message.
    mid: str | None
    text: str | None  # a message's or edit's text, a postback's button title; None for attachments only
    timestamp: datetime  # aware UTC
    standby: bool  # delivered under "standby": another app owns the thread
    item: dict[str, Any]  # the raw messaging item, as Meta sent it
    dedupe_key: str  # the item's natural key: a re-delivery has the same one
    location: str  # where in the delivery: "entry[0].messaging[3]"
    edit_number: int = 0  # message_edit's num_edit


@dataclass(frozen=True)
class Rejection:
    location: str  # "body", "entry[2]", "entry[0].messaging[7]"
    reason: str
    excerpt: str  # the item as ASCII JSON cut to EXCERPT_CHARS; for a whole body refused, the whole body
    object: str | None = None
    account_id: str | None = None


@dataclass
class ParsedDelivery:
    object: str
    events: list[InboundEvent] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


class MalformedDelivery(ValueError):
    """The body is not a messaging delivery as Meta documents it; the message says where."""


class _ItemRejected(ValueError):
    """One item is not as Meta defines it; the message says where and why."""


class _Invalid:
    """What json.loads made of a token no JSON column can hold (NaN, Infinity, a 5,000-digit number):
    a marker, so that only the item holding it is refused, not the whole delivery."""

    def __init__(self, token: str) -> None:
        self.token = token[:40]

    def __repr__(self) -> str:
        return f"<invalid number {self.token}>"


def _parse_float(token: str) -> float | _Invalid:
    value = float(token)
    return value if math.isfinite(value) else _Invalid(token)


def _parse_int(token: str) -> int | _Invalid:
    return int(token) if len(token) <= 30 else _Invalid(token)


# Strings are removed before brackets are counted: a "[" inside a string does not nest anything.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


def load_body(body: bytes) -> object:
    """JSON from Meta's raw bytes, with its nesting bounded before the parser can recurse."""
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    if len(brackets) // 2 > MAX_BODY_DEPTH:  # fewer openers than the bound cannot nest deeper
        depth = 0
        for byte in brackets:
            depth += 1 if byte in b"[{" else -1
            if depth > MAX_BODY_DEPTH:
                raise MalformedDelivery(f"the body nests deeper than {MAX_BODY_DEPTH} levels")
    try:
        return json.loads(body, parse_float=_parse_float, parse_int=_parse_int, parse_constant=_Invalid)
    except ValueError:  # also UnicodeDecodeError: not UTF-8
        raise MalformedDelivery("the body is not JSON") from None


def body_text(body: bytes) -> str:
    """A whole body as text any column holds, for a delivery refused as a whole (to be replayed by hand)."""
    return body.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")


def parse_delivery(payload: object, now: datetime | None = None) -> ParsedDelivery:
    """Every valid messaging and standby item of every entry, in delivery order, and the rest refused."""
    obj, entries = _envelope(payload)
    parsed = ParsedDelivery(obj)
    latest = (now or datetime.now(UTC)) + FUTURE_SLACK
    for e, entry in enumerate(entries):
        _parse_entry(parsed, entry, f"entry[{e}]", latest)
    return parsed


def _envelope(payload: object) -> tuple[str, list[object]]:
    """The delivery's `object` and entries; a body that is no messaging delivery at all is refused whole."""
    if not isinstance(payload, dict):
        raise MalformedDelivery("the body must be a JSON object")
    obj = payload.get("object")
    if not isinstance(obj, str) or obj not in PLATFORMS:
        raise MalformedDelivery(f"object must be 'page' or 'instagram', not {_short(obj)}")
    if "entry" not in payload:
        raise MalformedDelivery("entry is missing")
    entries = payload["entry"]
    if not isinstance(entries, list):
        raise MalformedDelivery("entry must be a list")
    return obj, entries


@dataclass(frozen=True)
class _Entry:
    account_id: str
    time: object  # Meta's send time, which stands in for a delivery receipt's own
    # (channel, items): "messaging", and "standby" while another app owns the thread. An entry with
    # neither (a Page `changes` feed entry) is another subscription's news, and has no items here.
    channels: tuple[tuple[str, list[object]], ...]


def _parse_entry(parsed: ParsedDelivery, entry: object, where: str, latest: datetime) -> None:
    """The entry's items into `parsed`: an entry not as Meta sends it is refused whole, an item alone."""
    try:
        valid = _entry(entry, where)
    except _ItemRejected as exc:
        account_id = entry.get("id") if isinstance(entry, dict) else None
        parsed.rejections.append(_rejection(where, exc, entry, parsed.object, account_id))
        return
    for channel, items in valid.channels:
        for i, item in enumerate(items):
            item_where = f"{where}.{channel}[{i}]"
            try:
                event = _event(item, item_where, parsed.object, valid, standby=channel == "standby", latest=latest)
            except _ItemRejected as exc:
                parsed.rejections.append(_rejection(item_where, exc, item, parsed.object, valid.account_id))
                continue
            if event is not None:
                parsed.events.append(event)


def _entry(entry: object, where: str) -> _Entry:
    if not isinstance(entry, dict):
        raise _ItemRejected(f"{where} must be an object")
    account_id = _check_id(entry.get("id"), f"{where}.id")
    channels = tuple((channel, entry.get(channel)) for channel in ("messaging", "standby"))
    for channel, items in channels:
        if items is not None and not isinstance(items, list):
            raise _ItemRejected(f"{where}.{channel} must be a list")
    return _Entry(account_id, entry.get("time"), tuple((channel, items or []) for channel, items in channels))


def _rejection(where: str, exc: _ItemRejected, value: object, obj: str, account_id: object) -> Rejection:
    return Rejection(
        where, str(exc), excerpt(value), obj, account_id if isinstance(account_id, str) and _is_id(account_id) else None
    )


def excerpt(value: object) -> str:
    """ASCII JSON (NUL and lone surrogates escaped, so any text column holds it), cut short."""
    return json.dumps(value, ensure_ascii=True, default=repr)[:EXCERPT_CHARS]


def _event(
    item: object, where: str, obj: str, entry: _Entry, *, standby: bool, latest: datetime
) -> InboundEvent | None:
    """None for an item of a kind we do not handle that names no customer (a plugin opt-in's
    `user_ref`, say): it is acknowledged and ignored, as refusing it would only make Meta retry."""
    account_id = entry.account_id
    if not isinstance(item, dict):
        raise _ItemRejected(f"{where} must be an object")
    _check_values(item, where, 0)
    kind, body = _kind(item, where)
    if kind is EventKind.OTHER and not all(_is_id(_party_id(item, role)) for role in ("sender", "recipient")):
        return None
    sender = _check_id(_party_id(item, "sender"), f"{where}.sender.id")
    recipient = _check_id(_party_id(item, "recipient"), f"{where}.recipient.id")
    customer = recipient if kind is EventKind.ECHO else sender
    if customer == account_id:
        raise _ItemRejected(f"{where}: the customer is the page's own account {account_id}")
    timestamp = _timestamp(
        item.get("timestamp", entry.time if kind is EventKind.DELIVERY else None), f"{where}.timestamp", latest
    )
    mid, text, edit_number = None, None, 0
    if kind in MESSAGE_KINDS or kind in (EventKind.EDIT, EventKind.UNSEND, EventKind.REACTION):
        mid = _check_mid(body.get("mid"), f"{where}.{_key_of(item)}.mid")
    if kind in (EventKind.MESSAGE, EventKind.ECHO, EventKind.EDIT):
        text = _optional_text(body.get("text"), f"{where}.{_key_of(item)}.text")
    elif kind is EventKind.POSTBACK:
        text = _optional_text(body.get("title"), f"{where}.postback.title")
    if kind is EventKind.EDIT:
        if text is None:
            raise _ItemRejected(f"{where}.message_edit.text must be a string")
        edit_number = _whole(body.get("num_edit"), f"{where}.message_edit.num_edit")
    if kind is EventKind.REACTION and body.get("action") not in ("react", "unreact"):
        raise _ItemRejected(f"{where}.reaction.action must be 'react' or 'unreact'")
    return InboundEvent(
        object=obj,
        platform=PLATFORMS[obj],
        account_id=account_id,
        kind=kind,
        contact_id=customer,
        sender_id=sender,
        mid=None if kind is EventKind.REACTION else mid,
        text=text,
        timestamp=timestamp,
        standby=standby,
        item=item,
        dedupe_key=_dedupe_key(kind, account_id, sender, mid, edit_number, body, item, where, latest),
        location=where,
        edit_number=edit_number,
    )


def _dedupe_key(
    kind: EventKind,
    account_id: str,
    sender: str,
    mid: str | None,
    edit_number: int,
    body: dict[str, Any],
    item: dict[str, Any],
    where: str,
    latest: datetime,
) -> str:
    """The natural key of what happened, the same in every re-delivery of it."""
    prefix = f"{account_id}:{kind.value}"
    if kind in MESSAGE_KINDS or kind is EventKind.UNSEND:
        return f"{prefix}:{mid}"
    if kind is EventKind.EDIT:
        return f"{prefix}:{mid}:{edit_number}"
    if kind is EventKind.REACTION:
        return f"{prefix}:{sender}:{mid}:{body['action']}:{_ms(item.get('timestamp'))}"
    if kind in (EventKind.READ, EventKind.DELIVERY):
        # Messenger reports a watermark (everything up to then); Instagram names the message read.
        watermark = body.get("watermark")
        if watermark is not None:
            _timestamp(watermark, f"{where}.{kind.value}.watermark", latest)
            return f"{prefix}:{sender}:{_ms(watermark)}"
        return f"{prefix}:{sender}:{_check_mid(body.get('mid'), f'{where}.{kind.value}.mid')}"
    if kind is EventKind.REFERRAL:
        return f"{prefix}:{sender}:{_ms(item.get('timestamp'))}"
    canonical = json.dumps(item, sort_keys=True, ensure_ascii=True, default=repr)
    return f"{prefix}:{sender}:{hashlib.sha256(canonical.encode()).hexdigest()}"


def _kind(item: dict[str, Any], where: str) -> tuple[EventKind, dict[str, Any]]:
    for key, kind in ITEM_KEYS.items():
        if key in item:
            body = item[key]
            if not isinstance(body, dict):
                raise _ItemRejected(f"{where}.{key} must be an object")
            if kind is EventKind.MESSAGE and body.get("is_deleted") is True:
                kind = EventKind.UNSEND
            elif kind is EventKind.MESSAGE and body.get("is_echo"):
                kind = EventKind.ECHO
            return kind, body
    # optin, handover, policy enforcement...: kept so nothing Meta sends vanishes, but it triggers nothing.
    return EventKind.OTHER, {}


def _key_of(item: dict[str, Any]) -> str:
    return next(key for key in ITEM_KEYS if key in item)


def _check_values(value: object, where: str, depth: int) -> None:
    """Every string a column can hold (no NUL, no lone surrogate, bounded), every number finite."""
    if depth > MAX_ITEM_DEPTH:
        raise _ItemRejected(f"{where} nests deeper than {MAX_ITEM_DEPTH} levels")
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise _ItemRejected(f"{where} holds a string of {len(value)} characters (at most {MAX_TEXT})")
        if _BAD_CHARACTERS.search(value):
            raise _ItemRejected(f"{where} holds a NUL or a lone surrogate")
    elif isinstance(value, _Invalid):
        raise _ItemRejected(f"{where} holds a number no JSON column can store ({value.token})")
    elif isinstance(value, dict):
        for key, child in value.items():
            _check_values(key, where, depth + 1)
            _check_values(child, where, depth + 1)
    elif isinstance(value, list):
        for child in value:
            _check_values(child, where, depth + 1)


def _party_id(item: dict[str, Any], role: str) -> object:
    party = item.get(role)
    return party.get("id") if isinstance(party, dict) else None


def _is_id(value: object) -> bool:
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def _check_id(value: object, where: str) -> str:
    if not _is_id(value):
        raise _ItemRejected(f"{where} must be a Meta id (a string of up to 24 digits), not {_short(value)}")
    assert isinstance(value, str)
    return value


def _check_mid(value: object, where: str) -> str:
    if not isinstance(value, str) or MID_PATTERN.fullmatch(value) is None:
        raise _ItemRejected(f"{where} must be a message id of up to 512 characters, not {_short(value)}")
    return value


def _optional_text(value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _ItemRejected(f"{where} must be a string")
    return value


def _whole(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1_000_000:
        raise _ItemRejected(f"{where} must be a whole number")
    return value


def _milliseconds(value: object) -> int | float | None:
    """A number of milliseconds as Meta sends it: a JSON number or, in some deliveries, a string of
    digits ("1700000000123"), which is just as unambiguous. Anything else (signs, decimals or
    spaces in a string, booleans) is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str) and 0 < len(value) <= 16 and value.isascii() and value.isdigit():
        return int(value)
    return None


def _ms(value: object) -> int:
    return int(_milliseconds(value) or 0)


def _timestamp(value: object, where: str, latest: datetime) -> datetime:
    ms = _milliseconds(value)
    if ms is None:
        raise _ItemRejected(f"{where} must be a number of milliseconds")
    try:
        at = EPOCH + timedelta(milliseconds=ms)
    except (OverflowError, ValueError):
        raise _ItemRejected(f"{where} is out of range") from None
    if not EARLIEST <= at <= latest:
        raise _ItemRejected(f"{where} is out of range ({ms} ms is not between 2011 and tomorrow)")
    return at


def _short(value: object) -> str:
    return json.dumps(value, ensure_ascii=True, default=repr)[:40]
