"""The analysis backlog: contacts whose conversations changed since they were last analysed.

PostgreSQL is the record of what is due (a contact's conversation links behind their conversations'
updated_time), so the backlog survives anything that happens to workers. Draining it is work that
finishes: batch after batch, paced only by the AI quota, until the backlog is empty. A sync only adds
to it; contacts appear at Graph speed and analyses follow at quota speed.

Across workers one drainer works a page at a time: the job holds the page's pending analysis
(core/work.py), a claim that ends with its process, so a killed drainer's page is queued again at once.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from psycopg import sql

from core import home, jobs, pages
from core.db import Conn, Pool
from core.jobs import SyncJob
from core.logfmt import ContextLogger
from core.pipeline import AutoPipeline, auto_pipeline_of
from core.qualify import Qualifier, QualifyOutcome, Result
from core.transcripts import ContactSnapshot, contact_snapshots

logger = logging.getLogger(__name__)

# While a sync of the page is still storing contacts, an empty backlog is looked at again this often.
POLL_SECONDS = 1.0
# The due list is read for this many batches at once, and again after RECOUNT_SECONDS (see _DueList).
SLICE_BATCHES = 10
RECOUNT_SECONDS = 5.0

_DUE_LINKS = (
    "SELECT cc.contact_id, max(v.updated_time) AS newest FROM conversation_contacts cc"
    " JOIN conversations v ON v.id = cc.conversation_id"
    " WHERE v.facebook_page_id = %(page)s AND (cc.analyzed_at IS NULL OR cc.analyzed_at < v.updated_time)"
)
# A contact waiting for a Gemini batch's answer (core/gemini_backfill) is due, but not the online drain's:
# it counts in the backlog and is not taken.
_WAITING = "EXISTS (SELECT 1 FROM gemini_batch_contacts w WHERE w.contact_id = cc.contact_id AND w.waiting)"
_DUE = _DUE_LINKS + " GROUP BY cc.contact_id"
_TAKEABLE = _DUE_LINKS + f" AND NOT {_WAITING} GROUP BY cc.contact_id"


class AnalysisCancelled(Exception):
    """The page's sync was cancelled: its analysis stops too (the backlog stays for the next sync)."""


class ClaimLost(RuntimeError):
    """Another drainer may have the page now: this one stops (what it applied is kept)."""


def backlog_size(conn: Conn, page_pk: int) -> int:
    row = conn.execute(f"SELECT count(*) AS n FROM ({_DUE}) due", {"page": page_pk}).fetchone()
    return int(row["n"]) if row else 0


def online_backlog_size(conn: Conn, page_pk: int) -> int:
    """backlog_size without the contacts waiting for a Gemini batch: what the online drain has to do."""
    row = conn.execute(f"SELECT count(*) AS n FROM ({_TAKEABLE}) due", {"page": page_pk}).fetchone()
    return int(row["n"]) if row else 0


def batch_waiting(conn: Conn, page_pk: int) -> int:
    """The page's contacts waiting for a Gemini batch's answer."""
    row = conn.execute(
        "SELECT count(*) AS n FROM gemini_batch_contacts c JOIN gemini_batches b ON b.id = c.batch_id"
        " WHERE b.facebook_page_id = %s AND c.waiting",
        (page_pk,),
    ).fetchone()
    return int(row["n"]) if row else 0


def backlog_sizes(conn: Conn, page_pks: list[int]) -> dict[int, int]:
    """backlog_size of several pages in one statement; pages with nothing due are absent."""
    rows = conn.execute(
        "SELECT v.facebook_page_id, count(DISTINCT cc.contact_id) AS n FROM conversation_contacts cc"
        " JOIN conversations v ON v.id = cc.conversation_id"
        " WHERE v.facebook_page_id = ANY(%s) AND (cc.analyzed_at IS NULL OR cc.analyzed_at < v.updated_time)"
        " GROUP BY v.facebook_page_id",
        (page_pks,),
    ).fetchall()
    return {row["facebook_page_id"]: int(row["n"]) for row in rows}


