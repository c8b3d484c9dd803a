"""Meta webhooks: the verification handshake and deliveries, stored durably before they are acknowledged.

Meta retries until it gets a 200 within a few seconds, so the request does only the durable part
(one transaction) and queues the slow part (the refresh).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Callable

import psycopg
from flask import Blueprint, Response, request
from psycopg_pool import ConnectionPool, PoolTimeout

from core import metrics
from core.config import Settings
from core.webhook_events import MalformedDelivery, parse_delivery
from core.webhook_store import StoredDelivery, store_delivery

logger = logging.getLogger(__name__)


def facebook_blueprint(
    settings: Settings, pool: ConnectionPool, queue_refreshes: Callable[[StoredDelivery], None]
) -> Blueprint:
    settings.require("fb_app_secret", "fb_verify_token")
    assert settings.fb_app_secret and settings.fb_verify_token
    app_secret = settings.fb_app_secret.encode()
    verify_token = settings.fb_verify_token
    unknown_seen: set[str] = set()
    blueprint = Blueprint("facebook", __name__)

    @blueprint.get("/webhooks/facebook")
    def verify() -> Response:
        args = request.args
        if args.get("hub.mode") == "subscribe" and hmac.compare_digest(
            args.get("hub.verify_token", "").encode(), verify_token.encode()
        ):
            return Response(args.get("hub.challenge", ""), status=200, mimetype="text/plain")
        return Response("verification failed", status=403, mimetype="text/plain")

    @blueprint.post("/webhooks/facebook")
    def receive() -> Response:
        body = request.get_data(cache=False)
        if not _signed(body, request.headers.get("X-Hub-Signature-256", ""), app_secret):
            logger.warning("webhook refused: missing or wrong signature")
            metrics.webhook_rejected("signature")
            return Response("invalid signature", status=403, mimetype="text/plain")
        try:
            events = parse_delivery(json.loads(body))
        except (ValueError, MalformedDelivery) as exc:
            reason = str(exc) if isinstance(exc, MalformedDelivery) else "body is not JSON"
            logger.warning("webhook refused: %s", reason)
            metrics.webhook_rejected("malformed")
            return Response(f"malformed delivery: {reason}", status=400, mimetype="text/plain")
        try:
            with pool.connection(timeout=3) as conn:
                stored = store_delivery(conn, events)
        except (psycopg.OperationalError, PoolTimeout):
            logger.exception("webhook not stored: database unavailable; Meta will retry")
            return Response("temporarily unavailable", status=503, mimetype="text/plain")
        for account in stored.unknown_accounts - unknown_seen:
            logger.info("webhook for a page that is not connected ignored account_id=%s", account)
        unknown_seen.update(stored.unknown_accounts)
        metrics.webhook_items(stored.stored, stored.duplicates)
        queue_refreshes(stored)
        logger.info("webhook stored events=%d duplicates=%d refreshes=%d", stored.stored, stored.duplicates,
                    len(stored.to_refresh))
        return Response("EVENT_RECEIVED", status=200, mimetype="text/plain")

    return blueprint


def _signed(body: bytes, header: str, secret: bytes) -> bool:
    """X-Hub-Signature-256 is 'sha256=' + HMAC-SHA256 of the exact raw body with the app secret."""
    scheme, _, received = header.partition("=")
    if scheme != "sha256" or not received:
        return False
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)
