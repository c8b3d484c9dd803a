"""The Bolt app: one factory for HTTP mode (mounted in Flask) and Socket Mode (`python -m bot`)."""
from __future__ import annotations

from typing import Any, Callable

from slack_bolt import App, BoltContext

from bot import listeners
from bot.deps import BotDeps
from bot.slack_client import web_client


def create_bolt_app(deps: BotDeps) -> App:
    settings = deps.settings
    settings.require("slack_bot_token", "slack_signing_secret")
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
