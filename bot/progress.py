"""Posts a sync's progress to Slack: the parent message, a live progress reply in its thread,
milestones, and the final state. Slack trouble is logged and never fails the sync.

The reporter runs in the sync's thread, so it never waits on Slack: its client does not sleep on a
429, and while a method is rate limited its calls are skipped (progress is coalesced: the next call
after Retry-After shows the newest state). The final parent rewrite must land, so when it cannot
land now it is handed to `retry_final` (a job that tries again after Retry-After).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import views
from bot.slack_client import safe_call
from bot.throttle import MIN_UPDATE_INTERVAL, Throttle
from core.jobs import JobStatus, SyncJob
from core.logfmt import ContextLogger
from core.pages import Page
from core.schedule import SCHEDULED_BY
from core.sync import SilentReporter, SyncProgress

logger = logging.getLogger(__name__)

# A failed final rewrite that Slack did not answer with a Retry-After is tried again this much later.
FINAL_RETRY_AFTER = 10.0
# Slack errors after which a rewrite can never land (the message or channel is gone, the app removed).
_FINAL_IS_HOPELESS = frozenset(
    {
        "message_not_found",
        "channel_not_found",
        "cant_update_message",
        "edit_window_closed",
        "is_archived",
        "not_in_channel",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "not_authed",
        "invalid_blocks",
    }
)

# (seconds to wait) -> hand the final parent rewrite to something that tries again then.
RetryFinal = Callable[[float], None]


def rewrite_parent(
    client: WebClient,
    page: Page,
    job: SyncJob,
    breakdown: list[tuple[str, int]],
    log: logging.Logger | logging.LoggerAdapter = logger,
) -> float | None:
    """Rewrite the job's parent message with its final state: None once it landed (or never can),
    otherwise the seconds to wait before trying again."""
    if not (job.slack_channel and job.slack_thread_ts):
        return None
    try:
        client.chat_update(
            channel=job.slack_channel,
            ts=job.slack_thread_ts,
            **views.sync_finished(page, job.requested_by or "", job, breakdown, _now()),
        )
        return None
    except SlackApiError as exc:
        wait = rate_limit_wait(exc)
        if wait is not None:
            log.info("final sync message rate limited retry_after=%.0f", wait)
            return wait
        error = exc.response.get("error")
        if error in _FINAL_IS_HOPELESS:
            log.warning("final sync message cannot be written error=%s", error)
            return None
        log.warning("final sync message failed error=%s", error)
    except (SlackClientError, OSError) as exc:  # urllib's connection errors are OSErrors
        log.warning("final sync message failed: slack unreachable error=%s", type(exc).__name__)
    return FINAL_RETRY_AFTER


def rate_limit_wait(exc: SlackApiError) -> float | None:
    """Slack's Retry-After of a 429, in seconds; None when the error is not a rate limit."""
    if exc.response.status_code != 429:
        return None
    try:
        return max(0.0, float(exc.response.headers.get("Retry-After", FINAL_RETRY_AFTER)))
    except (TypeError, ValueError):
        return FINAL_RETRY_AFTER


