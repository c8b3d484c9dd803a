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
    assert answer.json() == {"status": "ok", "database": "ok", "redis": "ok", "queue_depth": {"sync": 0, "refresh": 0}}


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
    assert answer.json() == {"status": "degraded", "database": "ok", "redis": "unavailable"}
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
