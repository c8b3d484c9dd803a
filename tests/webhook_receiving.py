"""The Meta webhook endpoint's tests, on the page the real-shaped fixtures (tests/fixtures/webhooks)
are for: a delivery sent signed through the Flask app and drained, and what it left in PostgreSQL."""

from __future__ import annotations

import requests

from conftest import APP_SECRET, FIXTURES, TEAM_ID, expand_webhooks
from core.pages import Page
from sandbox.graph_sim import SimPage
from sandbox.meta_webhooks import sign

PAGE_ID, IG_ACCOUNT = "104857600000001", "17841400000000001"
PSID, IGSID = "24511230000123", "6543210987654321"


def connect_bluebird(connect_page) -> Page:
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
    """Meta's POST, then what the dispatcher does within a second of it: the real drain expands the delivery
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
    """Refreshes the deliveries owe, as PostgreSQL holds them (the dispatcher queues them)."""
    with pool.connection() as conn:
        return conn.execute("SELECT count(*) AS n FROM pending_work WHERE kind = 'refresh'").fetchone()["n"]


def rejections(pool) -> list[dict]:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT location, reason, account_id, excerpt FROM webhook_rejections ORDER BY id"
        ).fetchall()
