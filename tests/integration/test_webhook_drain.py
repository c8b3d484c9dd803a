"""The webhook inbox and its drain: a delivery acknowledged is expanded exactly once, whether the
drain is killed mid-way (-9, its transaction open), two drains run at once, or the database
refuses one delivery; and a delivery PostgreSQL could not take is answered 503 with nothing kept."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import replace

import psycopg
import pytest

from conftest import APP_SECRET, TEAM_ID, expand_webhooks, serve_app
from core.config import Settings
from core.webhook_store import expand_deliveries
from sandbox import meta_webhooks, processes
from sandbox.graph_sim import SimPage

PAGE_ID = "104857600000001"
SENDERS = ("24511230000201", "24511230000202")


@pytest.fixture
def page(connect_page):
    return connect_page(
        SimPage(page_id=PAGE_ID, name="Bluebird Coffee Roasters", token="drain-token", messenger_count=0), team=TEAM_ID
    )


def deliver_conversation(web: str) -> list[int]:
    """Two customers write, one edits a message, one sends junk alongside: five deliveries."""
    first, second = SENDERS
    bodies = [
        [meta_webhooks.messenger_message(PAGE_ID, first, "40 bags please", mid="m_drain1")],
        [meta_webhooks.messenger_message(PAGE_ID, second, "do you ship to Leeds?", mid="m_drain2")],
        [meta_webhooks.messenger_edit(PAGE_ID, first, "m_drain1", "400 bags please")],
        [meta_webhooks.messenger_message(PAGE_ID, second, "and to York?", mid="m_drain3")],
        [
            meta_webhooks.messenger_message(PAGE_ID, first, "thanks!", mid="m_drain4"),
            {**meta_webhooks.messenger_message(PAGE_ID, first, "x", mid="m_junk"), "timestamp": "soon"},
        ],
    ]
    url = f"{web}/webhooks/facebook"
    return [
        meta_webhooks.post(url, meta_webhooks.delivery("page", [(PAGE_ID, items)]), APP_SECRET).status_code
        for items in bodies
    ]


def outcome(pool) -> dict:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM webhook_inbox) AS waiting, (SELECT count(*) FROM webhook_events) AS events,"
            " (SELECT count(*) FROM contacts) AS contacts,"
            " (SELECT count(*) FROM pending_work WHERE kind = 'refresh') AS owed,"
            " (SELECT count(*) FROM webhook_rejections) AS rejected,"
            " (SELECT array_agg(text ORDER BY mid) FROM messages) AS texts"
        ).fetchone()


EXPANDED = {
    "waiting": 0,
    "events": 5,
    "contacts": 2,
    "owed": 2,
    "rejected": 1,
    "texts": ["400 bags please", "do you ship to Leeds?", "and to York?", "thanks!"],
}


class ContactHeld:
    """A transaction of the test's own, writing the first customer's contact and not committing, so
    that a drain stops inside its statement, waiting for it: its transaction open, the inbox rows it
    took deleted but not committed."""

    def __init__(self, database_url: str, page_pk: int) -> None:
        self._conn = psycopg.connect(database_url)
        self._conn.execute(
            "INSERT INTO contacts (facebook_page_id, messenger_psid, has_messenger) VALUES (%s, %s, true)",
            (page_pk, SENDERS[0]),
        )

    def wait_for_a_blocked_drain(self, pool) -> int:
        """The drain's backend pid, once it waits (seen from another session: a transaction keeps
        its first view of pg_stat_activity)."""
        query = (
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            " AND query LIKE '%webhook_inbox%'"
        )
        with pool.connection() as conn:
            row = processes.wait_for(lambda: conn.execute(query).fetchone(), 30, "the drain to wait on the lock")
        return row["pid"]

    def release(self) -> None:
        self._conn.rollback()
        self._conn.close()


def test_nothing_is_expanded_before_the_drain_and_all_of_it_after(web, pool, page):
    assert deliver_conversation(web) == [200] * 5
    before = outcome(pool)
    assert (before["waiting"], before["events"], before["contacts"], before["texts"]) == (5, 0, 0, None)
    assert before["rejected"] == 1  # junk is on record at once: only valid items wait for the drain

    with pool.connection() as conn:
        drained = expand_deliveries(conn, Settings.refresh_debounce, batch=2)  # in three statements
    assert (drained.deliveries, drained.stored, drained.refreshes) == (5, 5, 5)  # owed, or pushed back
    assert outcome(pool) == EXPANDED
    expand_webhooks(pool)
    assert outcome(pool) == EXPANDED


def test_a_drain_killed_mid_way_leaves_every_delivery_for_the_next_which_expands_each_once(
    web, pool, page, database_url
):
    assert deliver_conversation(web) == [200] * 5
    held = ContactHeld(database_url, page.id)
    drain = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from core import db; from core.webhook_store import expand_deliveries;"
            " expand_deliveries(db.open_pool(sys.argv[1]).getconn(), 5)",
            database_url,
        ],
        cwd=processes.ROOT,
        env=os.environ.copy(),
    )
    try:
        backend = held.wait_for_a_blocked_drain(pool)
        drain.send_signal(signal.SIGKILL)
        drain.wait()
    finally:
        held.release()
    with pool.connection() as conn:  # its session ends with it, rolling back what it had done
        processes.wait_for(
            lambda: conn.execute(
                "SELECT count(*) = 0 AS gone FROM pg_stat_activity WHERE pid = %s", (backend,)
            ).fetchone()["gone"],
            30,
            "the killed drain's session to end",
        )
    after_kill = outcome(pool)
    assert (after_kill["waiting"], after_kill["events"], after_kill["contacts"], after_kill["owed"]) == (5, 0, 0, 0)

    expand_webhooks(pool)
    assert outcome(pool) == EXPANDED


def test_two_drains_at_once_expand_each_delivery_once(web, pool, page, database_url):
    assert deliver_conversation(web) == [200] * 5
    held = ContactHeld(database_url, page.id)
    results = []
    first = threading.Thread(target=lambda: results.append(expanded_now(pool)))
    first.start()
    try:
        held.wait_for_a_blocked_drain(pool)
        second = expanded_now(pool)  # meanwhile, the next dispatcher tick
    finally:
        held.release()
    first.join()

    assert second.busy and second.deliveries == 0
    assert results[0].deliveries == 5 and results[0].stored == 5
    assert outcome(pool) == EXPANDED


def expanded_now(pool):
    with pool.connection() as conn:
        return expand_deliveries(conn, Settings.refresh_debounce)


def test_a_delivery_the_database_refuses_to_expand_is_set_aside_whole_and_the_rest_expanded(web, pool, page):
    """Validated items the database still refuses (here, written by hand: a time it cannot read)
    must not stall every delivery behind them."""
    url = f"{web}/webhooks/facebook"
    first, second = (
        meta_webhooks.delivery("page", [(PAGE_ID, [meta_webhooks.messenger_message(PAGE_ID, sender, "hi", mid=mid)])])
        for sender, mid in zip(SENDERS, ("m_before", "m_after"), strict=True)
    )
    assert meta_webhooks.post(url, first, APP_SECRET).status_code == 200
    refused = json.dumps([{"ord": 0, "account": PAGE_ID, "kind": "message", "at": "the day after tomorrow"}])
    with pool.connection() as conn:
        conn.execute("INSERT INTO webhook_inbox (items) VALUES (%s)", (refused,))
    assert meta_webhooks.post(url, second, APP_SECRET).status_code == 200

    expand_webhooks(pool)

    with pool.connection() as conn:
        [set_aside] = conn.execute("SELECT location, reason, excerpt FROM webhook_rejections").fetchall()
        mids = [r["mid"] for r in conn.execute("SELECT mid FROM messages ORDER BY id")]
    assert set_aside == {
        "location": "body",
        "reason": "refused by the database when expanded (InvalidDatetimeFormat)",
        "excerpt": refused,
    }
    assert mids == ["m_before", "m_after"] and outcome(pool)["waiting"] == 0


def test_a_connection_lost_at_delivery_answers_503_keeps_nothing_and_the_resend_is_stored_once(
    pool, page, service_settings
):
    """PostgreSQL ends the web app's session (a restart, a failover): neither the valid item nor the
    junk beside it is kept, Meta resends, and then both are, once."""
    own = f"{service_settings.database_url} application_name=fbsync-web-losing-its-session"
    body = meta_webhooks.delivery(
        "page",
        [
            (
                PAGE_ID,
                [
                    meta_webhooks.messenger_message(PAGE_ID, SENDERS[0], "hello", mid="m_lost"),
                    {**meta_webhooks.messenger_message(PAGE_ID, SENDERS[0], "x", mid="m_junk2"), "timestamp": "soon"},
                ],
            )
        ],
    )
    with serve_app(replace(service_settings, database_url=own)) as web:
        with pool.connection() as conn:
            ended = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity"
                " WHERE application_name = 'fbsync-web-losing-its-session'"
            ).fetchone()["n"]
        lost = meta_webhooks.post(f"{web}/webhooks/facebook", body, APP_SECRET)
        kept = outcome(pool)
        resent = meta_webhooks.post(f"{web}/webhooks/facebook", body, APP_SECRET)
    expand_webhooks(pool)

    assert ended >= 1 and lost.status_code == 503
    assert (kept["waiting"], kept["rejected"], kept["events"]) == (0, 0, 0)
    assert resent.status_code == 200
    stored = outcome(pool)
    assert (stored["events"], stored["rejected"], stored["texts"]) == (1, 1, ["hello"])


def test_a_drained_burst_leaves_the_inbox_table_its_space_so_vacuum_never_locks_out_acknowledgements(pool):
    """Truncating the empty tail takes an ACCESS EXCLUSIVE lock, which stalled every acknowledgement
    behind it for about a second after a burst; the space is kept for the next burst instead."""
    with pool.connection() as conn:
        conn.execute("INSERT INTO webhook_inbox (items) SELECT '[]'::json FROM generate_series(1, 5000)")
        burst = conn.execute("SELECT pg_relation_size('webhook_inbox') AS bytes").fetchone()["bytes"]
        conn.execute("DELETE FROM webhook_inbox")
        conn.execute("VACUUM webhook_inbox")
        after = conn.execute("SELECT pg_relation_size('webhook_inbox') AS bytes").fetchone()["bytes"]
    assert burst > 8192 * 10 and after == burst
