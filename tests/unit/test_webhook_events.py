"""Meta webhook deliveries -> InboundEvents, on bodies shaped as Meta's webhook reference documents them."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from core.webhook_events import CONTENT_KINDS, EventKind, InboundEvent, parse_delivery

Loader = Callable[[str], Any]

PAGE, PAGE2, IG = "104857600000001", "104857600000002", "17841400000000001"
PSID, PSID2, PSID3, PSID4 = "24511230000123", "24511230000456", "24511230000789", "24511230000321"
IGSID = "6543210987654321"

QUOTE_MID = "m_V1bER5xK5uUeADV-zyLoeWnl8U_tVU3C49Z_zHpBGFgJkV3kjHjh00MKcag4KI8Wu19TOHdU_WX8w9K5idmA"
PHOTO_MID = "m_Rf8HkoO5YSJ5RlcuEBZhXcXSca1xBSVfzKvK7BZs2cWt4vqY9jjh70j2xrJj0lBB80dJteiu9VUlyy2agV3z"
REPLY_MID = "m_xApzRZfjBkR33rEh-i50ixY4Gr_smg-A0FthFW8DewNLVS76Ag0-OeAelHAfcuhN9_911rZ9KLKNbJS9kO5w"
START_MID = "m_4_R61Go_jbtsUxjGaitsLTBpuoHMon1xTvXpxvOHRujLf9agK5u5qAU5RyUEuJCw3KsxYNztTZM2aAfsvzgK"
STANDBY_MID = "m_0wKHDwYQ_8qnFSwp4_v3Qut7MlmXOn7WOswPlZhTlxe2ZiEVz21OMOlqYWnhbIW1I2UTxXw2dKVWW_tvjmlY"
IG_MID = (
    "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjMTc4NDE0MDAwMDAwMDAwMDE6NzgyNjUwNzkzOTA5NTUwOTk4MTkzODEwNDk2OTA2"
    "NDk1MjQ2NjE6OTM5MjMwMjgyMjc4Nzc5NDI2NzE3MjIzNDEzMjA5OTU4"
)
IG_REPLY_MID = (
    "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjMTc4NDE0MDAwMDAwMDAwMDE6MzI3NDc1MzI5ODY3MDE1MTg2ODg3NzIwOTUwNzAx"
    "NjE1OTYxOjQ1OTY4NzYxNTA3MDYwMjk4MjQ4NTE5OTc4NjEwMTc3Mw"
)
BATCH_MIDS = [
    "m_6BIoWXETTwbBDd4SES1hvX1Cz7kzBaqlA-NvzOAvROk9FwKjMtfjv34gtaPF6J42ceMQs64u-JhJzskOmM8Q",
    "m_a1e_sgs23A3uSDCOGoL8ARLX3oYE858FHZjLG_IPgYqRa9d9nrW7xyDCSi6PBl7hhOP9LR0JJt31HNTS6iLI",
    "m_s2ccd-i_PEaEh4IXYHB2Cwvvpipf2Tfg-NxExSzetYfAJDO-niLVmMaMPIszaURN9xhBGV2Hbg2n5rFgNRJ-",
    "m_780B63oCQ9ooyJJzOFwQMR2tvuqZo6vq4a2XP_ANo0zEIF5hqPIS1quh5ho6IP-319WKymdfHze19XUTGlse",
    "m_3Jb9ADLLZoU3qNY4n1DaJ1n8_tfvjKb7KBLGw2ysJ85yqfiGgWFvPEU169JPeKwcEyCNEi2XCVl-0TSK7SCI",
    "m_C4Hm2wwZqMFbjIS8RL24mUC6RFtWbSH0R_psuULxcj2TCIOOrU_OUin9_GjSisRUJ-9xqZ4sK3p919Y8LQHp",
    "m_1pH4gi4OnXtxHDpgFU8HPGUTJt6SAQS3URICvHWYV1e8b6GcajoB8mIxUV9ceMtThB-Zl5p5AeFAiOENEGl2",
]

QUOTE = (
    "Hi! Could you send me a quote for 40 units of the 750 ml stainless steel bottles with our logo "
    "printed on them? We'd need them delivered by the end of February."
)
REPLY = (
    "Thanks for reaching out! 40 bottles with a one-colour logo come to $12.50 each ($500 total), "
    "delivered in 10 working days. Shall I send the artwork form?"
)
STILL_WAITING = "Hello? Still waiting on the price for the 40 bottles, is anyone there?"
IG_ASK = "Hey! Saw your reel with the branded bottles. Do you ship to Canada? We need about 40 for our gym members."
IG_REPLY = "We do! Shipping to Canada is $45 for 40 bottles. Want a mock-up with your gym's logo?"


@dataclass(frozen=True)
class Seen:
    """What a fixture pins down about one event; the raw item and timestamp have their own tests."""

    account_id: str
    kind: EventKind
    contact_id: str
    mid: str | None = None
    text: str | None = None
    standby: bool = False

    @classmethod
    def of(cls, event: InboundEvent) -> Seen:
        return cls(event.account_id, event.kind, event.contact_id, event.mid, event.text, event.standby)


def parse(payload: object) -> list[InboundEvent]:
    """The events of a delivery expected to hold nothing refused."""
    delivery = parse_delivery(payload)
    assert delivery.rejections == []
    return delivery.events


K = EventKind
EXPECTED: dict[str, tuple[str, list[Seen]]] = {
    "message.json": ("messenger", [Seen(PAGE, K.MESSAGE, PSID, QUOTE_MID, QUOTE)]),
    "attachment_only.json": ("messenger", [Seen(PAGE, K.MESSAGE, PSID, PHOTO_MID, None)]),
    "echo.json": ("messenger", [Seen(PAGE, K.ECHO, PSID, REPLY_MID, REPLY)]),
    "postback.json": ("messenger", [Seen(PAGE, K.POSTBACK, PSID, START_MID, "Get Started")]),
    "reaction.json": ("messenger", [Seen(PAGE, K.REACTION, PSID)]),
    "read.json": ("messenger", [Seen(PAGE, K.READ, PSID)]),
    "delivery.json": ("messenger", [Seen(PAGE, K.DELIVERY, PSID)]),
    "standby.json": ("messenger", [Seen(PAGE, K.MESSAGE, PSID, STANDBY_MID, STILL_WAITING, standby=True)]),
    "instagram_message.json": ("instagram", [Seen(IG, K.MESSAGE, IGSID, IG_MID, IG_ASK)]),
    "instagram_echo.json": ("instagram", [Seen(IG, K.ECHO, IGSID, IG_REPLY_MID, IG_REPLY)]),
    "unknown_item.json": ("messenger", [Seen(PAGE, K.REFERRAL, PSID3)]),
    "message_edit.json": ("messenger", [Seen(PAGE, K.EDIT, PSID, QUOTE_MID, QUOTE.replace("40 units", "400 units"))]),
    "instagram_unsend.json": ("instagram", [Seen(IG, K.UNSEND, IGSID, IG_MID)]),
    "instagram_read.json": ("instagram", [Seen(IG, K.READ, IGSID)]),
    "batch.json": (
        "messenger",
        [
            Seen(
                PAGE,
                K.MESSAGE,
                PSID,
                BATCH_MIDS[0],
                "Great, and if we went up to 100 units, would the price per bottle drop?",
            ),
            Seen(
                PAGE2,
                K.MESSAGE,
                PSID2,
                BATCH_MIDS[1],
                "Hi, do you do custom printed tote bags? Looking for 250 for a conference in April.",
            ),
            Seen(
                PAGE,
                K.ECHO,
                PSID,
                BATCH_MIDS[2],
                "Yes: at 100 units it's $10.80 each. I can hold that price until Friday.",
            ),
            Seen(PAGE, K.DELIVERY, PSID),
            Seen(PAGE, K.REACTION, PSID),
            Seen(PAGE2, K.POSTBACK, PSID3, BATCH_MIDS[3], "Get Started"),
            Seen(PAGE2, K.MESSAGE, PSID2, BATCH_MIDS[4], None),
            Seen(
                PAGE,
                K.MESSAGE,
                PSID4,
                BATCH_MIDS[5],
                "Do you have these bottles in matte black? Need 60 for a corporate gift order.",
                standby=True,
            ),
            Seen(PAGE2, K.READ, PSID2),
            Seen(
                PAGE,
                K.ECHO,
                PSID4,
                BATCH_MIDS[6],
                "Matte black is in stock. 60 units with laser engraving: $13.20 each.",
            ),
        ],
    ),
}


@pytest.mark.parametrize("name", EXPECTED)
def test_fixture_parses_to_expected_events(fixture_json: Loader, name: str) -> None:
    payload = fixture_json(f"webhooks/{name}")
    platform, expected = EXPECTED[name]

    events = parse(payload)

    assert [Seen.of(event) for event in events] == expected
    assert {(event.object, event.platform) for event in events} == {(payload["object"], platform)}


@pytest.mark.parametrize("name", EXPECTED)
def test_events_keep_their_raw_item_and_its_ms_time_in_utc(fixture_json: Loader, name: str) -> None:
    payload = fixture_json(f"webhooks/{name}")
    raw = [
        (entry, item) for entry in payload["entry"] for item in entry.get("messaging", []) + entry.get("standby", [])
    ]

    events = parse(payload)

    assert [event.item for event in events] == [item for _, item in raw]
    for event, (entry, item) in zip(events, raw, strict=True):
        # Meta documents delivery receipts without a timestamp; the entry's send time stands in.
        ms = item.get("timestamp", entry["time"])
        assert event.timestamp == datetime.fromtimestamp(ms / 1000, UTC)
        assert event.timestamp.utcoffset() is not None


def test_message_timestamp_is_exact_to_the_millisecond(fixture_json: Loader) -> None:
    [event] = parse(fixture_json("webhooks/message.json"))

    assert event.timestamp == datetime(2025, 1, 15, 12, 0, 1, 512000, tzinfo=UTC)


@pytest.mark.parametrize(
    "name, worth",
    [
        ("message.json", True),
        ("attachment_only.json", True),
        ("echo.json", True),
        ("postback.json", True),
        ("standby.json", True),
        ("instagram_message.json", True),
        ("instagram_echo.json", True),
        ("reaction.json", False),
        ("read.json", False),
        ("delivery.json", False),
        ("unknown_item.json", False),
    ],
)
def test_only_conversation_content_owes_a_refresh(fixture_json: Loader, name: str, worth: bool) -> None:
    """An attachment without text is content too; a reaction, read or receipt changes no transcript."""
    [event] = parse(fixture_json(f"webhooks/{name}"))

    assert (event.kind in CONTENT_KINDS) is worth


def test_batch_keeps_every_item_in_delivery_order(fixture_json: Loader) -> None:
    payload = fixture_json("webhooks/batch.json")

    events = parse(payload)

    # 11 entries, one of them a Page feed `changes` entry that carries no messaging items.
    assert len(payload["entry"]) == 11
    assert len(events) == 10
    assert [event.mid for event in events if event.mid] == BATCH_MIDS
    assert [event.account_id for event in events] == [PAGE, PAGE2, PAGE, PAGE, PAGE, PAGE2, PAGE2, PAGE, PAGE2, PAGE]


def test_entry_without_messaging_is_not_an_error() -> None:
    feed = {"object": "page", "entry": [{"id": PAGE, "time": 1736953262, "changes": [{"field": "feed", "value": {}}]}]}

    assert parse(feed) == []


def _item(payload: dict[str, Any]) -> dict[str, Any]:
    return payload["entry"][0]["messaging"][0]


def test_items_have_natural_keys_that_a_redelivery_repeats(fixture_json: Loader) -> None:
    first, again = (parse(fixture_json("webhooks/batch.json")) for _ in range(2))
    keys = [event.dedupe_key for event in first]

    assert keys == [event.dedupe_key for event in again]
    assert len(set(keys)) == len(keys) and all(len(key) < 700 for key in keys)


def test_reacting_again_after_unreacting_is_a_new_event(fixture_json: Loader) -> None:
    payload = fixture_json("webhooks/reaction.json")
    item = _item(payload)
    unreact = {**item, "timestamp": item["timestamp"] + 1000, "reaction": {"mid": REPLY_MID, "action": "unreact"}}
    react = {**item, "timestamp": item["timestamp"] + 2000}
    payload["entry"][0]["messaging"] += [unreact, react]

    assert len({event.dedupe_key for event in parse(payload)}) == 3


def test_an_edit_is_keyed_by_its_number_and_an_unsend_by_its_mid(fixture_json: Loader) -> None:
    [edit] = parse(fixture_json("webhooks/message_edit.json"))
    [unsend] = parse(fixture_json("webhooks/instagram_unsend.json"))

    assert (edit.edit_number, edit.dedupe_key) == (1, f"{PAGE}:edit:{QUOTE_MID}:1")
    assert unsend.dedupe_key == f"{IG}:unsend:{IG_MID}"
    assert edit.kind in CONTENT_KINDS and unsend.kind in CONTENT_KINDS


def test_a_reaction_names_its_message_in_its_key_only(fixture_json: Loader) -> None:
    """A reaction stores no message: the message reacted to is no mid of its own, only part of its key."""
    payload = fixture_json("webhooks/reaction.json")

    [reaction] = parse(payload)

    assert reaction.mid is None
    assert reaction.dedupe_key == f"{PAGE}:reaction:{PSID}:{REPLY_MID}:react:{_item(payload)['timestamp']}"


def test_a_thousand_item_delivery_parses_quickly(fixture_json: Loader) -> None:
    template = fixture_json("webhooks/message.json")
    payload = copy.deepcopy(template)
    entry = payload["entry"][0]
    entry["messaging"] = []
    for n in range(1000):
        item = copy.deepcopy(_item(template))
        item["message"]["mid"] = f"m_{n:06d}"
        item["timestamp"] += n
        entry["messaging"].append(item)

    started = time.perf_counter()
    events = parse(payload)
    elapsed = time.perf_counter() - started

    assert [event.mid for event in events] == [f"m_{n:06d}" for n in range(1000)]
    # Linear work takes a few milliseconds; the bound only catches accidental quadratic work.
    assert elapsed < 0.5


def test_an_unhandled_item_without_a_customer_is_skipped_not_refused():
    delivery = {
        "object": "page",
        "entry": [
            {
                "id": "104857600000001",
                "time": 1732530000000,
                "messaging": [
                    {
                        "recipient": {"id": "104857600000001"},
                        "timestamp": 1732530000000,
                        "optin": {"type": "one_time_notif_req", "user_ref": "checkbox-ref-1"},
                    },
                    {
                        "sender": {"id": "24511230000123"},
                        "recipient": {"id": "104857600000001"},
                        "timestamp": 1732530000001,
                        "message": {"mid": "m_ok", "text": "hi"},
                    },
                ],
            }
        ],
    }
    [event] = parse(delivery)
    assert (event.kind, event.mid) == (EventKind.MESSAGE, "m_ok")
