"""The Bolt app: one factory for HTTP mode (mounted in Flask) and Socket Mode (`python -m bot`).

Single-workspace with SLACK_BOT_TOKEN; with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, "Add to Slack"
for any number of workspaces: Bolt's OAuth flow at INSTALL_PATH, installations in PostgreSQL, and
each request answered with the bot token of the workspace it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

from slack_bolt import App, BoltContext
from slack_bolt.oauth.oauth_settings import OAuthSettings

from bot import listeners
from bot.deps import BotDeps
from bot.installation_store import PostgresInstallationStore, PostgresOAuthStateStore
from bot.slack_client import api_client, web_client
from core.tokens import TokenCipher

# What the code needs (manifest.json asks for the same; a test keeps them equal).
BOT_SCOPES = ("chat:write", "commands", "files:write", "im:write", "users:read")
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def create_bolt_app(deps: BotDeps) -> App:
    settings = deps.settings
    settings.require("slack_signing_secret")
    if settings.slack_multi_workspace:
        app = App(
            signing_secret=settings.slack_signing_secret,
            client=api_client(settings, None),
            oauth_settings=_oauth_settings(deps),
        )
        # app_uninstalled and tokens_revoked delete the workspace's token; its pages and contacts stay.
        app.enable_token_revocation_listeners()
    else:
        settings.require("slack_bot_token")
        app = App(
            token=settings.slack_bot_token,
            signing_secret=settings.slack_signing_secret,
            client=web_client(settings),
            # No auth.test at start: Slack being unreachable must not stop the web process, which also
            # takes Meta's webhooks. A bad token shows up, clearly, on the first Slack call instead.
            token_verification_enabled=False,
        )

    @app.middleware
    def provide_deps(context: BoltContext, next: Callable[[], Any]) -> Any:
        context["fbsync"] = deps
        return next()

    listeners.register(app)
    return app


def _oauth_settings(deps: BotDeps) -> OAuthSettings:
    settings = deps.settings
    settings.require("slack_client_id", "slack_client_secret", "public_url")
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        redirect_uri=f"{settings.public_url}{REDIRECT_PATH}",
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        # The install link goes straight to Slack's consent screen.
        install_page_rendering_enabled=False,
        # Slack's authorize page lives beside its Web API (https://slack.com/api/ -> /oauth/v2/authorize).
        authorization_url=urljoin(settings.slack_api_url, "../oauth/v2/authorize"),
        installation_store=PostgresInstallationStore(deps.pool, TokenCipher.from_settings(settings)),
        installation_store_bot_only=True,
        state_store=PostgresOAuthStateStore(deps.pool),
    )
