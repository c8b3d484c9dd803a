"""Posting a page's lead alerts in its notify channel: a card each, or one digest for a burst. What
Slack accepted is reported as sent; what it refused for now is left for a retry after Retry-After."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.progress import rate_limit_wait
from bot.views.alerts import ALONE_AT_MOST, alert_digest, carded, lead_alert
from bot.views.blocks import Message
from core.alerts import Alert
from core.leads import Lead
from core.pages import Page
from core.pipeline import Stage

logger = logging.getLogger(__name__)

# Slack trouble without a Retry-After (an outage past the client's own retries) is tried again this much later.
RETRY_AFTER = 10.0
# Slack errors after which posting cannot work until someone acts (invites the bot, reinstalls the
# app): the alerts stay unsent and go out with the page's next ones.
_CANNOT_POST = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "not_authed",
        "restricted_action",
        "invalid_blocks",
    }
)


@dataclass
class Posted:
    sent: list[Alert] = field(default_factory=list)  # Slack accepted their messages
    retry_after: float | None = None  # seconds until the rest is tried again; None: nothing to retry now


def post_alerts(
    client: WebClient,
    page: Page,
    channel: str,
    news: Sequence[Alert],
    leads: Mapping[int, Lead],
    stages: Sequence[Stage],
    log: logging.Logger | logging.LoggerAdapter = logger,
) -> Posted:
    """`news`: best first; `leads`: by contact id, at least those of `carded(news)`."""
    posted = Posted()
    if len(news) > ALONE_AT_MOST:
        shown = [leads[alert.contact_id] for alert in carded(news) if alert.contact_id in leads]
        accepted, posted.retry_after = post_to_channel(client, channel, alert_digest(page, news, shown, stages), log)
        if accepted:
            posted.sent.extend(news)
        return posted
    for alert in news:
        lead = leads.get(alert.contact_id)
        if lead is None:  # deleted since (its alert went with it)
            continue
        accepted, posted.retry_after = post_to_channel(
            client, channel, lead_alert(page, alert.stage, lead, stages), log
        )
        if not accepted:
            break
        posted.sent.append(alert)
    return posted


def post_to_channel(
    client: WebClient,
    channel: str,
    posted: Message,
    log: logging.Logger | logging.LoggerAdapter,
    what: str = "lead alert",
) -> tuple[bool, float | None]:
    """Whether Slack accepted the message; if not, the seconds to wait before trying again (None: it
    cannot be posted until someone acts)."""
    try:
        client.chat_postMessage(channel=channel, unfurl_links=False, **posted)
        return True, None
    except SlackApiError as exc:
        wait = rate_limit_wait(exc)
        if wait is not None:
            log.info("%s rate limited retry_after=%.0f", what, wait)
            return False, wait
        error = exc.response.get("error")
        if error in _CANNOT_POST:
            log.warning("%s cannot be posted channel=%s error=%s", what, channel, error)
            return False, None
        log.warning("%s failed error=%s", what, error)
    except (SlackClientError, OSError) as exc:  # urllib's connection errors are OSErrors
        log.warning("%s failed: slack unreachable error=%s", what, type(exc).__name__)
    return False, RETRY_AFTER
