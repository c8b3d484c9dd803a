"""Posts a sync's progress to Slack: the parent message, a live progress reply in its thread,
milestones, and the final state. Slack trouble is logged and never fails the sync."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any, Callable

from slack_sdk import WebClient

from bot import views
from bot.slack_client import safe_call
from core.jobs import JobStatus, SyncJob
from core.logfmt import ContextLogger
from core.pages import Page
from core.sync import SilentReporter, SyncProgress

logger = logging.getLogger(__name__)

# Slack allows about one update per second per message; every two seconds keeps well clear of it.
MIN_UPDATE_INTERVAL = 2.0


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
        self._min_interval = min_interval
        self._progress_ts: str | None = None
        self._last_update = float("-inf")
        self._pending: SyncProgress | None = None
        self.log = ContextLogger(logger, {"job_id": job.id, "page_id": page.page_id})

    def started(self, progress: SyncProgress) -> None:
        posted = self._call("chat_postMessage", channel=self._channel, thread_ts=self._thread_ts,
                            **views.sync_progress(progress, _now()))
        if posted is not None:
            self._progress_ts = posted["ts"]
            self._last_update = self._clock()

    def progress(self, progress: SyncProgress) -> None:
        """Latest state wins: skipped updates are not queued, the next allowed one shows the newest."""
        self._pending = progress
        if self._clock() - self._last_update >= self._min_interval:
            self._flush()

    def platform_finished(self, progress: SyncProgress) -> None:
        self.progress(progress)
        self._call("chat_postMessage", channel=self._channel, thread_ts=self._thread_ts,
                   **views.platform_done(progress, _now()))

    def finished(self, job: SyncJob, progress: SyncProgress) -> None:
        self._pending = progress
        self._flush()
        if job.errors:
            self._call("chat_postMessage", channel=self._channel, thread_ts=self._thread_ts,
                       **views.error_digest(job))
        self._call("chat_update", channel=self._channel, ts=self._thread_ts,
                   **views.sync_finished(self._page, job.requested_by or "", job, self._stage_breakdown(), _now()))

    def _flush(self) -> None:
        if self._pending is None or self._progress_ts is None:
            return
        self._call("chat_update", channel=self._channel, ts=self._progress_ts,
                   **views.sync_progress(self._pending, _now()))
        self._pending = None
        self._last_update = self._clock()

    def _call(self, method: str, **kwargs: Any) -> Any:
        return safe_call(getattr(self._client, method), self.log, **kwargs)


def _now() -> datetime:
    return datetime.now(timezone.utc)


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
        new = self._new_contacts(job.started_at) if job.started_at else 0
        quiet = job.status is JobStatus.COMPLETED and not (new or job.stage_changes or job.failed_contacts)
        if not quiet:
            safe_call(self._client.chat_postMessage, self.log, channel=self._channel,
                      **views.scheduled_summary(self._page, job, new))
