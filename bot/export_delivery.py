"""An export's Slack side: a progress message in the requester's DM, kept up to date (at most every
2 s), then the CSV uploaded there (files.getUploadURLExternal, the upload, files.completeUploadExternal:
slack_sdk's files_upload_v2).

The calls the export cannot do without (opening the DM, the upload) raise `SlackTrouble`, which says
whether trying again later may help and when; progress updates are best effort and never stop it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError, SlackRequestError

from bot.slack_client import safe_call
from bot.throttle import Throttle
from bot.views.blocks import Message, escape
from bot.views.format import slack_date

logger = logging.getLogger(__name__)

# Slack trouble without a Retry-After (a 5xx, Slack unreachable) is tried again this much later.
RETRY_AFTER = 30.0
# Errors that no later attempt can get past: the app lost its token or scope, or uploads are off.
_HOPELESS = frozenset(
    {
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "not_authed",
        "missing_scope",
        "no_permission",
        "user_not_found",
        "user_disabled",
        "file_uploads_disabled",
        "file_upload_disabled",
        "cannot_dm_bot",
    }
)


class SlackTrouble(Exception):
    """Slack did not take a call the export needs. `retry_after`: seconds, or None when retrying is
    pointless. The message is user-facing (Slack's error code, never a token)."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def required(what: str, method: Callable[..., Any], **kwargs: Any) -> Any:
    """Call `method`, turning Slack's refusals into SlackTrouble."""
    try:
        return method(**kwargs)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
        if exc.response.status_code == 429:
            try:
                wait = max(1.0, float(exc.response.headers.get("Retry-After", RETRY_AFTER)))
            except (TypeError, ValueError):
                wait = RETRY_AFTER
            raise SlackTrouble(f"Slack is rate limiting {what}", wait) from None
        raise SlackTrouble(f"Slack refused {what}: {error}", None if error in _HOPELESS else RETRY_AFTER) from None
    except SlackRequestError as exc:  # refused before it was sent (a file over Slack's size limit)
        raise SlackTrouble(f"Slack cannot take {what}: {exc}", None) from None
    except (SlackClientError, OSError) as exc:  # urllib's connection errors are OSErrors
        raise SlackTrouble(f"Slack could not be reached for {what} ({type(exc).__name__})", RETRY_AFTER) from None


def file_name(page_name: str, stage: str | None, when: datetime) -> str:
    """`fig-bakery-qualified-lead-2026-12-07.csv`: letters of any script kept, the rest dashes."""
    words = "-".join(part for part in (page_name, stage) if part)
    slug = re.sub(r"[\W_]+", "-", words.casefold()).strip("-") or "contacts"
    return f"{slug[:80]}-{when:%Y-%m-%d}.csv"


class ExportDM:
    """The requester's DM: opened once, with one progress message (a retried export passes the
    message it posted before, so the user sees one message, not one per attempt)."""

    def __init__(
        self,
        client: WebClient,
        user_id: str,
        message: tuple[str, str] | None,
        log: logging.Logger | logging.LoggerAdapter = logger,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._user_id = user_id
        self._message = message
        self._log = log
        self._throttle = Throttle(clock)

    def open(self, first: Message) -> tuple[str, str]:
        """The DM channel and the progress message (posted now unless there is one): (channel, ts)."""
        if self._message is None:
            dm = required("a direct message", self._client.conversations_open, users=self._user_id)
            channel = dm["channel"]["id"]
            posted = required("a direct message", self._client.chat_postMessage, channel=channel, **first)
            self._message = (posted["channel"], posted["ts"])
        else:
            self.update(first, force=True)
        self._throttle.mark()
        return self._message

    def update(self, message: Message, *, force: bool = False) -> None:
        """Rewrite the progress message, unless it was rewritten under 2 s ago (and not `force`)."""
        if self._message is None or (not force and not self._throttle.due):
            return
        self._throttle.mark()
        channel, ts = self._message
        safe_call(self._client.chat_update, self._log, channel=channel, ts=ts, **message)

    def tell(self, message: Message) -> None:
        """Best effort, for an export that failed: in its progress message, or a DM of its own."""
        if self._message is not None:
            self.update(message, force=True)
            return
        dm = safe_call(self._client.conversations_open, self._log, users=self._user_id)
        if dm is not None:
            safe_call(self._client.chat_postMessage, self._log, channel=dm["channel"]["id"], **message)

    def upload(self, path: str, filename: str, comment: str) -> None:
        assert self._message is not None, "open() first"
        required(
            "the file",
            self._client.files_upload_v2,
            file=path,
            filename=filename,
            title=filename,
            channel=self._message[0],
            initial_comment=comment,
        )


def upload_comment(page_name: str, stage: str | None, rows: int, when: datetime) -> str:
    what = escape(f"{page_name} ({stage})" if stage else page_name)
    return f"{what}: {rows:,} contacts, as of {slack_date(when, '{date_short} {time}')}"
