"""The Slack Web API clients every part of fbsync uses: base URL from settings, Slack's retry rules,
and the right bot token for each workspace."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from core import installations
from core.config import Settings
from core.db import Pool
from core.pages import Page
from core.tokens import TokenCipher

logger = logging.getLogger(__name__)


def web_client(settings: Settings, *, wait_on_rate_limit: bool = True) -> WebClient:
    """The single-workspace client (SLACK_BOT_TOKEN). `wait_on_rate_limit=False` for callers that must
    not sleep (a sync's progress): a 429 is raised."""
    settings.require("slack_bot_token")
    return api_client(settings, settings.slack_bot_token, wait_on_rate_limit=wait_on_rate_limit)


def api_client(settings: Settings, token: str | None, *, wait_on_rate_limit: bool = True) -> WebClient:
    """A client with `token` (None: for calls that need none, such as oauth.v2.access)."""
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[
            # Sleeps for Slack's Retry-After before trying again.
            *([RateLimitErrorRetryHandler(max_retry_count=3)] if wait_on_rate_limit else []),
            ConnectionErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def safe_call(method: Callable[..., Any], log: logging.Logger | logging.LoggerAdapter = logger, **kwargs: Any) -> Any:
    """Call a Web API method where Slack trouble must not stop the work: log it and return None."""
    try:
        return method(**kwargs)
    except SlackApiError as exc:
        log.warning("slack call failed method=%s error=%s", method.__name__, exc.response.get("error"))
    except (SlackClientError, OSError) as exc:  # urllib's connection errors are OSErrors
        log.warning("slack unreachable method=%s error=%s", method.__name__, type(exc).__name__)
    return None


class SlackClients:
    """The client for a workspace: its installation's bot token with "Add to Slack", SLACK_BOT_TOKEN
    otherwise; None when fbsync has no way to talk to that workspace (not installed, or no Slack).
    `wait_on_rate_limit` as for web_client."""

    def __init__(self, settings: Settings, pool: Pool, *, wait_on_rate_limit: bool = True) -> None:
        self._settings = settings
        self._pool = pool
        self._wait_on_rate_limit = wait_on_rate_limit
        single = settings.slack_bot_token and not settings.slack_multi_workspace
        self._single = web_client(settings, wait_on_rate_limit=wait_on_rate_limit) if single else None

    def for_page(self, page: Page) -> WebClient | None:
        return self._installed(organization_id=page.organization_id)

    def for_organization(self, organization_id: int) -> WebClient | None:
        return self._installed(organization_id=organization_id)

    def for_team(self, team_id: str) -> WebClient | None:
        return self._installed(team_id=team_id)

    def _installed(self, *, organization_id: int | None = None, team_id: str | None = None) -> WebClient | None:
        if not self._settings.slack_multi_workspace:
            return self._single
        cipher = TokenCipher.from_settings(self._settings)
        with self._pool.connection() as conn:
            if team_id is not None:
                bot = installations.find(conn, cipher, team_id)
                token = bot.bot_token if bot else None
            else:
                assert organization_id is not None
                token = installations.bot_token_of_organization(conn, cipher, organization_id)
        return api_client(self._settings, token, wait_on_rate_limit=self._wait_on_rate_limit) if token else None
