"""`GET /healthz` reports PostgreSQL, Redis and the queues, and says 503 when either is down."""
from __future__ import annotations

from dataclasses import replace

import psycopg
import requests

from conftest import serve_app
from core import db
from sandbox.services import scratch_database


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


def test_database_down(postgres_server, service_settings, sync_queue):
    with scratch_database(postgres_server, prefix="fbsync_doomed") as url:
        pool = db.open_pool(url)
        db.migrate(pool)
        pool.close()
        with serve_app(replace(service_settings, database_url=url)) as base:
            name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
            with psycopg.connect(postgres_server, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            answer = health(base)
    assert answer.status_code == 503
    assert answer.json()["database"] == "unavailable" and answer.json()["redis"] == "ok"
