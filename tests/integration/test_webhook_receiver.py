"""The Meta webhook endpoint: each real-shaped fixture sent signed through the Flask app."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import requests

from conftest import APP_SECRET, FIXTURES, TEAM_ID, VERIFY_TOKEN, expand_webhooks, serve_app
from sandbox.graph_sim import SimPage
from sandbox.meta_webhooks import sign

PAGE_ID, IG_ACCOUNT = "104857600000001", "17841400000000001"
PSID, IGSID = "24511230000123", "6543210987654321"


@pytest.fixture
def page(connect_page):
    """The page the fixtures' deliveries are for (no Graph calls happen in these tests)."""
    return connect_page(
        SimPage(
            page_id=PAGE_ID,
            name="Bluebird Coffee Roasters",
            token="bluebird-token",
            messenger_count=0,
            instagram_account_id=IG_ACCOUNT,
            instagram_username="bluebirdcoffee",
        ),
        team=TEAM_ID,
    )


def deliver(web: str, pool, body: bytes, *, signature: str | None = None) -> requests.Response:
    """Meta's POST, then what `rq cron` does within 2 s of it: the real drain expands the delivery
    (given the pool: None where the database is gone)."""
    headers = {"Content-Type": "application/json"}
    headers["X-Hub-Signature-256"] = sign(body, APP_SECRET) if signature is None else signature
    response = requests.post(f"{web}/webhooks/facebook", data=body, headers=headers, timeout=10)
    if pool is not None:
        expand_webhooks(pool)
    return response


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / "webhooks" / f"{name}.json").read_bytes()


def counts(pool) -> dict[str, int]:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM webhook_events) AS events, (SELECT count(*) FROM messages) AS messages,"
            " (SELECT count(*) FROM contacts) AS contacts,"
            " (SELECT count(*) FROM webhook_events WHERE standby) AS standby,"
            " (SELECT count(*) FROM messages WHERE is_echo) AS echoes"
        ).fetchone()


def owed_refreshes(pool) -> int:
    """Refreshes the deliveries owe, as PostgreSQL holds them (the cron drain queues them)."""
    with pool.connection() as conn:
        return conn.execute("SELECT count(*) AS n FROM pending_refreshes").fetchone()["n"]


def rejections(pool) -> list[dict]:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT location, reason, account_id, excerpt FROM webhook_rejections ORDER BY id"
        ).fetchall()


