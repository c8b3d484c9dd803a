"""`GET /healthz` reports PostgreSQL, Redis and the queues: 503 without PostgreSQL; without Redis it is
degraded but stays in rotation (200), since the web process still stores Meta's webhooks."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import replace

import requests

from conftest import APP_SECRET, expand_webhooks, serve_app
from sandbox import meta_webhooks
from sandbox.graph_sim import SimPage
from sandbox.services import embedded_redis

SHOP = SimPage(page_id="880000000000001", name="Harbour Kites", token="kites-health-token-1", messenger_count=1)


def health(base: str) -> requests.Response:
    return requests.get(f"{base}/healthz", timeout=10)


def test_all_up(web):
    answer = health(web)
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "database": "ok",
        "webhook_inbox": {"depth": 0, "oldest_seconds": 0},
        "redis": "ok",
        "queue_depth": {"sync": 0, "refresh": 0},
    }


def test_the_webhook_inbox_depth_and_oldest_age_in_healthz_and_metrics(web, pool, sim, connect_page):
    sim.add_page(SHOP)
    connect_page(SHOP)
    for n in range(3):  # acknowledged, and left for the drain (no dispatcher runs here)
        item = meta_webhooks.messenger_message(SHOP.page_id, f"2451129999020{n}", "anyone there?", mid=f"m_inbox{n}")
        delivered = meta_webhooks.post(
            f"{web}/webhooks/facebook", meta_webhooks.delivery("page", [(SHOP.page_id, [item])]), APP_SECRET
        )
        assert delivered.status_code == 200
    with pool.connection() as conn:  # the oldest waited a minute already
        conn.execute(
            "UPDATE webhook_inbox SET received_at = now() - interval '60 seconds'"
            " WHERE id = (SELECT min(id) FROM webhook_inbox)"
        )

    waiting = health(web).json()["webhook_inbox"]
    scraped = requests.get(f"{web}/metrics", timeout=10).text
    expand_webhooks(pool)
    drained = health(web).json()["webhook_inbox"]

    assert waiting["depth"] == 3 and 60 <= waiting["oldest_seconds"] < 120
    assert "fbsync_webhook_inbox_depth 3.0" in scraped.splitlines()
    oldest = next(line for line in scraped.splitlines() if line.startswith("fbsync_webhook_inbox_oldest_seconds "))
    assert 60 <= float(oldest.split()[1]) < 120
    assert drained == {"depth": 0, "oldest_seconds": 0}


def test_a_redis_outage_is_degraded_but_stays_in_rotation_and_webhooks_are_stored(
    service_settings, pool, sim, connect_page, tmp_path
):
    sim.add_page(SHOP)
    connect_page(SHOP)
    with ExitStack() as redis_server:
        redis_url = redis_server.enter_context(embedded_redis(tmp_path))
        with serve_app(replace(service_settings, redis_url=redis_url)) as base:
            assert health(base).json()["status"] == "ok"
            redis_server.close()  # Redis dies under the running web process

            answer = health(base)
            item = meta_webhooks.messenger_message(SHOP.page_id, "24511299990101", "still there?")
            delivered = meta_webhooks.post(
                f"{base}/webhooks/facebook", meta_webhooks.delivery("page", [(SHOP.page_id, [item])]), APP_SECRET
            )

    assert answer.status_code == 200
    assert answer.json() == {
        "status": "degraded",
        "database": "ok",
        "webhook_inbox": {"depth": 0, "oldest_seconds": 0},
        "redis": "unavailable",
    }
    assert delivered.status_code == 200
    expand_webhooks(pool)  # the drain, once the dispatcher can tick again
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM webhook_events").fetchone()["n"] == 1


def test_database_down(app_losing_its_database, sync_queue):
    app_losing_its_database.drop_database()
    answer = health(app_losing_its_database.base_url)
    assert answer.status_code == 503
    assert answer.json() == {
        "status": "unavailable",
        "database": "unavailable",
        "redis": "ok",
        "queue_depth": {"sync": 0, "refresh": 0},
    }
