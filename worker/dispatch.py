"""The dispatcher: `python -m worker.dispatch`, the Procfile's `dispatcher`. One loop, twice a second:

1. expands the webhook deliveries acknowledged since (PostgreSQL only: it goes on while Redis is down,
   so messages appear within about a second of their 200 whatever Redis does);
2. every minute, the safety nets, also PostgreSQL only: syncs whose worker died are failed (and their
   Slack message owed), pages with analysis backlog and nothing owed get their analysis owed,
   scheduled syncs that are due are created;
3. puts the pending work that is due (core/work.py) on the RQ queues: Redis down only postpones this
   step to the first tick after it is back.

It keeps nothing of its own: stopped, killed or run twice, it loses nothing and queues nothing twice
(rows are claimed with FOR UPDATE SKIP LOCKED, and a job of an older dispatch does nothing).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType

import psycopg
import redis
from psycopg_pool import PoolTimeout
from rq import Queue

from core import backlog, db, jobs, metrics, schedule, work
from core.config import Settings
from core.db import Pool
from core.logfmt import ContextLogger
from core.redis_keys import DISPATCH_EPOCH, redis_connection
from core.webhook_store import InboxStatus, expand_deliveries, inbox_status
from worker.metrics_port import serve_from_env
from worker.queues import ANALYSIS_QUEUE, REFRESH_QUEUE, SYNC_QUEUE
from worker.resources import job_settings

logger = logging.getLogger(__name__)

TICK_SECONDS = 0.5
SAFETY_NET_SECONDS = 60.0
# Big pages at Meta's 2 calls/s with AI analysis take hours; a sync that runs past this is stuck.
SYNC_JOB_TIMEOUT = 6 * 3600
# One slice of a page's analysis (it works about two minutes); a refresh; a Slack rewrite, token check or App Home.
ANALYSIS_JOB_TIMEOUT = 30 * 60
REFRESH_JOB_TIMEOUT = 15 * 60
SHORT_JOB_TIMEOUT = 10 * 60


@dataclass(frozen=True)
class _Route:
    queue: str
    function: str
    timeout: int


ROUTES = {
    work.Kind.SYNC: _Route(SYNC_QUEUE, "worker.jobs.run_sync", SYNC_JOB_TIMEOUT),
    work.Kind.ANALYSIS: _Route(ANALYSIS_QUEUE, "worker.jobs.run_analysis", ANALYSIS_JOB_TIMEOUT),
    work.Kind.REFRESH: _Route(REFRESH_QUEUE, "worker.jobs.run_refresh", REFRESH_JOB_TIMEOUT),
    work.Kind.SLACK_PARENT: _Route(REFRESH_QUEUE, "worker.jobs.rewrite_sync_parent", SHORT_JOB_TIMEOUT),
    work.Kind.TOKEN_CHECK: _Route(REFRESH_QUEUE, "worker.jobs.check_tokens", SHORT_JOB_TIMEOUT),
    # Short (100,000 contacts take seconds), and never behind an hours-long sync.
    work.Kind.EXPORT: _Route(REFRESH_QUEUE, "worker.export.run_export", SHORT_JOB_TIMEOUT),
    work.Kind.HOME: _Route(REFRESH_QUEUE, "worker.home.publish_home_tabs", SHORT_JOB_TIMEOUT),
    work.Kind.ALERTS: _Route(REFRESH_QUEUE, "worker.alerts.post_lead_alerts", SHORT_JOB_TIMEOUT),
    work.Kind.MERGES: _Route(REFRESH_QUEUE, "worker.merges.review_merges", SHORT_JOB_TIMEOUT),
    # One look at Google, and applying a finished batch's answers (a few thousand contacts).
    work.Kind.GEMINI_BATCH: _Route(ANALYSIS_QUEUE, "worker.gemini_batch.poll_gemini_batch", SHORT_JOB_TIMEOUT),
}


def job_arguments(item: work.Dispatch) -> tuple[object, ...]:
    """What each job function takes: a sync job claims its row itself (core/jobs.claim_job)."""
    if item.kind is work.Kind.SYNC:
        return (item.subject_id,)
    if item.kind is work.Kind.REFRESH:
        return (item.page_pk, item.subject_id, item.dispatch_id)
    return (item.subject_id, item.dispatch_id)


def enqueue(connection: redis.Redis, due: list[work.Dispatch]) -> None:
    """The due work on its queues, one Redis round trip per queue."""
    by_queue: dict[str, list[work.Dispatch]] = {}
    for item in due:
        by_queue.setdefault(ROUTES[item.kind].queue, []).append(item)
    for name, items in by_queue.items():
        queue = Queue(name, connection=connection)
        queue.enqueue_many(
            [
                Queue.prepare_data(
                    ROUTES[item.kind].function,
                    job_arguments(item),
                    job_id=f"{item.kind.value}-{item.subject_id}-{item.dispatch_id}",
                    timeout=ROUTES[item.kind].timeout,
                    result_ttl=3600,
                    failure_ttl=7 * 24 * 3600,
                    description=f"{item.kind.value} {item.subject_id} (dispatch {item.dispatch_id})",
                )
                for item in items
            ]
        )


class Dispatcher:
    def __init__(
        self,
        settings: Settings,
        pool: Pool,
        connection: redis.Redis,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.connection = connection
        self.clock = clock
        self._safety_nets_at: float | None = None
        self._redis_down = False
        # The last drain stopped at its bound with deliveries still waiting: the next tick starts at once.
        self.behind = False

    def tick(self) -> int:
        """One round of the loop; returns how many jobs it queued."""
        self.expand_webhooks()
        if self._safety_nets_at is None or self.clock() - self._safety_nets_at >= SAFETY_NET_SECONDS:
            self.safety_nets(datetime.now(UTC))
            self._safety_nets_at = self.clock()
        return self.dispatch()

    def expand_webhooks(self) -> None:
        with self.pool.connection() as conn:
            expanded = expand_deliveries(conn, self.settings.refresh_debounce)
        self.behind = expanded.more
        if not (expanded.deliveries or expanded.rejected):
            return
        metrics.webhook_duplicates(expanded.duplicates)
        logger.log(
            logging.WARNING if expanded.rejected else logging.INFO,
            "webhook deliveries expanded deliveries=%d stored=%d duplicates=%d rejected=%d refreshes=%d"
            " ignored_accounts=%d",
            expanded.deliveries,
            expanded.stored,
            expanded.duplicates,
            expanded.rejected,
            expanded.refreshes,
            len(expanded.unknown_accounts),
        )

    def safety_nets(self, now: datetime) -> None:
        with self.pool.connection() as conn:
            for job in jobs.reap_stale_jobs(conn, None, self.settings.job_stale_after):
                ContextLogger(logger, {"job_id": job.id}).warning("sync job reaped: %s", job.failure_reason)
                if job.slack_channel and job.slack_thread_ts:
                    work.owe(conn, work.Kind.SLACK_PARENT, job.id, page_pk=job.facebook_page_id)
            if self.settings.fb_app_id and self.settings.fb_app_secret:  # the daily check, always owed
                work.owe_if_absent(conn, work.Kind.TOKEN_CHECK, [0], [None])
            due = backlog.pages_with_backlog(conn)
            if due and work.owe_if_absent(conn, work.Kind.ANALYSIS, due, due):
                logger.info("analysis owed for pages with backlog pages=%d", len(due))
            schedule.start_due_syncs(conn, now, self.settings.job_stale_after)

    def dispatch(self) -> int:
        """Queue what is due; nothing while Redis is down (it stays due in PostgreSQL)."""
        try:
            if self.connection.set(DISPATCH_EPOCH, uuid.uuid4().hex, nx=True):
                with self.pool.connection() as conn:
                    forgotten = work.forget_dispatches(conn)
                logger.log(
                    logging.WARNING if forgotten else logging.INFO,
                    "redis holds none of our queued jobs: queueing them again count=%d",
                    forgotten,
                )
        except redis.RedisError as exc:
            self._note_redis_down(exc)
            return 0
        with self.pool.connection() as conn:
            due = work.dispatch_due(conn, self.settings.refresh_requeue_after)
        if not due:
            return 0
        try:
            enqueue(self.connection, due)
        except redis.RedisError as exc:
            with self.pool.connection() as conn:
                work.undo_dispatch(conn, [item.dispatch_id for item in due])
            self._note_redis_down(exc)
            return 0
        if self._redis_down:
            logger.info("redis is back: queueing resumed")
            self._redis_down = False
        logger.info(
            "pending work queued count=%d kinds=%s", len(due), ",".join(sorted({item.kind.value for item in due}))
        )
        return len(due)

    def _note_redis_down(self, exc: redis.RedisError) -> None:
        if not self._redis_down:
            logger.warning("redis unavailable: pending work waits in PostgreSQL error=%s", type(exc).__name__)
        self._redis_down = True


def run(settings: Settings, stop: threading.Event) -> None:
    """Tick until `stop`; a database outage is waited out (nothing is lost: it holds all the work)."""
    settings.require("database_url", "redis_url")
    assert settings.database_url
    pool = db.open_pool(settings.database_url, max_size=3)
    try:
        dispatcher = Dispatcher(settings, pool, redis_connection(settings))
        serve_from_env(forks=False, inbox=lambda: _inbox(pool))
        logger.info("dispatcher started")
        while not stop.is_set():
            try:
                dispatcher.tick()
            except (psycopg.OperationalError, PoolTimeout) as exc:
                logger.warning("database unavailable: dispatcher waits error=%s", type(exc).__name__)
                stop.wait(5.0)
            if not dispatcher.behind:  # a backlog is drained back to back, with the due work queued between
                stop.wait(TICK_SECONDS)
    finally:
        pool.close()


def _inbox(pool: Pool) -> InboxStatus | None:
    try:
        with pool.connection(timeout=2) as conn:
            return inbox_status(conn)
    except (psycopg.Error, PoolTimeout):
        return None


def main() -> None:
    settings = job_settings()
    stop = threading.Event()

    def stop_on(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stop_on)
    signal.signal(signal.SIGINT, stop_on)
    run(settings, stop)


if __name__ == "__main__":
    main()
