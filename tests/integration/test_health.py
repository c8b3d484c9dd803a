"""`GET /healthz` reports PostgreSQL, Redis and the queues, and says 503 when either is down."""
from __future__ import annotations

from dataclasses import replace

import requests

from conftest import serve_app


def health(base: str) -> requests.Response:
    return requests.get(f"{base}/healthz", timeout=10)


def test_all_up(web):
    answer = health(web)
    assert answer.status_code == 200
    assert answer.json() == {"database": "ok", "redis": "ok", "queue_depth": {"sync": 0, "refresh": 0}}


def test_redis_down(service_settings, pool, sync_queue):
    with serve_app(replace(service_settings, redis_url="unix:///nonexistent/redis.sock")) as base:
        answer = health(base)
    assert answer.status_code == 503
    assert answer.json()["redis"] == "unavailable" and answer.json()["database"] == "ok"


def test_database_down(app_losing_its_database, sync_queue):
    app_losing_its_database.drop_database()
    answer = health(app_losing_its_database.base_url)
    assert answer.status_code == 503
    assert answer.json()["database"] == "unavailable" and answer.json()["redis"] == "ok"
