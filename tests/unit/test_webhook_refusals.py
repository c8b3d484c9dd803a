"""What a Meta webhook delivery has refused, where and why: the whole body when it is no messaging
delivery at all, otherwise only the entry or item that is not as Meta's webhook reference defines it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from core.webhook_events import EventKind, MalformedDelivery, load_body, parse_delivery

Loader = Callable[[str], Any]

PAGE = "104857600000001"


def _item(payload: dict[str, Any]) -> dict[str, Any]:
    return payload["entry"][0]["messaging"][0]


def refused(payload: object) -> list[str]:
    """Where and why each refused item of a delivery was refused."""
    return [f"{r.location}: {r.reason}" for r in parse_delivery(payload).rejections]


MALFORMED = {
    "malformed_no_entry.json": "entry is missing",
    "malformed_wrong_object.json": "object must be 'page' or 'instagram', not \"user\"",
    "malformed_entry_not_list.json": "entry must be a list",
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_fixture_is_rejected_with_its_reason(fixture_json: Loader, name: str) -> None:
    with pytest.raises(MalformedDelivery) as raised:
        parse_delivery(fixture_json(f"webhooks/{name}"))

    assert str(raised.value) == MALFORMED[name]


@pytest.mark.parametrize("payload", [[], [{"object": "page", "entry": []}], "page", None, 42])
def test_a_body_that_is_not_an_object_is_rejected(payload: object) -> None:
    with pytest.raises(MalformedDelivery, match="must be a JSON object"):
        parse_delivery(payload)


# Each breaks message.json's envelope: nothing in it can be read as Meta's.
BROKEN_ENVELOPE: list[tuple[Callable[[dict[str, Any]], object], str]] = [
    (lambda p: p.update(object=["page"]), r"""^object must be 'page' or 'instagram', not \["page"\]$"""),
    (lambda p: p.update(entry={"id": PAGE}), r"^entry must be a list$"),
    (lambda p: p.pop("entry"), r"^entry is missing$"),
]


@pytest.mark.parametrize("breakage, reason", BROKEN_ENVELOPE)
def test_a_broken_envelope_refuses_the_delivery_and_names_the_problem(
    fixture_json: Loader, breakage: Callable[[dict[str, Any]], object], reason: str
) -> None:
    payload = fixture_json("webhooks/message.json")
    breakage(payload)

    with pytest.raises(MalformedDelivery, match=reason):
        parse_delivery(payload)


# Each breaks message.json's one entry or item in one place: that part is refused, saying where and why.
BROKEN: list[tuple[Callable[[dict[str, Any]], object], str]] = [
    (lambda p: p["entry"].__setitem__(0, "not an object"), r"^entry\[0\]: entry\[0\] must be an object$"),
    (lambda p: p["entry"][0].update(id=104857600000001), r"^entry\[0\]: entry\[0\]\.id must be a Meta id"),
    (lambda p: p["entry"][0].update(id="../../me"), r"^entry\[0\]: entry\[0\]\.id must be a Meta id"),
    (lambda p: p["entry"][0].update(messaging={"sender": {}}), r"^entry\[0\]: entry\[0\]\.messaging must be a list$"),
    (lambda p: p["entry"][0].update(standby="none"), r"^entry\[0\]: entry\[0\]\.standby must be a list$"),
    (lambda p: p["entry"][0]["messaging"].append(None), r"^entry\[0\]\.messaging\[1\]: .* must be an object$"),
    (lambda p: _item(p).pop("sender"), r"\.sender\.id must be a Meta id \(a string of up to 24 digits\), not null$"),
    (lambda p: _item(p).update(sender={"user_ref": "9172634"}), r"\.sender\.id must be a Meta id"),
    (lambda p: _item(p)["recipient"].update(id=104857600000001), r"\.recipient\.id must be a Meta id"),
    (lambda p: _item(p)["sender"].update(id="24511230000123 "), r"\.sender\.id must be a Meta id"),
    (lambda p: _item(p)["sender"].update(id="0"), r"\.sender\.id must be a Meta id"),
    (lambda p: _item(p)["sender"].update(id=PAGE), r"the customer is the page's own account"),
    (lambda p: _item(p).pop("timestamp"), r"\.timestamp must be a number of milliseconds$"),
    (lambda p: _item(p).update(timestamp="1736942401512.0"), r"\.timestamp must be a number of milliseconds$"),
    (lambda p: _item(p).update(timestamp="-1736942401512"), r"\.timestamp must be a number of milliseconds$"),
    (lambda p: _item(p).update(timestamp=""), r"\.timestamp must be a number of milliseconds$"),
    (lambda p: _item(p).update(timestamp="1" * 17), r"\.timestamp must be a number of milliseconds$"),
    (lambda p: _item(p).update(timestamp=True), r"\.timestamp must be a number of milliseconds$"),
    (lambda p: _item(p).update(timestamp=1e400), r"\.timestamp is out of range$"),
    (lambda p: _item(p).update(timestamp=0), r"\.timestamp is out of range \(0 ms"),
    (lambda p: _item(p).update(timestamp=1736942401), r"\.timestamp is out of range"),  # seconds, not ms
    (lambda p: _item(p).update(message="hello"), r"messaging\[0\]\.message must be an object$"),
    (lambda p: _item(p)["message"].pop("mid"), r"\.message\.mid must be a message id"),
    (lambda p: _item(p)["message"].update(mid=""), r"\.message\.mid must be a message id"),
    (lambda p: _item(p)["message"].update(mid="m_" + "a" * 600), r"\.message\.mid must be a message id"),
    (lambda p: _item(p)["message"].update(text=42), r"\.message\.text must be a string$"),
    (lambda p: _item(p)["message"].update(text="x" * 20_001), r"holds a string of 20001 characters"),
    (lambda p: _item(p)["message"].update(text="a\x00b"), r"holds a NUL or a lone surrogate$"),
    (lambda p: _item(p)["message"].update(text="a\ud83d"), r"holds a NUL or a lone surrogate$"),
    (lambda p: _item(p).update(deep=_nested(20)), r"nests deeper than 16 levels$"),
]


def _nested(depth: int) -> object:
    value: object = "bottom"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("breakage, reason", BROKEN)
def test_a_broken_entry_or_item_is_refused_alone_and_named(
    fixture_json: Loader, breakage: Callable[[dict[str, Any]], object], reason: str
) -> None:
    payload = fixture_json("webhooks/message.json")
    payload["entry"].append(fixture_json("webhooks/read.json")["entry"][0])  # a good entry beside it
    breakage(payload)

    delivery = parse_delivery(payload)

    [why] = [f"{r.location}: {r.reason}" for r in delivery.rejections]
    assert re.search(reason, why), why
    assert [event.kind for event in delivery.events][-1] is EventKind.READ


def test_a_refused_item_keeps_an_ascii_excerpt_a_text_column_holds(fixture_json: Loader) -> None:
    payload = fixture_json("webhooks/message.json")
    _item(payload)["message"]["text"] = "caf\u00e9 \x00 " + "y" * 5000

    [rejection] = parse_delivery(payload).rejections

    assert rejection.excerpt.isascii() and "\\u0000" in rejection.excerpt and len(rejection.excerpt) == 2000
    assert (rejection.object, rejection.account_id) == ("page", PAGE)


def test_a_delivery_receipt_needs_a_time_from_somewhere(fixture_json: Loader) -> None:
    payload = fixture_json("webhooks/delivery.json")
    del payload["entry"][0]["time"]

    assert refused(payload) == [
        "entry[0].messaging[0]: entry[0].messaging[0].timestamp must be a number of milliseconds"
    ]


@pytest.mark.parametrize(
    "body, reason",
    [
        (b'{"object":"page","entry":' + b"[" * 65 + b"]" * 65 + b"}", "nests deeper than 64 levels"),
        (b'{"object":"page","entry":[' + b"{" * 100_000, "nests deeper than 64 levels"),
        (b"\xc3\x28", "is not JSON"),
        (b"", "is not JSON"),
    ],
)
def test_a_body_is_read_only_within_bounds(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedDelivery, match=reason):
        load_body(body)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = "[{" * 200 + '\\"'
    loaded = load_body(json.dumps({"object": "page", "entry": [], "note": text}).encode())
    assert isinstance(loaded, dict) and loaded["note"] == text


def test_numbers_no_column_holds_refuse_only_their_item(fixture_json: Loader) -> None:
    payload = fixture_json("webhooks/message.json")
    good = json.dumps(payload).encode()
    bad = good.replace(b'"timestamp": 1736942401512', b'"timestamp": 1736942401512, "x": Infinity')
    bad = bad.replace(b'"entry": [', b'"entry": [' + json.dumps(payload["entry"][0]).encode() + b", ", 1)

    delivery = parse_delivery(load_body(bad))

    assert len(delivery.events) == 1
    assert [r.location for r in delivery.rejections] == ["entry[1].messaging[0]"]