# fixture -> (events stored, messages stored, contacts created, refreshes owed)
CASES = {
    "message": (1, 1, 1, 1),
    "attachment_only": (1, 1, 1, 1),
    "echo": (1, 1, 1, 1),
    "postback": (1, 1, 1, 1),
    "reaction": (1, 0, 0, 0),
    "read": (1, 0, 0, 0),
    "delivery": (1, 0, 0, 0),
    "standby": (1, 1, 1, 1),
    "instagram_message": (1, 1, 1, 1),
    "instagram_echo": (1, 1, 1, 1),
    "instagram_read": (1, 0, 0, 0),
    "unknown_item": (1, 0, 0, 0),
    # An edit or an unsend of a message we never stored changes no message and makes no contact.
    "message_edit": (1, 0, 0, 0),
    "instagram_unsend": (1, 0, 0, 0),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_delivery_kind(web, pool, page, sync_queue, name):
    response = deliver(web, pool, fixture_bytes(name))

    assert (response.status_code, response.text) == (200, "EVENT_RECEIVED")
    events, messages, contacts, refreshes = CASES[name]
    stored = counts(pool)
    assert (stored["events"], stored["messages"], stored["contacts"]) == (events, messages, contacts)
    assert owed_refreshes(pool) == refreshes
    assert stored["standby"] == (1 if name == "standby" else 0)
    assert stored["echoes"] == (1 if name.endswith("echo") else 0)
    assert rejections(pool) == []
    assert refresh_queue_ids(sync_queue) == []  # the request queues nothing: the cron drain does


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_delivery_kind_delivered_twice_is_stored_once(web, pool, page, sync_queue, name):
    """Meta delivers at least once: reads, deliveries, reactions and referrals have natural keys too."""
    deliver(web, pool, fixture_bytes(name))
    before = counts(pool)
    assert deliver(web, pool, fixture_bytes(name)).status_code == 200
    assert counts(pool) == before


def test_the_customer_of_an_echo_is_its_recipient(web, pool, page):
    deliver(web, pool, fixture_bytes("echo"))
    deliver(web, pool, fixture_bytes("instagram_echo"))
    with pool.connection() as conn:
        ids = conn.execute("SELECT messenger_psid, instagram_sid FROM contacts ORDER BY id").fetchall()
    assert [(r["messenger_psid"], r["instagram_sid"]) for r in ids] == [(PSID, None), (None, IGSID)]


def test_a_batch_stores_every_item_of_connected_pages_only(web, pool, page, sync_queue):
    payload = json.loads(fixture_bytes("batch"))
    ours = sum(
        len(e.get("messaging", [])) + len(e.get("standby", []))
        for e in payload["entry"]
        if e["id"] in (PAGE_ID, IG_ACCOUNT)
    )
    theirs = sum(len(e.get("messaging", [])) for e in payload["entry"] if e["id"] not in (PAGE_ID, IG_ACCOUNT))

    response = deliver(web, pool, fixture_bytes("batch"))

    assert response.status_code == 200
    assert theirs > 0 and counts(pool)["events"] == ours


def test_a_duplicate_delivery_changes_nothing(web, pool, page, sync_queue):
    from sandbox import meta_webhooks

    url, payload = f"{web}/webhooks/facebook", json.loads(fixture_bytes("batch"))
    first = meta_webhooks.post_again(url, payload, APP_SECRET, times=1)
    expand_webhooks(pool)
    before = counts(pool)
    # Resent twice before the next drain, then once after it: the drain takes the copies together.
    again = meta_webhooks.post_again(url, payload, APP_SECRET, times=2)
    expand_webhooks(pool)
    again += meta_webhooks.post_again(url, payload, APP_SECRET, times=1)
    expand_webhooks(pool)

    assert first[0].status_code == 200 and before["events"] > 0
    assert [a.status_code for a in again] == [200, 200, 200] and counts(pool) == before
    assert owed_refreshes(pool) == 2  # two customers of the connected page wrote


def test_copies_of_a_delivery_waiting_for_the_same_drain_are_stored_once(web, pool, page, sync_queue):
    from sandbox import meta_webhooks

    url = f"{web}/webhooks/facebook"
    meta_webhooks.post_again(url, json.loads(fixture_bytes("batch")), APP_SECRET, times=1)
    expand_webhooks(pool)
    once = counts(pool)
    with pool.connection() as conn:
        conn.execute("TRUNCATE webhook_events, pending_refreshes, messages, contacts CASCADE")

    meta_webhooks.post_again(url, json.loads(fixture_bytes("batch")), APP_SECRET, times=3)
    expand_webhooks(pool)

    assert counts(pool) == once and owed_refreshes(pool) == 2


MALFORMED = {
    "malformed_no_entry": "entry is missing",
    "malformed_wrong_object": "object must be 'page' or 'instagram', not \"user\"",
    "malformed_entry_not_list": "entry must be a list",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_delivery_is_recorded_and_acknowledged_not_resent_forever(web, pool, page, name):
    """Meta resends anything but a 200; a body that can never be stored is put on record instead."""
    body = fixture_bytes(name)
    response = deliver(web, pool, body)

    assert (response.status_code, response.text) == (200, "EVENT_RECEIVED")
    assert counts(pool)["events"] == 0
    [rejected] = rejections(pool)
    assert (rejected["location"], rejected["reason"]) == ("body", MALFORMED[name])
    assert rejected["excerpt"] == body.decode()  # whole, to be replayed once understood


def test_a_body_that_is_not_json_is_recorded(web, pool, page):
    assert deliver(web, pool, b'{"object": "page", "entry": [').status_code == 200
    assert counts(pool)["events"] == 0
    assert [r["reason"] for r in rejections(pool)] == ["the body is not JSON"]


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=", "sha1=0123", "sha256=" + "0" * 64, sign(b"another body", APP_SECRET), sign(b"", "wrong-secret")],
)
def test_a_missing_or_wrong_signature_is_refused(web, pool, page, signature):
    response = deliver(web, pool, fixture_bytes("message"), signature=signature)
    assert response.status_code == 403 and counts(pool)["events"] == 0


def test_a_tampered_body_is_refused(web, pool, page):
    body = fixture_bytes("message")
    signature = sign(body, APP_SECRET)
    tampered = body.replace(b"40 units", b"400 units")
    assert tampered != body
    assert deliver(web, pool, tampered, signature=signature).status_code == 403
    assert counts(pool)["events"] == 0


def test_an_oversize_body_is_refused(web, pool, page):
    body = json.dumps({"object": "page", "entry": [], "padding": "x" * (3 * 1024 * 1024)}).encode()
    assert deliver(web, pool, body).status_code == 413
    assert counts(pool)["events"] == 0


def test_a_page_that_is_not_connected_is_acknowledged_and_ignored(web, pool):
    response = deliver(web, pool, fixture_bytes("message"))
    assert response.status_code == 200 and counts(pool)["events"] == 0 and waiting_in_inbox(pool) == 0


def waiting_in_inbox(pool) -> int:
    with pool.connection() as conn:
        return conn.execute("SELECT count(*) AS n FROM webhook_inbox").fetchone()["n"]


def test_verification_handshake(web):
    ok = requests.get(
        f"{web}/webhooks/facebook",
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
        timeout=5,
    )
    assert (ok.status_code, ok.text) == (200, "1158201444")
    for params in (
        {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {},
    ):
        refused = requests.get(f"{web}/webhooks/facebook", params=params, timeout=5)
        assert refused.status_code == 403 and "1" not in refused.text


def test_redis_down_at_delivery_loses_nothing_and_the_drain_queues_it(
    pool, page, service_settings, sync_queue, monkeypatch
):
    broken = replace(service_settings, redis_url="unix:///nonexistent/redis.sock")
    with serve_app(broken) as web:
        response = deliver(web, None, fixture_bytes("message"))
    assert response.status_code == 200
    expand_webhooks(pool, debounce_seconds=0.001)  # the drain needs PostgreSQL only
    with pool.connection() as conn:
        waiting = conn.execute("SELECT count(*) AS n FROM webhook_events WHERE enqueued_at IS NULL").fetchone()["n"]
    assert waiting == 1 and owed_refreshes(pool) == 1 and refresh_queue_ids(sync_queue) == []

    monkeypatch.setenv("DATABASE_URL", service_settings.database_url)
    monkeypatch.setenv("REDIS_URL", service_settings.redis_url)
    from worker.jobs import queue_pending_refreshes

    assert queue_pending_refreshes() == 1
    with pool.connection() as conn:
        waiting = conn.execute("SELECT count(*) AS n FROM webhook_events WHERE enqueued_at IS NULL").fetchone()["n"]
    assert waiting == 0 and len(refresh_queue_ids(sync_queue)) == 1
    assert queue_pending_refreshes() == 0  # claimed, and its job is on the queue: not queued twice


def refresh_queue_ids(sync_queue) -> list[str]:
    from rq import Queue

    return Queue("refresh", connection=sync_queue.connection).get_job_ids()


def test_database_down_answers_503_so_meta_retries(app_losing_its_database, sync_queue):
    app_losing_its_database.drop_database()
    assert deliver(app_losing_its_database.base_url, None, fixture_bytes("message")).status_code == 503


# --- Hostile or odd but signed input: never a 5xx, never junk stored, the rest of the delivery kept ---


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
    "a string timestamp": (message_item(timestamp="1736942401512"), "timestamp must be a number of milliseconds"),
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
    items[500]["timestamp"] = "1736942401512"  # the one bad item
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


# --- Edits and unsends change what is stored, and so what the analyzer reads ---


def transcript_texts(pool, page, external_id: str) -> list[str]:
    from core import pages
    from core.transcripts import contact_snapshots

    with pool.connection() as conn:
        contact_id = conn.execute(
            "SELECT id FROM contacts WHERE messenger_psid = %s OR instagram_sid = %s", (external_id, external_id)
        ).fetchone()["id"]
        transcript = contact_snapshots(conn, pages.get_page(conn, page.id), [contact_id])[contact_id].transcript
    return [line.text for line in transcript.lines]


def test_an_edit_replaces_the_stored_text_and_owes_a_refresh(web, pool, page):
    deliver(web, pool, fixture_bytes("message"))
    with pool.connection() as conn:
        conn.execute("DELETE FROM pending_refreshes")  # the message's own refresh has run
    assert "40 units" in transcript_texts(pool, page, PSID)[0]

    assert deliver(web, pool, fixture_bytes("message_edit")).status_code == 200

    [text] = transcript_texts(pool, page, PSID)
    assert "400 units" in text
    with pool.connection() as conn:
        assert conn.execute("SELECT edit_count FROM messages").fetchone()["edit_count"] == 1
    assert owed_refreshes(pool) == 1


def test_an_older_edit_arriving_late_does_not_undo_a_newer_one(web, pool, page):
    from sandbox import meta_webhooks

    deliver(web, pool, fixture_bytes("message"))
    mid = json.loads(fixture_bytes("message"))["entry"][0]["messaging"][0]["message"]["mid"]
    second = meta_webhooks.messenger_edit(PAGE_ID, PSID, mid, "second edit", num_edit=2)
    first = meta_webhooks.messenger_edit(PAGE_ID, PSID, mid, "first edit", num_edit=1)
    for item in (second, first):
        meta_webhooks.post(f"{web}/webhooks/facebook", meta_webhooks.delivery("page", [(PAGE_ID, [item])]), APP_SECRET)
        expand_webhooks(pool)
    assert transcript_texts(pool, page, PSID) == ["second edit"]


def test_an_instagram_unsend_takes_the_message_out_of_the_transcript(web, pool, page):
    deliver(web, pool, fixture_bytes("instagram_message"))
    with pool.connection() as conn:
        conn.execute("DELETE FROM pending_refreshes")
    assert len(transcript_texts(pool, page, IGSID)) == 1

    assert deliver(web, pool, fixture_bytes("instagram_unsend")).status_code == 200

    assert transcript_texts(pool, page, IGSID) == []
    with pool.connection() as conn:
        assert conn.execute("SELECT deleted_at FROM messages").fetchone()["deleted_at"] is not None
    assert owed_refreshes(pool) == 1


def test_a_message_edited_and_unsent_within_its_own_delivery_is_stored_as_it_ended_up(web, pool, page):
    from sandbox import meta_webhooks

    first = meta_webhooks.messenger_message(PAGE_ID, PSID, "40 bottles please", mid="m_firstdraft")
    edit = meta_webhooks.messenger_edit(PAGE_ID, PSID, "m_firstdraft", "400 bottles please")
    gone = meta_webhooks.messenger_message(PAGE_ID, PSID, "oops, wrong chat", mid="m_wrongchat")
    unsend = {**gone, "message": {"mid": "m_wrongchat", "is_deleted": True}}
    meta_webhooks.post(
        f"{web}/webhooks/facebook", meta_webhooks.delivery("page", [(PAGE_ID, [first, edit, gone, unsend])]), APP_SECRET
    )
    expand_webhooks(pool)

    assert transcript_texts(pool, page, PSID) == ["400 bottles please"]
    assert counts(pool)["events"] == 4
