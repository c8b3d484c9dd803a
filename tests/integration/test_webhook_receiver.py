"""The Meta webhook endpoint: each real-shaped fixture sent signed through the Flask app."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
import requests

from conftest import APP_SECRET, FIXTURES, TEAM_ID, VERIFY_TOKEN, serve_app
from sandbox.graph_sim import SimPage
from sandbox.meta_webhooks import sign

PAGE_ID, IG_ACCOUNT = "104857600000001", "17841400000000001"
PSID, IGSID = "24511230000123", "6543210987654321"


@pytest.fixture
def page(connect_page):
    """The page the fixtures' deliveries are for (no Graph calls happen in these tests)."""
    return connect_page(SimPage(page_id=PAGE_ID, name="Bluebird Coffee Roasters", token="bluebird-token",
                                messenger_count=0, instagram_account_id=IG_ACCOUNT,
                                instagram_username="bluebirdcoffee"), team=TEAM_ID)


def deliver(web: str, body: bytes, *, signature: str | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    headers["X-Hub-Signature-256"] = sign(body, APP_SECRET) if signature is None else signature
    return requests.post(f"{web}/webhooks/facebook", data=body, headers=headers, timeout=10)


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


def scheduled_refreshes(sync_queue) -> list[str]:
    from rq import Queue

    return Queue("refresh", connection=sync_queue.connection).scheduled_job_registry.get_job_ids()


# fixture -> (events stored, messages stored, contacts created, refreshes scheduled)
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
    "unknown_item": (1, 0, 0, 0),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_delivery_kind(web, pool, page, sync_queue, name):
    response = deliver(web, fixture_bytes(name))

    assert (response.status_code, response.text) == (200, "EVENT_RECEIVED")
    events, messages, contacts, refreshes = CASES[name]
    stored = counts(pool)
    assert (stored["events"], stored["messages"], stored["contacts"]) == (events, messages, contacts)
    assert len(scheduled_refreshes(sync_queue)) == refreshes
    assert stored["standby"] == (1 if name == "standby" else 0)
    assert stored["echoes"] == (1 if name.endswith("echo") else 0)


def test_the_customer_of_an_echo_is_its_recipient(web, pool, page):
    deliver(web, fixture_bytes("echo"))
    deliver(web, fixture_bytes("instagram_echo"))
    with pool.connection() as conn:
        ids = conn.execute("SELECT messenger_psid, instagram_sid FROM contacts ORDER BY id").fetchall()
    assert [(r["messenger_psid"], r["instagram_sid"]) for r in ids] == [(PSID, None), (None, IGSID)]


def test_a_batch_stores_every_item_of_connected_pages_only(web, pool, page, sync_queue):
    payload = json.loads(fixture_bytes("batch"))
    ours = sum(len(e.get("messaging", [])) + len(e.get("standby", [])) for e in payload["entry"]
               if e["id"] in (PAGE_ID, IG_ACCOUNT))
    theirs = sum(len(e.get("messaging", [])) for e in payload["entry"] if e["id"] not in (PAGE_ID, IG_ACCOUNT))

    response = deliver(web, fixture_bytes("batch"))

    assert response.status_code == 200
    assert theirs > 0 and counts(pool)["events"] == ours


def test_a_duplicate_delivery_changes_nothing(web, pool, page, sync_queue):
    deliver(web, fixture_bytes("message"))
    before = counts(pool)
    again = deliver(web, fixture_bytes("message"))
    assert again.status_code == 200 and counts(pool) == before


@pytest.mark.parametrize("name", ["malformed_no_entry", "malformed_wrong_object", "malformed_entry_not_list"])
def test_malformed_deliveries_are_refused_and_nothing_stored(web, pool, page, name):
    response = deliver(web, fixture_bytes(name))
    assert response.status_code == 400 and response.text.startswith("malformed delivery")
    assert counts(pool)["events"] == 0


def test_a_body_that_is_not_json_is_refused(web, pool, page):
    assert deliver(web, b'{"object": "page", "entry": [').status_code == 400
    assert counts(pool)["events"] == 0


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=", "sha1=0123", "sha256=" + "0" * 64, sign(b"another body", APP_SECRET), sign(b"", "wrong-secret")],
)
def test_a_missing_or_wrong_signature_is_refused(web, pool, page, signature):
    response = deliver(web, fixture_bytes("message"), signature=signature)
    assert response.status_code == 403 and counts(pool)["events"] == 0


def test_a_tampered_body_is_refused(web, pool, page):
    body = fixture_bytes("message")
    signature = sign(body, APP_SECRET)
    tampered = body.replace(b"40 units", b"400 units")
    assert tampered != body
    assert deliver(web, tampered, signature=signature).status_code == 403
    assert counts(pool)["events"] == 0


def test_an_oversize_body_is_refused(web, pool, page):
    body = json.dumps({"object": "page", "entry": [], "padding": "x" * (3 * 1024 * 1024)}).encode()
    assert deliver(web, body).status_code == 413
    assert counts(pool)["events"] == 0


def test_a_page_that_is_not_connected_is_acknowledged_and_ignored(web, pool):
    response = deliver(web, fixture_bytes("message"))
    assert response.status_code == 200 and counts(pool)["events"] == 0


def test_verification_handshake(web):
    ok = requests.get(f"{web}/webhooks/facebook", params={
        "hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}, timeout=5)
    assert (ok.status_code, ok.text) == (200, "1158201444")
    for params in ({"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
                   {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"}, {}):
        refused = requests.get(f"{web}/webhooks/facebook", params=params, timeout=5)
        assert refused.status_code == 403 and "1" not in refused.text


def test_redis_down_at_delivery_loses_nothing_and_the_sweep_queues_it(
    pool, page, service_settings, sync_queue, monkeypatch
):
    broken = replace(service_settings, redis_url="unix:///nonexistent/redis.sock")
    with serve_app(broken) as web:
        response = deliver(web, fixture_bytes("message"))
    assert response.status_code == 200
    with pool.connection() as conn:
        waiting = conn.execute("SELECT count(*) AS n FROM webhook_events WHERE enqueued_at IS NULL").fetchone()["n"]
    assert waiting == 1 and scheduled_refreshes(sync_queue) == [] and sync_queue.count == 0

    monkeypatch.setenv("DATABASE_URL", service_settings.database_url)
    monkeypatch.setenv("REDIS_URL", service_settings.redis_url)
    from worker.jobs import queue_pending_refreshes

    assert queue_pending_refreshes() == 1
    with pool.connection() as conn:
        waiting = conn.execute("SELECT count(*) AS n FROM webhook_events WHERE enqueued_at IS NULL").fetchone()["n"]
    assert waiting == 0 and len(scheduled_refreshes(sync_queue)) == 1


def test_database_down_answers_503_so_meta_retries(app_losing_its_database, sync_queue):
    app_losing_its_database.drop_database()
    assert deliver(app_losing_its_database.base_url, fixture_bytes("message")).status_code == 503
