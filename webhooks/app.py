"""The web process: Slack's events endpoint (Bolt over Flask) and a health check.

gunicorn 'webhooks.app:create_app()'
"""
from __future__ import annotations

import logging
import os
from typing import Any

import psycopg
import redis
from flask import Flask, request
from psycopg_pool import PoolTimeout
from slack_bolt.adapter.flask import SlackRequestHandler

from bot.app import create_bolt_app
from bot.deps import BotDeps
from core import db, logfmt
from core.config import Settings
from worker.queues import SYNC_QUEUE, redis_connection, sync_queue

# Slack payloads are a few KB; nothing legitimate comes near this.
MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: Settings | None = None) -> Flask:
    logfmt.configure(os.environ.get("FBSYNC_LOG_LEVEL", "INFO"))
    settings = settings or Settings.from_env()
    settings.require("database_url", "redis_url", "slack_bot_token", "slack_signing_secret")
    assert settings.database_url
    pool = db.open_pool(settings.database_url)
    connection = redis_connection(settings)
    queue = sync_queue(connection)
    slack = SlackRequestHandler(create_bolt_app(BotDeps(settings, pool, queue)))

    app = Flask("fbsync")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    @app.post("/slack/events")
    def slack_events() -> Any:
        return slack.handle(request)

    @app.get("/healthz")
    def healthz() -> tuple[dict[str, Any], int]:
        report: dict[str, Any] = {}
        try:
            with pool.connection(timeout=2) as conn:
                conn.execute("SELECT 1")
            report["database"] = "ok"
        except (psycopg.Error, PoolTimeout):
            report["database"] = "unavailable"
        try:
            report["queue_depth"] = {SYNC_QUEUE: queue.count}
            report["redis"] = "ok"
        except redis.RedisError:
            report["redis"] = "unavailable"
        healthy = report["database"] == "ok" and report["redis"] == "ok"
        return report, 200 if healthy else 503

    logging.getLogger(__name__).info("web app ready")
    return app