class SlackProgressReporter:
    """A SyncReporter for a job whose parent message (channel, thread ts) already exists."""

    def __init__(
        self,
        client: WebClient,
        page: Page,
        job: SyncJob,
        stage_breakdown: Callable[[], list[tuple[str, int]]],
        *,
        clock: Callable[[], float] = time.monotonic,
        min_interval: float = MIN_UPDATE_INTERVAL,
        retry_final: RetryFinal | None = None,
    ) -> None:
        if not (job.slack_channel and job.slack_thread_ts):
            raise ValueError("the job has no Slack thread to report to")
        self._client = client
        self._page = page
        self._job = job
        self._channel: str = job.slack_channel
        self._thread_ts: str = job.slack_thread_ts
        self._stage_breakdown = stage_breakdown
        self._clock = clock
        self._throttle = Throttle(clock, min_interval)
        self._progress_ts: str | None = None
        self._pending: SyncProgress | None = None
        self._retry_final = retry_final
        # Web API method -> clock reading before which Slack asked us not to call it again.
        self._rate_limited_until: dict[str, float] = {}
        self.log = ContextLogger(logger, {"job_id": job.id, "page_id": page.page_id})

    def started(self, progress: SyncProgress) -> None:
        posted = self._call(
            "chat_postMessage",
            channel=self._channel,
            thread_ts=self._thread_ts,
            **views.sync_progress(progress, _now()),
        )
        if posted is not None:
            self._progress_ts = posted["ts"]
            self._throttle.mark()

    def progress(self, progress: SyncProgress) -> None:
        """Latest state wins: skipped updates are not queued, the next allowed one shows the newest."""
        self._pending = progress
        if self._throttle.due:
            self._flush()

    def platform_finished(self, progress: SyncProgress) -> None:
        self.progress(progress)
        self._call(
            "chat_postMessage",
            channel=self._channel,
            thread_ts=self._thread_ts,
            **views.platform_done(progress, _now()),
        )

    def finished(self, job: SyncJob, progress: SyncProgress) -> None:
        self._pending = progress
        self._flush()
        if job.errors:
            self._call("chat_postMessage", channel=self._channel, thread_ts=self._thread_ts, **views.error_digest(job))
        limited = self._rate_limited_until.get("chat_update", float("-inf")) - self._clock()
        wait = (
            limited if limited > 0 else rewrite_parent(self._client, self._page, job, self._stage_breakdown(), self.log)
        )
        if wait is not None:
            if self._retry_final is None:
                self.log.warning("final sync message not written and nothing to retry it")
            else:
                self._retry_final(wait)

    def _flush(self) -> None:
        if self._pending is None or self._progress_ts is None:
            return
        if (
            self._call(
                "chat_update", channel=self._channel, ts=self._progress_ts, **views.sync_progress(self._pending, _now())
            )
            is not None
        ):
            self._pending = None
        self._throttle.mark()

    def _call(self, method: str, **kwargs: Any) -> Any:
        """The call, or None when Slack refused it or asked us to wait (then calls are skipped until then)."""
        if self._clock() < self._rate_limited_until.get(method, float("-inf")):
            return None
        try:
            return getattr(self._client, method)(**kwargs)
        except SlackApiError as exc:
            wait = rate_limit_wait(exc)
            if wait is None:
                self.log.warning("slack call failed method=%s error=%s", method, exc.response.get("error"))
            else:
                self._rate_limited_until[method] = self._clock() + wait
                self.log.info("slack rate limited method=%s retry_after=%.0f", method, wait)
        except (SlackClientError, OSError) as exc:
            self.log.warning("slack unreachable method=%s error=%s", method, type(exc).__name__)
        return None


def _now() -> datetime:
    return datetime.now(UTC)


class ScheduledSummaryReporter(SilentReporter):
    """For scheduled syncs: one line in the page's notify channel, and only when something changed."""

    def __init__(self, client: WebClient, page: Page, new_contacts: Callable[[datetime], int]) -> None:
        if not page.notify_channel:
            raise ValueError("the page has no notify channel")
        self._client = client
        self._page = page
        self._channel: str = page.notify_channel
        self._new_contacts = new_contacts
        self.log = ContextLogger(logger, {"page_id": page.page_id})

    def finished(self, job: SyncJob, progress: SyncProgress) -> None:
        if job.status is JobStatus.COMPLETED and job.analysis_backlog and job.analysis_completed_at is None:
            return  # the analysis job sends the summary once the stage changes are known
        self.summarize(job)

    def summarize(self, job: SyncJob) -> None:
        new = self._new_contacts(job.started_at) if job.started_at else 0
        quiet = job.status is JobStatus.COMPLETED and not (new or job.stage_changes or job.failed_contacts)
        if not quiet:
            safe_call(
                self._client.chat_postMessage,
                self.log,
                channel=self._channel,
                **views.scheduled_summary(self._page, job, new),
            )


class SlackAnalysisReporter:
    """The page's analysis job, after the sync that started it has finished: keeps that sync's parent
    message up to date ("1,230 of 4,000 analysed · about 31 min left at 90/min") until analysis is
    complete. While the sync runs, the sync's own progress reply shows the analysis."""

    def __init__(
        self,
        client: WebClient,
        page: Page,
        stage_breakdown: Callable[[], list[tuple[str, int]]],
        scheduled: ScheduledSummaryReporter | None = None,
        *,
        retry_final: Callable[[SyncJob, float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        min_interval: float = MIN_UPDATE_INTERVAL,
    ) -> None:
        self._client = client
        self._page = page
        self._stage_breakdown = stage_breakdown
        # For scheduled syncs (no thread): the one-line summary in the notify channel, once complete.
        self._scheduled = scheduled
        # The last word must land: refused for now, it is handed on (job, seconds to wait).
        self._retry_final = retry_final
        self._throttle = Throttle(clock, min_interval)
        self.log = ContextLogger(logger, {"page_id": page.page_id})

    def update(self, job: SyncJob, *, final: bool = False) -> None:
        if job.is_active:
            return
        if not (job.slack_channel and job.slack_thread_ts):
            if final and self._scheduled and job.requested_by == SCHEDULED_BY and job.analysis_completed_at:
                self._scheduled.summarize(job)
            return
        if not final and not self._throttle.due:
            return
        self._throttle.mark()
        wait = rewrite_parent(self._client, self._page, job, self._stage_breakdown(), self.log)
        if wait is not None and final and self._retry_final:
            self._retry_final(job, wait)
