"""Meta webhooks: the verification handshake and deliveries, stored durably before they are acknowledged.

Meta resends every delivery not answered 200 (whatever the status: its Messenger webhook reference
says to always return 200 OK) and disables a webhook that keeps failing. So the answers are: 200
when stored or deliberately ignored (refused items, and bodies that can never be stored, are put on
record in `webhook_rejections`), 403 for a bad signature, 413 for an oversize body (both before we
read it as Meta's), and 503 only while PostgreSQL is unreachable, which a resend can cure. The
request does one cheap insert (`webhook_inbox`, core/webhook_store.py) and touches nothing else:
the dispatcher's drain expands it into events, contacts, messages and owed refreshes within seconds, so
neither that work nor Redis slows or fails an acknowledgement.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

import psycopg
from flask import Blueprint, Response, request
from psycopg_pool import PoolTimeout

from core import metrics
from core.config import Settings
from core.db import Pool
from core.webhook_events import MalformedDelivery, Rejection, body_text, load_body, parse_delivery
from core.webhook_store import accept_delivery, is_transient, record_rejection

logger = logging.getLogger(__name__)


def facebook_blueprint(settings: Settings, pool: Pool) -> Blueprint:
    settings.require("fb_app_secret", "fb_verify_token")
    assert settings.fb_app_secret and settings.fb_verify_token
    app_secret = settings.fb_app_secret.encode()
    verify_token = settings.fb_verify_token
    blueprint = Blueprint("facebook", __name__)

    @blueprint.get("/webhooks/facebook")
    def verify() -> Response:
        args = request.args
        if args.get("hub.mode") == "subscribe" and hmac.compare_digest(
            args.get("hub.verify_token", "").encode(), verify_token.encode()
        ):
            return Response(args.get("hub.challenge", ""), status=200, mimetype="text/plain")
        return Response("verification failed", status=403, mimetype="text/plain")

    def refuse_whole(body: bytes, reason: str, why: str, obj: str | None = None) -> Response:
        """A signed body that can never be stored: on record for an operator (whole, to be replayed
        once fixed) and acknowledged, since a resend would be refused again."""
        try:
            with pool.connection(timeout=3) as conn:
                record_rejection(conn, Rejection("body", reason, body_text(body), obj))
        except (psycopg.Error, PoolTimeout):
            logger.exception("webhook not recorded: database unavailable; Meta will retry reason=%s", reason)
            return _unavailable()
        logger.warning("webhook refused as a whole and recorded reason=%s bytes=%d", reason, len(body))
        metrics.webhook_rejected(why)
        return _received()

    @blueprint.post("/webhooks/facebook")
    def receive() -> Response:
        started = time.perf_counter()
        body = request.get_data(cache=False)
        if not _signed(body, request.headers.get("X-Hub-Signature-256", ""), app_secret):
            logger.warning("webhook refused: missing or wrong signature")
            metrics.webhook_rejected("signature")
            return Response("invalid signature", status=403, mimetype="text/plain")
        try:
            delivery = parse_delivery(load_body(body))
        except MalformedDelivery as exc:
            return refuse_whole(body, str(exc), "malformed")
        try:
            with pool.connection(timeout=3) as conn:
                accepted = accept_delivery(conn, delivery)
        except PoolTimeout:
            logger.exception("webhook not stored: database unavailable; Meta will retry")
            return _unavailable()
        except psycopg.Error as exc:
            if is_transient(exc):  # a resend can cure it
                logger.exception("webhook not stored: database unavailable; Meta will retry")
                return _unavailable()
            logger.exception("webhook refused by the database sqlstate=%s", exc.sqlstate)
            return refuse_whole(body, f"refused by the database ({type(exc).__name__})", "database", delivery.object)
        except Exception as exc:  # a bug must not become a 500 that Meta resends until it disables us
            logger.exception("webhook not stored: unexpected error")
            return refuse_whole(body, f"unexpected error ({type(exc).__name__})", "error", delivery.object)
        rejected = len(delivery.rejections)
        metrics.webhook_items(accepted, rejected)
        # A clean delivery's line is DEBUG: at INFO, the line alone cost a third of the acknowledgement
        # rate under load (README "Performance"), and the drain's line per run and the counters say
        # what arrived. What was refused is always said.
        level = logging.WARNING if rejected else logging.DEBUG
        if logger.isEnabledFor(level):
            accounts = sorted({e.account_id for e in delivery.events})
            logger.log(
                level,
                "webhook accepted object=%s accounts=%s items=%d rejected=%d ms=%.1f",
                delivery.object,
                ",".join(accounts[:5]) or "-",
                accepted,
                rejected,
                (time.perf_counter() - started) * 1000,
            )
        return _received()

    return blueprint


def _received() -> Response:
    return Response("EVENT_RECEIVED", status=200, mimetype="text/plain")


def _unavailable() -> Response:
    return Response("temporarily unavailable", status=503, mimetype="text/plain")


def _signed(body: bytes, header: str, secret: bytes) -> bool:
    """X-Hub-Signature-256 is 'sha256=' + HMAC-SHA256 of the exact raw body with the app secret."""
    scheme, _, received = header.partition("=")
    if scheme != "sha256" or not received:
        return False
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest().encode()
    # Header values arrive as latin-1 text; compared as bytes, a non-ASCII one is just wrong, not an error.
    return hmac.compare_digest(expected, received.encode("latin-1", "replace"))
