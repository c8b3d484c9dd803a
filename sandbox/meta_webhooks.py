"""Meta webhook deliveries for tests and the demo: Messenger and Instagram messaging events shaped
as Meta documents them, serialized and signed the way Meta signs them.

Builders return one `messaging` item each; `delivery()` wraps items in the envelope Meta POSTs,
and `post()` sends it with X-Hub-Signature-256 over the exact bytes sent:

    item = messenger_message(page_id, psid, "Is the 1kg bag back in stock?")
    post(url, delivery("page", [(page_id, [item])]), app_secret)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any, Literal

import requests

__all__ = [
    "MAX_BATCH",
    "delivery",
    "encode",
    "instagram_echo",
    "instagram_message",
    "instagram_unsend",
    "messenger_attachment",
    "messenger_delivery",
    "messenger_echo",
    "messenger_edit",
    "messenger_message",
    "messenger_postback",
    "messenger_reaction",
    "messenger_read",
    "messenger_referral",
    "post",
    "post_again",
    "post_bytes",
    "sign",
]

# Meta batches up to 1000 messaging items into one delivery.
MAX_BATCH = 1000

# Meta's reaction names; any other emoji is reported as "other".
_REACTIONS = {
    "❤": "love",
    "❤️": "love",
    "😆": "smile",
    "😮": "wow",
    "😢": "sad",
    "😠": "angry",
    "👍": "like",
    "👎": "dislike",
}
_ATTACHMENT_URLS = {
    "image": "https://scontent.xx.fbcdn.net/v/t1.15752-9/{n}_n.jpg?_nc_cat=1&ccb=1-7&_nc_sid=fc17b8&oh=03_{h}&oe={e:X}",
    "video": "https://video.xx.fbcdn.net/v/t42.3356-2/{n}_n.mp4?_nc_cat=1&ccb=1-7&_nc_sid=060d78&oh=03_{h}&oe={e:X}",
    "audio": "https://cdn.fbsbx.com/v/t59.3654-21/{n}_n.mp4/audioclip-{n}.mp4?_nc_cat=1&ccb=1-7&oh=03_{h}&oe={e:X}",
    "file": "https://cdn.fbsbx.com/v/t59.2708-21/{n}_n.pdf/invoice.pdf?_nc_cat=1&ccb=1-7&oh=03_{h}&oe={e:X}",
}
# Meta retries a delivery that is not answered within about 20 s; a test waiting longer is stuck.
_POST_TIMEOUT = 10


def sign(body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 value: HMAC-SHA256 of the exact body bytes, keyed with the app secret."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def encode(payload: dict[str, Any]) -> bytes:
    """The bytes Meta would send: compact JSON with non-ASCII escaped as lowercase \\uXXXX and "/"
    as "\\/". Meta signs this escaped form, so a receiver that re-serializes the parsed JSON (or
    hashes the decoded text) computes a different signature: the bug this reproduces."""
    # "/" only ever occurs inside JSON strings, so replacing it cannot break the structure.
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()


def post(url: str, payload: dict[str, Any], app_secret: str) -> requests.Response:
    return post_bytes(url, encode(payload), app_secret)


def post_again(url: str, payload: dict[str, Any], app_secret: str, times: int = 2) -> list[requests.Response]:
    """At-least-once delivery: Meta resends the very same bytes when it is unsure the first landed
    (a timeout, a lost 200), so one event can arrive several times."""
    body = encode(payload)
    return [post_bytes(url, body, app_secret) for _ in range(times)]


def post_bytes(url: str, body: bytes, app_secret: str) -> requests.Response:
    """Any bytes, signed as Meta signs: for bodies no builder makes (the fuzz, malformed JSON)."""
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": sign(body, app_secret),
        # Meta still sends the legacy SHA-1 signature alongside; receivers must check the SHA-256 one.
        "X-Hub-Signature": "sha1=" + hmac.new(app_secret.encode(), body, hashlib.sha1).hexdigest(),
        "User-Agent": "facebookexternalua",
    }
    return requests.post(url, data=body, headers=headers, timeout=_POST_TIMEOUT)


def delivery(
    object_: Literal["page", "instagram"], entries: list[tuple[str, list[dict[str, Any]]]], standby: bool = False
) -> dict[str, Any]:
    """The POSTed envelope: one entry per (page id or IG account id, messaging items). With
    standby=True the items sit under "standby", as Meta sends them to an app that does not hold
    the thread under the handover protocol."""
    if object_ not in ("page", "instagram"):
        raise ValueError(f'object_ must be "page" or "instagram", got {object_!r}')
    if sum(len(items) for _, items in entries) > MAX_BATCH:
        raise ValueError(f"Meta puts at most {MAX_BATCH} items in one delivery")
    key = "standby" if standby else "messaging"
    now = _now_ms()
    return {"object": object_, "entry": [{"id": entry_id, "time": now, key: items} for entry_id, items in entries]}


# --- Messenger (object "page") -------------------------------------------------------------------


def messenger_message(
    page_id: str, sender_id: str, text: str, mid: str | None = None, timestamp_ms: int | None = None
) -> dict[str, Any]:
    return _item(sender_id, page_id, timestamp_ms, message={"mid": mid or _messenger_mid(), "text": text})


def messenger_attachment(
    page_id: str,
    sender_id: str,
    mid: str | None = None,
    timestamp_ms: int | None = None,
    type: str = "image",  # noqa: A002 - Meta's own field name
) -> dict[str, Any]:
    if type not in _ATTACHMENT_URLS:
        raise ValueError(f"attachment type must be one of {', '.join(_ATTACHMENT_URLS)}, got {type!r}")
    mid = mid or _messenger_mid()
    digest = hashlib.sha256(mid.encode()).digest()
    # Attachment URLs are signed CDN links that expire after a few days, like Meta's.
    url = _ATTACHMENT_URLS[type].format(
        n=int.from_bytes(digest[:8], "big"),
        h=base64.urlsafe_b64encode(digest[8:20]).decode(),
        e=int(time.time()) + 4 * 86400,
    )
    attachment = {"type": type, "payload": {"url": url}}
    return _item(sender_id, page_id, timestamp_ms, message={"mid": mid, "attachments": [attachment]})


def messenger_echo(
    page_id: str,
    recipient_id: str,
    text: str,
    mid: str | None = None,
    app_id: int | None = 1234567890,
    timestamp_ms: int | None = None,
) -> dict[str, Any]:
    """A message the page sent, echoed back: sender is the page. app_id=None leaves app_id out."""
    message: dict[str, Any] = {"mid": mid or _messenger_mid(), "is_echo": True}
    if app_id is not None:
        message["app_id"] = app_id
    message["text"] = text
    return _item(page_id, recipient_id, timestamp_ms, message=message)


def messenger_edit(
    page_id: str, sender_id: str, mid: str, text: str, num_edit: int = 1, timestamp_ms: int | None = None
) -> dict[str, Any]:
    """The customer edited message `mid` (field message_edits, Messenger only): its new text, and how
    many times it has been edited (Messenger allows five)."""
    if not 1 <= num_edit <= 5:
        raise ValueError(f"num_edit must be between 1 and 5, got {num_edit}")
    return _item(sender_id, page_id, timestamp_ms, message_edit={"mid": mid, "text": text, "num_edit": num_edit})


def messenger_referral(
    page_id: str, sender_id: str, ref: str, source: str = "SHORTLINK", timestamp_ms: int | None = None
) -> dict[str, Any]:
    """An existing conversation reopened through an m.me link or an ad (field messaging_referrals)."""
    return _item(sender_id, page_id, timestamp_ms, referral={"ref": ref, "source": source, "type": "OPEN_THREAD"})


def messenger_postback(
    page_id: str, sender_id: str, title: str, payload: str, mid: str | None = None, timestamp_ms: int | None = None
) -> dict[str, Any]:
    postback = {"mid": mid or _messenger_mid(), "title": title, "payload": payload}
    return _item(sender_id, page_id, timestamp_ms, postback=postback)


def messenger_reaction(
    page_id: str,
    sender_id: str,
    reacted_mid: str,
    emoji: str = "❤",
    action: str = "react",
    timestamp_ms: int | None = None,
) -> dict[str, Any]:
    """`reacted_mid` is the message reacted to. An unreact carries only mid and action."""
    if action not in ("react", "unreact"):
        raise ValueError(f'action must be "react" or "unreact", got {action!r}')
    reaction: dict[str, Any] = {"mid": reacted_mid, "action": action}
    if action == "react":
        reaction.update(reaction=_REACTIONS.get(emoji, "other"), emoji=emoji)
    return _item(sender_id, page_id, timestamp_ms, reaction=reaction)


def messenger_read(page_id: str, sender_id: str, watermark_ms: int | None = None) -> dict[str, Any]:
    """The customer has read every message the page sent up to `watermark_ms`."""
    watermark = _now_ms() if watermark_ms is None else watermark_ms
    return _item(sender_id, page_id, None, read={"watermark": watermark})


def messenger_delivery(
    page_id: str, sender_id: str, mids: list[str], watermark_ms: int | None = None
) -> dict[str, Any]:
    watermark = _now_ms() if watermark_ms is None else watermark_ms
    return _item(sender_id, page_id, None, delivery={"mids": list(mids), "watermark": watermark})


# --- Instagram (object "instagram") --------------------------------------------------------------


def instagram_message(
    ig_account_id: str, sender_id: str, text: str, mid: str | None = None, timestamp_ms: int | None = None
) -> dict[str, Any]:
    message = {"mid": mid or _instagram_mid(ig_account_id), "text": text}
    return _item(sender_id, ig_account_id, timestamp_ms, message=message)


def instagram_echo(
    ig_account_id: str, recipient_id: str, text: str, mid: str | None = None, timestamp_ms: int | None = None
) -> dict[str, Any]:
    message = {"mid": mid or _instagram_mid(ig_account_id), "is_echo": True, "text": text}
    return _item(ig_account_id, recipient_id, timestamp_ms, message=message)


def instagram_unsend(ig_account_id: str, sender_id: str, mid: str, timestamp_ms: int | None = None) -> dict[str, Any]:
    """The customer unsent message `mid`: Instagram sends the mid again, marked is_deleted."""
    return _item(sender_id, ig_account_id, timestamp_ms, message={"mid": mid, "is_deleted": True})


# --- Helpers ------------------------------------------------------------------------------------


def _item(sender_id: str, recipient_id: str, timestamp_ms: int | None, **event: Any) -> dict[str, Any]:
    timestamp = _now_ms() if timestamp_ms is None else timestamp_ms
    return {"sender": {"id": sender_id}, "recipient": {"id": recipient_id}, "timestamp": timestamp, **event}


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _messenger_mid() -> str:
    # Random rather than counted: mids must also differ between test processes sharing a database.
    return "m_" + secrets.token_urlsafe(66)


def _instagram_mid(ig_account_id: str) -> str:
    # Meta's Instagram mids are base64 of "ig_message_item:...", hence their "aWdf" prefix.
    raw = f"ig_message_item:1:IGMessageThread:{ig_account_id}:{secrets.randbits(63)}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
