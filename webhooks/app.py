"""The web process: Slack's events endpoint (Bolt over Flask) and a health check.

gunicorn 'webhooks.app:create_app()'
"""

from __future__ import annotations

import logging
import os
from typing import Any

import psycopg
import redis
from flask import Flask, Response, request
from psycopg_pool import PoolTimeout
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot import views
from bot.app import INSTALL_PATH, REDIRECT_PATH, create_bolt_app
from bot.deps import BotDeps
from bot.slack_client import SlackClients, safe_call
from core import db, logfmt, metrics, tokens
from core.config import Settings
from core.connect import FacebookLogin, StateSigner, link_maker
from core.graph import GraphClient
from core.redis_keys import redis_connection
from core.webhook_store import InboxStatus, inbox_status
from webhooks.connect import connect_blueprint
from webhooks.facebook import facebook_blueprint
from worker.queues import REFRESH_QUEUE, SYNC_QUEUE, refresh_queue, sync_queue

# Slack payloads are a few KB and a full Meta batch (1000 items) well under a megabyte.
MAX_BODY_BYTES = 2 * 1024 * 1024

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Flask:
    logfmt.configure(os.environ.get("FBSYNC_LOG_LEVEL", "INFO"))
    settings = settings or Settings.from_env()
    settings.require(
        "database_url",
        "redis_url",
        "slack_signing_secret",
        "fb_app_id",
        "fb_app_secret",
        "fb_verify_token",
        "public_url",
    )
    if not settings.slack_multi_workspace:
        settings.require("slack_bot_token")
    assert settings.fb_app_id and settings.fb_app_secret and settings.public_url
    assert settings.database_url and settings.slack_signing_secret
    pool = db.open_pool(settings.database_url)
    with pool.connection() as conn:
        tokens.check_startup(conn, settings)
    connection = redis_connection(settings)
    queue = sync_queue(connection)
    refreshes = refresh_queue(connection)
    signer = StateSigner(settings.fb_app_secret, connection)
    public_url = settings.public_url
    bolt = create_bolt_app(BotDeps(settings, pool, link_maker(signer, public_url)))
    slack = SlackRequestHandler(bolt)
    login = FacebookLogin(
        lambda token: GraphClient.for_page(settings, token),
        dialog_url=settings.fb_dialog_url,
        app_id=settings.fb_app_id,
        app_secret=settings.fb_app_secret,
        redirect_uri=f"{public_url}/facebook/callback",
    )

    slack_clients = SlackClients(settings, pool)

    def tell_user(team_id: str, user_id: str, text: str) -> None:
        client = slack_clients.for_team(team_id)
        if client:
            # Page names come from Facebook: escaped, so a name like "<!channel>" is only text.
            safe_call(client.chat_postMessage, channel=user_id, text=views.escape(text))

    app = Flask("fbsync")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.register_blueprint(connect_blueprint(settings, pool, signer, login, tell_user))
    app.register_blueprint(facebook_blueprint(settings, pool))

    # Checked here as well as by Bolt, so that a refused request is logged without its body: Bolt
    # logs the whole body, which carries a verification token and a response_url.
    verifier = SignatureVerifier(settings.slack_signing_secret)

    @app.post("/slack/events")
    def slack_events() -> Any:
        if not verifier.is_valid(
            request.get_data(),
            request.headers.get("X-Slack-Request-Timestamp", ""),
            request.headers.get("X-Slack-Signature", ""),
        ):
            logger.warning(
                "slack request refused: bad, missing or stale signature bytes=%d", request.content_length or 0
            )
            return {"error": "invalid request"}, 401
        return slack.handle(request)

    # "Add to Slack" (multi-workspace mode; Bolt answers 404 without it).
    @app.get(INSTALL_PATH)
    def slack_install() -> Any:
        return slack.handle(request)

    @app.get(REDIRECT_PATH)
    def slack_oauth_redirect() -> Any:
        return slack.handle(request)

    def queue_depths() -> dict[str, int]:
        try:
            return {SYNC_QUEUE: queue.count, REFRESH_QUEUE: refreshes.count}
        except redis.RedisError:
            return {}  # /healthz says so; the depths are left out

    def inbox() -> InboxStatus | None:
        try:
            with pool.connection(timeout=2) as conn:
                return inbox_status(conn)
        except (psycopg.Error, PoolTimeout):
            return None  # /healthz says so; the inbox is left out

    @app.get("/metrics")
    def metrics_endpoint() -> Response:
        body, content_type = metrics.exposition(queue_depths, inbox)
        return Response(body, content_type=content_type)

    @app.get("/healthz")
    def healthz() -> tuple[dict[str, Any], int]:
        """PostgreSQL down: 503, take this process out of rotation. Redis down: "degraded" but 200, since
        the process still stores Meta's webhooks and answers Slack (refreshes wait for Redis). The
        webhook inbox (acknowledged, not yet expanded) is reported, not judged: a burst is a backlog
        for a while, and the age of its oldest delivery says whether the drain keeps up."""
        report: dict[str, Any] = {}
        try:
            with pool.connection(timeout=2) as conn:
                waiting = inbox_status(conn)
            report["database"] = "ok"
            report["webhook_inbox"] = {"depth": waiting.depth, "oldest_seconds": round(waiting.oldest_seconds, 1)}
        except (psycopg.Error, PoolTimeout):
            report["database"] = "unavailable"
        try:
            report["queue_depth"] = {SYNC_QUEUE: queue.count, REFRESH_QUEUE: refreshes.count}
            report["redis"] = "ok"
        except redis.RedisError:
            report["redis"] = "unavailable"
        if report["database"] != "ok":
            return {"status": "unavailable", **report}, 503
        return {"status": "ok" if report["redis"] == "ok" else "degraded", **report}, 200

    logger.info("web app ready")
    return app
