"""The App Home job: a workspace's home published again, to everyone who opened it lately, after its
pages' syncs and analysis batches (core/home.py owes it, debounced)."""

from __future__ import annotations

import logging

from bot.home import publish_home
from bot.slack_client import SlackClients
from core import home, work
from core.logfmt import ContextLogger
from worker.resources import held_work

logger = logging.getLogger(__name__)


def publish_home_tabs(organization_id: int, dispatch_id: int) -> str:
    with held_work(work.Kind.HOME, organization_id, dispatch_id) as held:
        if held is None:
            return "not owed"
        settings, pool, claim = held
        log = ContextLogger(logger, {"organization_id": organization_id})
        with pool.connection() as conn:
            users = home.audience(conn, organization_id)
        # No client: Slack is not configured, or the workspace uninstalled the app.
        client = SlackClients(settings, pool).for_organization(organization_id) if users else None
        published = publish_home(client, pool, organization_id, users, log) if client else None
        with pool.connection() as conn:
            if published is not None and published.pictures_pending:
                work.release(conn, work.Kind.HOME, organization_id, home.PUBLISH_DEBOUNCE)
            else:
                # Changes since the claim were left out: one more publish, debounced as they were.
                work.settle(conn, work.Kind.HOME, organization_id, claim.version, again_in=home.PUBLISH_DEBOUNCE)
        if published is None:
            return "nobody to publish to"
        log.info("home published users=%d of=%d", published.users, len(users))
        return f"published {published.users}"
