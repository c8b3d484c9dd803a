"""The daily token check: every connected page's token asked about, dead ones flagged, dying ones announced."""

from __future__ import annotations

import logging
from datetime import datetime

from bot import views
from bot.slack_client import SlackClients, safe_call
from core import pages
from core.config import Settings
from core.db import Pool
from core.graph import GraphClient, GraphError
from core.logfmt import ContextLogger
from core.token_health import inspect_token, record
from core.tokens import TokenCipher, TokenUnreadable

logger = logging.getLogger(__name__)


def check_page_tokens(pool: Pool, settings: Settings, now: datetime) -> int:
    """Ask Meta about every connected page's token; flag dead ones, announce dying ones in the page's
    notify channel. Returns the problems found."""
    assert settings.fb_app_id and settings.fb_app_secret
    cipher = TokenCipher.from_settings(settings)
    app_graph = GraphClient.for_page(settings, f"{settings.fb_app_id}|{settings.fb_app_secret}")
    clients = SlackClients(settings, pool)
    problems = 0
    with pool.connection() as conn:
        for page in pages.connected_pages(conn):
            log = ContextLogger(logger, {"page_id": page.page_id})
            try:
                health = inspect_token(app_graph, cipher.decrypt(page.token_ciphertext))
            except (GraphError, TokenUnreadable) as exc:
                log.warning("token check failed: %s", exc)
                continue
            record(conn, page, health)
            if not health.valid or health.expiring(now):
                problems += 1
                log.warning("page token %s", "invalid" if not health.valid else f"expires {health.expires_at}")
                client = clients.for_page(page) if page.notify_channel else None
                if client:
                    message = views.token_warning(page, health.valid, health.expires_at, now)
                    safe_call(client.chat_postMessage, channel=page.notify_channel, **message)
    return problems
