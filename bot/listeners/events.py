"""Events API listeners. Bolt acknowledges an event before its listener runs, so these may take time."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.deps import BotDeps
from bot.home import publish_home
from core import home, pages, work
from core.logfmt import ContextLogger

logger = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)


def home_opened(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """Someone opened the app's Home tab: their home, published now and kept current from now on."""
    if event.get("tab") != "home":
        return  # the Messages tab
    deps: BotDeps = context["fbsync"]
    team_id, user_id = context.team_id, event["user"]
    assert team_id is not None  # an event callback always names its workspace
    log = ContextLogger(logger, {"team_id": team_id, "user": user_id})
    with deps.pool.connection() as conn, conn.transaction():
        organization_id = pages.ensure_organization(conn, team_id)
        home.record_open(conn, organization_id, user_id)
    published = publish_home(client, deps.pool, organization_id, [user_id], log)
    if published.pictures_pending:
        with deps.pool.connection() as conn:
            work.owe(conn, work.Kind.HOME, organization_id, delay_seconds=home.PUBLISH_DEBOUNCE)