def still_due(conn: Conn, page_pk: int, contact_ids: list[int]) -> set[int]:
    """Those of `contact_ids` still due: a look at their own links only."""
    rows = conn.execute(
        "SELECT DISTINCT cc.contact_id FROM conversation_contacts cc JOIN conversations v ON v.id = cc.conversation_id"
        " WHERE cc.contact_id = ANY(%(ids)s) AND v.facebook_page_id = %(page)s"
        f" AND (cc.analyzed_at IS NULL OR cc.analyzed_at < v.updated_time) AND NOT {_WAITING}",
        {"page": page_pk, "ids": contact_ids},
    ).fetchall()
    return {row["contact_id"] for row in rows}


# What a batch reads: per contact, through the indexes, once the planner knows these tables' sizes.
_READ_TABLES = ("contacts", "conversations", "conversation_contacts", "messages")
# PostgreSQL's own assumption for a table never analysed: at least 10 blocks.
MIN_ANALYZED_BLOCKS = 10


def gather_statistics(conn: Conn) -> None:
    """Statistics for the tables a batch reads, where there are none yet. Right after a first sync
    (a new database, a restored one) autovacuum may not have come by: without statistics the planner
    takes a table of thousands of messages for a few pages and scans it whole for every contact.
    A table still under MIN_ANALYZED_BLOCKS is left to autovacuum: statistics of a few rows have
    PostgreSQL replan the foreign-key checks of a sync storing into it (in another session) as scans,
    which that session keeps while the table grows a hundredfold."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c WHERE c.relname = ANY(%s) AND c.relkind = 'r'"
        " AND c.relnamespace = to_regnamespace(current_schema()) AND c.reltuples < 0"
        " AND pg_relation_size(c.oid) >= %s * current_setting('block_size')::int",
        (list(_READ_TABLES), MIN_ANALYZED_BLOCKS),
    ).fetchall()
    for row in rows:
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(row["relname"])))


class _DueList:
    """The page's due contacts, newest first, read a slice at a time, and how many are due.

    Reading the due list looks at every link of the page, so it is read for many batches at once,
    and again when the slice is used up or RECOUNT_SECONDS have passed (so that whoever wrote
    meanwhile, or a contact superseded or skipped while a sync held it, waits no longer, and the
    count follows a sync still storing contacts). In between the count is kept from each batch's own
    contacts: those no longer due (analysed, failed, or analysed elsewhere meanwhile) leave it. It is
    counted afresh when it comes to zero: that says the analysis is complete, so it must be exact."""

    def __init__(self, page_pk: int, slice_size: int, clock: Callable[[], float]) -> None:
        self.page_pk = page_pk
        self.slice_size = slice_size
        self.clock = clock
        self.left = 0  # contacts due
        self._slice: deque[int] = deque()
        self._read_at: float | None = None

    def take(self, conn: Conn, limit: int, busy: Collection[int]) -> list[int]:
        """The next contacts still due, not those `busy` (in flight)."""
        taken: list[int] = []
        read = False
        while len(taken) < limit:
            if not self._slice or self._stale():
                if read:
                    break
                self.read(conn, {*busy, *taken})
                read = True
            candidates = [self._slice.popleft() for _ in range(min(limit - len(taken), len(self._slice)))]
            if not candidates:
                break
            due = still_due(conn, self.page_pk, candidates)
            self.left -= len(candidates) - len(due)
            taken += [contact_id for contact_id in candidates if contact_id in due]
        return taken

    def settle(self, conn: Conn, applied: list[int]) -> None:
        """After a batch: those of it no longer due leave the count, which is counted again when it
        comes to zero (that is when the analysis is complete: it must be exact)."""
        self.left -= len(applied) - len(still_due(conn, self.page_pk, applied))
        if self.left <= 0:
            self.left = online_backlog_size(conn, self.page_pk)

    def read(self, conn: Conn, busy: Collection[int]) -> None:
        rows = conn.execute(
            f"SELECT contact_id, count(*) OVER () AS due FROM ({_TAKEABLE}) due"
            " ORDER BY newest DESC, contact_id LIMIT %(limit)s",
            {"page": self.page_pk, "limit": self.slice_size + len(busy)},
        ).fetchall()
        self.left = int(rows[0]["due"]) if rows else 0
        self._slice = deque(row["contact_id"] for row in rows if row["contact_id"] not in busy)
        self._read_at = self.clock()

    def _stale(self) -> bool:
        return self._read_at is None or self.clock() - self._read_at >= RECOUNT_SECONDS


def pages_with_backlog(conn: Conn) -> list[int]:
    """Pages whose analysis has work left and whose latest sync was not cancelled."""
    rows = conn.execute(
        "SELECT DISTINCT v.facebook_page_id FROM conversation_contacts cc"
        " JOIN conversations v ON v.id = cc.conversation_id"
        " JOIN facebook_pages p ON p.id = v.facebook_page_id AND p.is_active"
        f" WHERE (cc.analyzed_at IS NULL OR cc.analyzed_at < v.updated_time) AND NOT {_WAITING}"
        " AND NOT COALESCE((SELECT j.cancel_requested FROM sync_jobs j WHERE j.facebook_page_id = p.id"
        "  ORDER BY j.id DESC LIMIT 1), false)"
    ).fetchall()
    return [row["facebook_page_id"] for row in rows]


@dataclass(frozen=True)
class DrainResult:
    analyzed: int
    complete: bool  # the backlog is empty
    deferred_reason: str | None = None  # the AI quota is gone for long: why
    retry_after: float | None = None  # seconds until it is worth trying again


@dataclass
class _Batch:
    tasks: list[ContactSnapshot]
    target: AutoPipeline | None
    results: Future[list[Result]]


class AnalysisBacklog:
    """Drains a page's backlog. Two batches overlap: the next one is read and its requests start while
    the previous one is applied, so the quota is not left idle while results are written."""

    def __init__(
        self,
        pool: Pool,
        qualifier: Qualifier,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rate_horizon: float = 60.0,
    ) -> None:
        self.pool = pool
        self.qualifier = qualifier
        self.sleep = sleep
        self.clock = clock
        # The rate is reported once measured over this long (the quota's window): any client gets a
        # whole window's quota at once at the start, which says nothing of the pace after it.
        self.rate_horizon = rate_horizon

    def drain(
        self,
        page_pk: int,
        *,
        on_batch: Callable[[SyncJob], None] = lambda job: None,
        sync_running: Callable[[], bool] = lambda: False,
        deadline: float | None = None,
    ) -> DrainResult:
        """Analyse the page's backlog batch by batch until it is empty (and no sync is adding to it),
        the AI is unavailable for long (deferred), or `deadline` (of `clock`) passes. Each batch's
        counts go to the page's latest sync job, which is then handed to `on_batch`. Raises
        AnalysisCancelled when that job was cancelled."""
        with self.pool.connection() as conn:
            gather_statistics(conn)
        run = _Run(self, page_pk, on_batch)
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="analysis-batch") as batches:
            in_flight: _Batch | None = None
            try:
                while True:
                    upcoming = run.start_next(batches, in_flight)
                    if in_flight is None and upcoming is None:
                        if sync_running() and (deadline is None or self.clock() < deadline):
                            self.sleep(POLL_SECONDS)
                            continue
                        outcome, backlog = run.finish(None)
                        return DrainResult(run.analyzed, backlog == 0)
                    if in_flight is not None:
                        outcome, backlog = run.finish(in_flight)
                        stop: DrainResult | None = None
                        if outcome.deferred:
                            run.log.info("analysis deferred backlog=%d reason=%s", backlog, outcome.deferred_reason)
                            stop = DrainResult(run.analyzed, False, outcome.deferred_reason, outcome.retry_after)
                        elif backlog == 0 and upcoming is None and not sync_running():
                            run.log.info("analysis complete analyzed=%d", run.analyzed)
                            stop = DrainResult(run.analyzed, True)
                        elif deadline is not None and self.clock() >= deadline:
                            stop = DrainResult(run.analyzed, False)
                        if stop is not None:
                            in_flight, upcoming = upcoming, None
                            if in_flight is not None:
                                run.finish(in_flight)  # what it got is kept; what was deferred stays due
                            return stop
                        if not outcome.analyzed and not outcome.failures:
                            # Everyone in the batch was being written by a sync at that moment: let it commit.
                            self.sleep(POLL_SECONDS)
                    in_flight = upcoming
            finally:
                # A batch still asking (cancelled, failed) finishes before the threads are let go.
                if in_flight is not None:
                    in_flight.results.exception()


class _Run:
    """One drain: its counts, and reading, starting and finishing batches."""

    def __init__(self, backlog: AnalysisBacklog, page_pk: int, on_batch: Callable[[SyncJob], None]) -> None:
        self.backlog = backlog
        self.page_pk = page_pk
        self.on_batch = on_batch
        self.log = ContextLogger(logger, {"page_pk": page_pk})
        self.started = backlog.clock()
        self.analyzed = 0
        self.due = _DueList(page_pk, backlog.qualifier.batch_size * SLICE_BATCHES, backlog.clock)

    def start_next(self, batches: ThreadPoolExecutor, in_flight: _Batch | None) -> _Batch | None:
        """Read the next batch (not the one in flight, which is still due) and start analysing it."""
        qualifier = self.backlog.qualifier
        with self.backlog.pool.connection() as conn:
            latest = jobs.latest_job(conn, self.page_pk)
            if latest is not None and latest.cancel_requested:
                raise AnalysisCancelled
            page = pages.get_page(conn, self.page_pk)
            target = auto_pipeline_of(conn, self.page_pk)
            busy = [task.contact_id for task in in_flight.tasks] if in_flight else []
            ids = self.due.take(conn, qualifier.batch_size, busy)
            snapshots = contact_snapshots(conn, page, ids)
        tasks = [snapshots[contact_id] for contact_id in ids if contact_id in snapshots]
        if not tasks:
            return None
        return _Batch(tasks, target, batches.submit(qualifier.analyze, tasks, target))

    def finish(self, batch: _Batch | None) -> tuple[QualifyOutcome, int]:
        """Apply a batch's results and record them (with the backlog left) on the page's latest job."""
        tasks, target = (batch.tasks, batch.target) if batch else ([], None)
        results = batch.results.result() if batch else []
        qualifier = self.backlog.qualifier
        with self.backlog.pool.connection() as conn, conn.transaction():
            outcome = qualifier.apply(conn, tasks, results, target)
            if batch is None:
                self.due.left = online_backlog_size(conn, self.page_pk)
            else:
                self.due.settle(conn, [task.contact_id for task in tasks])
            backlog = self.due.left
            recorded = backlog + batch_waiting(conn, self.page_pk)
            self.analyzed += outcome.analyzed
            elapsed = self.backlog.clock() - self.started
            rate = self.analyzed / elapsed * 60 if elapsed >= self.backlog.rate_horizon else None
            job = jobs.latest_job(conn, self.page_pk)
            if job is not None:
                job = jobs.record_analysis(
                    conn,
                    job.id,
                    analyzed=outcome.analyzed,
                    deferred=outcome.deferred,
                    failed=len(outcome.failures),
                    stage_changes=outcome.stage_changes,
                    new_errors=[failure.as_json() for failure in outcome.failures],
                    backlog=recorded,
                    rate=rate,
                    deferred_reason=outcome.deferred_reason,
                )
            if outcome.analyzed:
                home.owe_publish(conn, self.page_pk)  # its funnel, coverage and backlog moved
        for failure in outcome.failures:
            self.log.warning("analysis failed contact=%s error=%s", failure.id, failure.error)
        if job is not None:
            self.on_batch(job)
            if job.cancel_requested:
                raise AnalysisCancelled
        return outcome, backlog


class CancelWatchingSleep:
    """How a drainer waits (for quota, for a sync to store more): in short steps, noticing a cancel of
    the page's sync and the loss of its claim on the page (`alive`: its lock connection went away).
    Shared by the analysis threads."""

    def __init__(
        self,
        pool: Pool,
        page_pk: int,
        alive: Callable[[], bool],
        check_every: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pool = pool
        self._page_pk = page_pk
        self._alive = alive
        self._every = check_every
        self._sleep = sleep
        self._clock = clock
        self._checked = clock()

    def __call__(self, seconds: float) -> None:
        remaining = seconds
        while remaining > 0:
            step = min(remaining, 1.0)
            self._sleep(step)
            remaining -= step
            if self._clock() - self._checked >= self._every:
                self.check()

    def check(self) -> None:
        self._checked = self._clock()
        if not self._alive():
            raise ClaimLost(f"the claim on page {self._page_pk}'s analysis was lost (its database session ended)")
        with self._pool.connection() as conn:
            job = jobs.latest_job(conn, self._page_pk)
        if job is not None and job.cancel_requested:
            raise AnalysisCancelled
