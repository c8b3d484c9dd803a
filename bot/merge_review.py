"""Posting a page's merge suggestions in its notify channel: a pair of cards each, or one digest for
many. What Slack accepted is reported as posted; what it refused for now is left for a retry."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from slack_sdk import WebClient

from bot.alerts import post_to_channel
from bot.views.merge_review import ALONE_AT_MOST, merge_digest, merge_suggestion
from core.leads import Lead
from core.merge.review import Suggestion
from core.pages import Page

logger = logging.getLogger(__name__)


@dataclass
class PostedReview:
    sent: list[Suggestion] = field(default_factory=list)
    retry_after: float | None = None  # seconds until the rest is tried again; None: nothing to retry now


def post_merge_review(
    client: WebClient,
    page: Page,
    channel: str,
    pending: Sequence[Suggestion],
    leads: Mapping[int, Lead],
    log: logging.Logger | logging.LoggerAdapter = logger,
) -> PostedReview:
    """`pending`: best first; `leads`: by contact id, both contacts of every pair shown."""
    posted = PostedReview()
    if len(pending) > ALONE_AT_MOST:
        accepted, posted.retry_after = post_to_channel(
            client, channel, merge_digest(page, pending, leads), log, "merge review"
        )
        if accepted:
            posted.sent.extend(pending)
        return posted
    for suggestion in pending:
        if suggestion.messenger_contact_id not in leads or suggestion.instagram_contact_id not in leads:
            continue
        accepted, posted.retry_after = post_to_channel(
            client, channel, merge_suggestion(page, suggestion, leads), log, "merge review"
        )
        if not accepted:
            break
        posted.sent.append(suggestion)
    return posted
