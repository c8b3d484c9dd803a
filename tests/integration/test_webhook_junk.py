"""Hostile or odd but signed input to the Meta webhook endpoint: never a 5xx, never junk stored, the
rest of the delivery kept, and what was refused on record."""

from __future__ import annotations

import json

import pytest
from webhook_receiving import (
    IG_ACCOUNT,
    PAGE_ID,
    PSID,
    connect_bluebird,
    counts,
    deliver,
    fixture_bytes,
    owed_refreshes,
    rejections,
)

from conftest import APP_SECRET, expand_webhooks


@pytest.fixture
def page(connect_page):
    return connect_bluebird(connect_page)


def message_item(**changes) -> dict:
    item = json.loads(fixture_bytes("message"))["entry"][0]["messaging"][0]
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = item
        for key in parents:
            target = target[key]
        target[leaf] = value
    return item


def one_item(item: dict, obj: str = "page", account: str = PAGE_ID) -> bytes:
    return json.dumps({"object": obj, "entry": [{"id": account, "time": 1736942401977, "messaging": [item]}]}).encode()


# Each was stored before: (the item, what the rejection says).
JUNK = {
    "empty sender id": (message_item(sender__id=""), "sender.id must be a Meta id"),
    "sender id 'null'": (message_item(sender__id="null"), "sender.id must be a Meta id"),
    "sender id with markup": (message_item(sender__id="<script>alert(1)</script>"), "sender.id must be a Meta id"),
    "the page as its own customer": (message_item(sender__id=PAGE_ID), "the customer is the page's own account"),
    "an echo to the page itself": (
        message_item(sender__id=PAGE_ID, message__is_echo=True),
        "the customer is the page's own account",
    ),
    "dated 1970": (message_item(timestamp=1000), "timestamp is out of range"),
    "dated next year": (message_item(timestamp=1736942401512 + 400 * 86400 * 1000 * 3), "timestamp is out of range"),
    "a 1.5 MB text": (message_item(message__text="x" * 1_500_000), "a string of 1500000 characters"),
    "a message without a mid": (message_item(message={"text": "hello"}), "message.mid must be a message id"),
    "a 3 kB mid": (message_item(message__mid="m_" + "A" * 3000), "message.mid must be a message id"),
    "a 3 kB sender id": (message_item(sender__id="1" * 3000), "sender.id must be a Meta id"),
    "a decimal string timestamp": (
        message_item(timestamp="1736942401512.5"),
        "timestamp must be a number of milliseconds",
    ),
    "a signed string timestamp": (
        message_item(timestamp="+1736942401512"),
        "timestamp must be a number of milliseconds",
    ),
    "a spaced string timestamp": (
        message_item(timestamp=" 1736942401512"),
        "timestamp must be a number of milliseconds",
    ),
    "a non-ASCII digit timestamp": (
        message_item(timestamp="١٧٣٦٩٤٢٤٠١٥١٢"),
        "timestamp must be a number of milliseconds",
    ),
}


@pytest.mark.parametrize("case", sorted(JUNK))
def test_junk_is_recorded_never_stored(web, pool, page, case):
    item, reason = JUNK[case]
    response = deliver(web, pool, one_item(item))

    assert (response.status_code, response.text) == (200, "EVENT_RECEIVED")
    assert counts(pool) == {"events": 0, "messages": 0, "contacts": 0, "standby": 0, "echoes": 0}
    [rejected] = rejections(pool)
    assert reason in rejected["reason"] and rejected["location"] in ("entry[0].messaging[0]",)
    assert rejected["account_id"] == PAGE_ID and len(rejected["excerpt"]) <= 2000


def test_the_pages_instagram_account_is_never_a_contact(web, pool, page):
    """A Messenger item naming the page's own Instagram account as the customer is junk too."""
    deliver(web, pool, one_item(message_item(sender__id=IG_ACCOUNT)))
    assert counts(pool)["contacts"] == 0
    assert "the customer 17841400000000001 is the page's own account" in rejections(pool)[0]["reason"]


