"""Socket Mode, for workspaces without a public URL: `python -m bot` (needs SLACK_APP_TOKEN)."""

from __future__ import annotations

import os

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import create_bolt_app
from bot.deps import BotDeps
from core import db, logfmt
from core.config import Settings
from core.connect import StateSigner, link_maker
from core.redis_keys import redis_connection


def main() -> None:
    logfmt.configure(os.environ.get("FBSYNC_LOG_LEVEL", "INFO"))
    settings = Settings.from_env()
    settings.require(
        "database_url",
        "redis_url",
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "fb_app_secret",
        "public_url",
    )
    assert settings.database_url and settings.fb_app_secret and settings.public_url
    connection = redis_connection(settings)
    links = link_maker(StateSigner(settings.fb_app_secret, connection), settings.public_url)
    deps = BotDeps(settings, db.open_pool(settings.database_url), links)
    SocketModeHandler(create_bolt_app(deps), settings.slack_app_token).start()


if __name__ == "__main__":
    main()
