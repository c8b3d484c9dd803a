"""The Meta webhook endpoint: each real-shaped fixture sent signed through the Flask app."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import requests
from webhook_receiving import (
    IG_ACCOUNT,
    IGSID,
    PAGE_ID,
    PSID,
    connect_bluebird,
    counts,
    deliver,
    fixture_bytes,
    owed_refreshes,
    rejections,
)

from conftest import APP_SECRET, VERIFY_TOKEN, expand_webhooks, serve_app
from sandbox.meta_webhooks import sign


@pytest.fixture
def page(connect_page):
    return connect_bluebird(connect_page)


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
    # Numbers of milliseconds as strings of digits, as some senders write them.
    "message_string_timestamp": (1, 1, 1, 1),
    "read_string_watermark": (1, 0, 0, 0),
    "delivery_string_watermark": (1, 0, 0, 0),
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
    assert refresh_queue_ids(sync_queue) == []  # the request queues nothing: the dispatcher does


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
        conn.execute("TRUNCATE webhook_events, pending_work, messages, contacts CASCADE")

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


def test_redis_down_at_delivery_loses_nothing_and_the_dispatcher_queues_it(
    pool, page, service_settings, sync_queue, dispatch
):
    broken = replace(service_settings, redis_url="unix:///nonexistent/redis.sock")
    with serve_app(broken) as web:
        response = deliver(web, None, fixture_bytes("message"))
    assert response.status_code == 200
    expand_webhooks(pool, debounce_seconds=0.001)  # the drain needs PostgreSQL only
    with pool.connection() as conn:
        stored = conn.execute("SELECT count(*) AS n FROM webhook_events").fetchone()["n"]
    assert stored == 1 and owed_refreshes(pool) == 1 and refresh_queue_ids(sync_queue) == []

    assert dispatch() == 1
    assert len(refresh_queue_ids(sync_queue)) == 1 and owed_refreshes(pool) == 1  # owed until it commits
    assert dispatch() == 0  # its job is on the queue: not queued twice


def refresh_queue_ids(sync_queue) -> list[str]:
    from rq import Queue

    return Queue("refresh", connection=sync_queue.connection).get_job_ids()


def test_database_down_answers_503_so_meta_retries(app_losing_its_database, sync_queue):
    app_losing_its_database.drop_database()
    assert deliver(app_losing_its_database.base_url, None, fixture_bytes("message")).status_code == 503


def test_a_timestamp_written_as_digits_is_the_same_instant_as_the_number(web, pool, page):
    deliver(web, pool, fixture_bytes("message_string_timestamp"))
    expand_webhooks(pool)
    with pool.connection() as conn:
        stored = conn.execute("SELECT created_time FROM messages").fetchone()["created_time"]
    assert stored == datetime(2025, 1, 15, 12, 0, 1, 512000, tzinfo=UTC)
