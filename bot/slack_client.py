"""The Slack Web API client every part of fbsync uses: base URL from settings, Slack's retry rules."""
from __future__ import annotations

import logging
from typing import Any, Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from core.config import Settings

logger = logging.getLogger(__name__)


def web_client(settings: Settings, *, wait_on_rate_limit: bool = True) -> WebClient:
    """`wait_on_rate_limit=False` for callers that must not sleep (a sync's progress): a 429 is raised."""
    settings.require("slack_bot_token")
    return WebClient(
        token=settings.slack_bot_token,
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