@pytest.mark.parametrize(
    "body, reason",
    [
        (b'{"object":"page","entry":[' + b"[" * 5000 + b"]" * 5000 + b"]}", "the body nests deeper than 64 levels"),
        (b"\xff\xfe not utf-8", "the body is not JSON"),
        (b'{"object":"page","entry":{}}', "entry must be a list"),
    ],
)
def test_a_body_that_can_never_be_stored_is_recorded_and_acknowledged(web, pool, page, body, reason):
    response = deliver(web, pool, body)
    assert response.status_code == 200 and counts(pool)["events"] == 0
    assert [r["reason"] for r in rejections(pool)] == [reason]


@pytest.mark.parametrize(
    "escape, reason",
    [
        ("\\u0000", "holds a NUL or a lone surrogate"),
        ("\\ud800", "holds a NUL or a lone surrogate"),
        ("\\udfff x", "holds a NUL or a lone surrogate"),
    ],
)
def test_characters_no_column_holds_refuse_only_their_item(web, pool, page, escape, reason):
    good = message_item(message__mid="m_good")
    bad = json.dumps(message_item(message__mid="m_bad")).replace('"text": "Hi!', f'"text": "Hi!{escape}')
    body = one_item(good)[:-4] + b"," + bad.encode() + b"]}]}"
    response = deliver(web, pool, body)

    assert response.status_code == 200
    assert counts(pool)["messages"] == 1
    assert [(r["location"], reason in r["reason"]) for r in rejections(pool)] == [("entry[0].messaging[1]", True)]


def test_numbers_no_column_holds_refuse_only_their_item(web, pool, page):
    body = (
        one_item(message_item())[:-4]
        + b',{"sender":{"id":"24511230000999"},"recipient":{"id":"'
        + PAGE_ID.encode()
        + b'"},"timestamp":NaN,"message":{"mid":"m_nan","text":"x"}}]}]}'
    )
    assert deliver(web, pool, body).status_code == 200
    assert counts(pool)["messages"] == 1
    assert "no JSON column can store (NaN)" in rejections(pool)[0]["reason"]


def test_a_thousand_item_delivery_with_one_bad_item_stores_the_other_999(web, pool, page):
    from sandbox import meta_webhooks

    items = [
        meta_webhooks.messenger_message(PAGE_ID, str(24511230100000 + n % 50), f"message {n}") for n in range(1000)
    ]
    items[500]["timestamp"] = "1736942401512.0"  # the one bad item
    response = meta_webhooks.post(
        f"{web}/webhooks/facebook", meta_webhooks.delivery("page", [(PAGE_ID, items)]), APP_SECRET
    )
    expand_webhooks(pool)

    assert response.status_code == 200
    stored = counts(pool)
    assert (stored["events"], stored["messages"], stored["contacts"]) == (999, 999, 50)
    [rejected] = rejections(pool)
    assert rejected["location"] == "entry[0].messaging[500]"
    assert rejected["reason"].endswith("timestamp must be a number of milliseconds")
    assert owed_refreshes(pool) == 50
    # Meta resends the identical body if unsure: nothing new, and the bad item is recorded again only.
    again = meta_webhooks.post(
        f"{web}/webhooks/facebook", meta_webhooks.delivery("page", [(PAGE_ID, items)]), APP_SECRET
    )
    expand_webhooks(pool)
    assert again.status_code == 200 and counts(pool)["events"] == 999 and len(rejections(pool)) == 2


def test_a_delivery_of_more_than_a_thousand_items_is_not_something_meta_sends():
    from sandbox import meta_webhooks

    with pytest.raises(ValueError, match="at most 1000"):
        meta_webhooks.delivery("page", [(PAGE_ID, [meta_webhooks.messenger_message(PAGE_ID, PSID, "x")] * 1001)])
