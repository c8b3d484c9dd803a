"""Meta webhook builders and signed delivery, checked against Meta's documented shapes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from sandbox import meta_webhooks as mw

SECRET = "app-secret-not-secret"
PAGE_ID = "104857600000001"
IG_ID = "17841400000000001"
PSID = "8840990005237741"
IGSID = "6000000000000001"


def recent(timestamp_ms: int) -> bool:
    return abs(timestamp_ms - time.time() * 1000) < 5000


class _Capture(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]]

    def do_POST(self) -> None:  # noqa: N802 - name fixed by the base class
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "15")
        self.end_headers()
        self.wfile.write(b"EVENT_RECEIVED\n")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature fixed by the base class
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []
    handler = type("Handler", (_Capture,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/webhooks/meta", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --- Signing and sending ------------------------------------------------------------------------


def test_sign_is_hmac_sha256_of_the_exact_bytes() -> None:
    body = b'{"object":"page","entry":[]}'
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert mw.sign(body, SECRET) == f"sha256={expected}"
    assert mw.sign(body + b" ", SECRET) != mw.sign(body, SECRET)
    assert mw.sign(body, SECRET + "x") != mw.sign(body, SECRET)


def test_encode_escapes_like_meta() -> None:
    payload = mw.delivery("page", [(PAGE_ID, [mw.messenger_message(PAGE_ID, PSID, "äöå ❤ https://x.io/a", mid="m_1")])])
    body = mw.encode(payload)
    assert b"\\u00e4\\u00f6\\u00e5 \\u2764 https:\\/\\/x.io\\/a" in body and b": " not in body
    assert body.isascii() and json.loads(body) == payload
    # A receiver that re-serializes the parsed payload gets other bytes, hence another signature.
    reserialized = json.dumps(json.loads(body), ensure_ascii=False).encode()
    assert mw.sign(reserialized, SECRET) != mw.sign(body, SECRET)


def test_post_sends_the_exact_signed_bytes(receiver: tuple[str, list[tuple[dict[str, str], bytes]]]) -> None:
    url, received = receiver
    payload = mw.delivery("instagram", [(IG_ID, [mw.instagram_message(IG_ID, IGSID, "Hola, ¿precio? 😊")])])

    response = mw.post(url, payload, SECRET)

    assert response.status_code == 200 and response.text == "EVENT_RECEIVED\n"
    [(headers, body)] = received
    assert body == mw.encode(payload)
    assert headers["Content-Type"] == "application/json"
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Hub-Signature-256"], f"sha256={digest}")
    assert headers["X-Hub-Signature"] == "sha1=" + hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
    assert json.loads(body) == payload


# --- Envelope ----------------------------------------------------------------------------------


def test_delivery_envelope() -> None:
    first = mw.messenger_message(PAGE_ID, PSID, "hi")
    second = mw.messenger_read(PAGE_ID, PSID)
    other_page = mw.messenger_message("104857600000002", "1234567890123456", "yo")
    payload = mw.delivery("page", [(PAGE_ID, [first, second]), ("104857600000002", [other_page])])

    assert list(payload) == ["object", "entry"] and payload["object"] == "page"
    assert [set(entry) for entry in payload["entry"]] == [{"id", "time", "messaging"}] * 2
    assert [entry["id"] for entry in payload["entry"]] == [PAGE_ID, "104857600000002"]
    assert payload["entry"][0]["messaging"] == [first, second] and recent(payload["entry"][0]["time"])

    standby = mw.delivery("instagram", [(IG_ID, [mw.instagram_message(IG_ID, IGSID, "hi")])], standby=True)
    assert standby["object"] == "instagram"
    assert set(standby["entry"][0]) == {"id", "time", "standby"}
    with pytest.raises(ValueError):
        mw.delivery("whatsapp_business_account", [])  # type: ignore[arg-type]


# --- Messenger items ----------------------------------------------------------------------------


def test_messenger_message() -> None:
    item = mw.messenger_message(PAGE_ID, PSID, "How much is the V60 kit?", mid="m_abc", timestamp_ms=1732600000123)
    assert item == {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE_ID},
        "timestamp": 1732600000123,
        "message": {"mid": "m_abc", "text": "How much is the V60 kit?"},
    }
    generated = [mw.messenger_message(PAGE_ID, PSID, "x") for _ in range(50)]
    mids = {g["message"]["mid"] for g in generated}
    assert len(mids) == 50 and all(mid.startswith("m_") for mid in mids)
    assert all(recent(g["timestamp"]) for g in generated)


def test_messenger_attachment() -> None:
    item = mw.messenger_attachment(PAGE_ID, PSID, mid="m_pic", timestamp_ms=5)
    assert (item["sender"], item["recipient"], item["timestamp"]) == ({"id": PSID}, {"id": PAGE_ID}, 5)
    assert list(item["message"]) == ["mid", "attachments"] and item["message"]["mid"] == "m_pic"
    [attachment] = item["message"]["attachments"]
    assert attachment["type"] == "image" and list(attachment["payload"]) == ["url"]
    assert attachment["payload"]["url"].startswith("https://scontent.xx.fbcdn.net/")
    video = mw.messenger_attachment(PAGE_ID, PSID, type="video")["message"]["attachments"][0]
    assert video["type"] == "video" and video["payload"]["url"].startswith("https://video.xx.fbcdn.net/")
    with pytest.raises(ValueError):
        mw.messenger_attachment(PAGE_ID, PSID, type="hologram")


def test_messenger_echo() -> None:
    item = mw.messenger_echo(PAGE_ID, PSID, "Thanks, shipping today!", mid="m_echo", timestamp_ms=7)
    assert item == {
        "sender": {"id": PAGE_ID},
        "recipient": {"id": PSID},
        "timestamp": 7,
        "message": {"mid": "m_echo", "is_echo": True, "app_id": 1234567890, "text": "Thanks, shipping today!"},
    }
    assert "app_id" not in mw.messenger_echo(PAGE_ID, PSID, "typed in the inbox", app_id=None)["message"]


def test_messenger_postback() -> None:
    item = mw.messenger_postback(PAGE_ID, PSID, "Get Started", "GET_STARTED", mid="m_pb", timestamp_ms=8)
    assert item == {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE_ID},
        "timestamp": 8,
        "postback": {"mid": "m_pb", "title": "Get Started", "payload": "GET_STARTED"},
    }


def test_messenger_reaction() -> None:
    item = mw.messenger_reaction(PAGE_ID, PSID, "m_reacted", timestamp_ms=9)
    assert item == {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE_ID},
        "timestamp": 9,
        "reaction": {"mid": "m_reacted", "action": "react", "reaction": "love", "emoji": "❤"},
    }
    assert mw.messenger_reaction(PAGE_ID, PSID, "m_r", emoji="👍")["reaction"]["reaction"] == "like"
    assert mw.messenger_reaction(PAGE_ID, PSID, "m_r", emoji="🦄")["reaction"]["reaction"] == "other"
    unreact = mw.messenger_reaction(PAGE_ID, PSID, "m_r", action="unreact")["reaction"]
    assert unreact == {"mid": "m_r", "action": "unreact"}
    with pytest.raises(ValueError):
        mw.messenger_reaction(PAGE_ID, PSID, "m_r", action="like")


def test_messenger_read_and_delivery() -> None:
    read = mw.messenger_read(PAGE_ID, PSID, watermark_ms=1732600000000)
    assert read["read"] == {"watermark": 1732600000000}
    assert (read["sender"], read["recipient"]) == ({"id": PSID}, {"id": PAGE_ID}) and recent(read["timestamp"])
    assert recent(mw.messenger_read(PAGE_ID, PSID)["read"]["watermark"])

    delivered = mw.messenger_delivery(PAGE_ID, PSID, ["m_1", "m_2"], watermark_ms=11)
    assert set(delivered) == {"sender", "recipient", "timestamp", "delivery"}
    assert delivered["delivery"] == {"mids": ["m_1", "m_2"], "watermark": 11}


def test_messenger_edit_and_referral() -> None:
    edit = mw.messenger_edit(PAGE_ID, PSID, "m_abc", "40 bottles, not 4", num_edit=2, timestamp_ms=13)
    assert edit == {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE_ID},
        "timestamp": 13,
        "message_edit": {"mid": "m_abc", "text": "40 bottles, not 4", "num_edit": 2},
    }
    with pytest.raises(ValueError):
        mw.messenger_edit(PAGE_ID, PSID, "m_abc", "sixth edit", num_edit=6)  # Messenger allows five
    referral = mw.messenger_referral(PAGE_ID, PSID, "spring_promo")
    assert referral["referral"] == {"ref": "spring_promo", "source": "SHORTLINK", "type": "OPEN_THREAD"}


def test_a_delivery_holds_at_most_a_thousand_items() -> None:
    items = [mw.messenger_message(PAGE_ID, PSID, f"m{n}") for n in range(mw.MAX_BATCH)]
    assert len(mw.delivery("page", [(PAGE_ID, items[:600]), ("104857600000002", items[600:])])["entry"]) == 2
    with pytest.raises(ValueError, match="at most 1000"):
        mw.delivery("page", [(PAGE_ID, items), ("104857600000002", items[:1])])


def test_post_again_resends_the_very_same_bytes(receiver: tuple[str, list[tuple[dict[str, str], bytes]]]) -> None:
    url, received = receiver
    payload = mw.delivery("page", [(PAGE_ID, [mw.messenger_read(PAGE_ID, PSID)])])

    answers = mw.post_again(url, payload, SECRET, times=3)

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({body for _, body in received}) == 1 and len(received) == 3
    assert len({headers["X-Hub-Signature-256"] for headers, _ in received}) == 1


# --- Instagram items ----------------------------------------------------------------------------


def test_instagram_message_and_echo() -> None:
    item = mw.instagram_message(IG_ID, IGSID, "price?", timestamp_ms=12)
    assert (item["sender"], item["recipient"], item["timestamp"]) == ({"id": IGSID}, {"id": IG_ID}, 12)
    assert list(item["message"]) == ["mid", "text"] and item["message"]["text"] == "price?"
    mid = item["message"]["mid"]
    assert mid.startswith("aWdf")
    assert base64.urlsafe_b64decode(mid + "=" * (-len(mid) % 4)).startswith(b"ig_message_item:")

    echo = mw.instagram_echo(IG_ID, IGSID, "It's $16.50", mid="aWdf_given")
    assert (echo["sender"], echo["recipient"]) == ({"id": IG_ID}, {"id": IGSID}) and recent(echo["timestamp"])
    assert echo["message"] == {"mid": "aWdf_given", "is_echo": True, "text": "It's $16.50"}
    assert len({mw.instagram_message(IG_ID, IGSID, "x")["message"]["mid"] for _ in range(50)}) == 50


def test_instagram_unsend() -> None:
    item = mw.instagram_unsend(IG_ID, IGSID, "aWdf_gone", timestamp_ms=14)
    assert item == {
        "sender": {"id": IGSID},
        "recipient": {"id": IG_ID},
        "timestamp": 14,
        "message": {"mid": "aWdf_gone", "is_deleted": True},
    }
