"""The inline sync's analysis (no job queue, `fbsync sync`), overlapped with its Graph pass.

The backlog is drained on a thread of its own once a batch's worth of conversations is stored,
while the Graph pass fetches and stores the next pages: analysis fills the pass's waits (the pacing
gaps, Meta's and PostgreSQL's answers), so a paced sync ends with its last page rather than one
analysis later. When the backlog is empty the drainer waits for enough new commits (or the end of
the pass), not a fixed poll.

It is the same drain the analysis job runs alongside a worker's sync (core/backlog.py), with the same
guarantees: results apply in short transactions that skip rows a chunk holds, only to the messages
they were made from, so a contact stored again meanwhile stays due and is taken up again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from types import TracebackType

from core.backlog import AnalysisBacklog, AnalysisCancelled, DrainResult
from core.db import Pool
from core.jobs import SyncJob
from core.qualify import Qualifier

# During the pass, a batch is started at least this often (seconds), whatever has been stored.
BATCH_EVERY = 1.0


class _PassEnded(Exception):
    """The Graph pass failed or was cancelled: the drainer stops after the batch in flight."""


class OverlappedAnalysis:
    """Drains `page_pk`'s backlog while a Graph pass stores it; `finish` waits for what is left.

    `on_batch` (the sync's progress) is called after each batch, from the drainer's thread. Leaving
    the `with` block without `finish` (the pass failed, was cancelled) stops the drainer after its
    batch in flight; what it applied is kept and the rest stays due."""

    def __init__(
        self,
        pool: Pool,
        qualifier: Qualifier,
        page_pk: int,
        on_batch: Callable[[SyncJob], None],
        *,
        rate_horizon: float,
    ) -> None:
        self._backlog = AnalysisBacklog(pool, qualifier, sleep=self._wait, rate_horizon=rate_horizon)
        self._page_pk = page_pk
        self._on_batch = on_batch
        self._batch_size = qualifier.batch_size
        self._pass_ended = threading.Event()
        self._abandoned = threading.Event()
        self._lock = threading.Lock()
        self._enough = threading.Condition(self._lock)  # notified on enough commits, the end, abandoning
        self._unread = 0  # conversations stored since the drainer last found nothing due
        self._stored = 0  # conversations stored by the pass
        self._done: Future[DrainResult] = Future()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> OverlappedAnalysis:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._thread is not None and not self._done.done():
            with self._lock:
                self._abandoned.set()
                self._enough.notify_all()
            self._thread.join()

    def stored(self, conversations: int) -> None:
        """A chunk was committed: start draining once a batch's worth is stored, or wake the drainer.
        A drainer that failed fails the sync here, rather than after the whole pass."""
        with self._lock:
            self._unread += conversations
            self._stored += conversations
            if self._unread >= self._wanted():
                self._enough.notify_all()
        if self._thread is None:
            if self._stored >= self._batch_size:
                self._start()
        elif self._done.done() and not isinstance(self._done.exception(), AnalysisCancelled):
            self._done.result()  # a cancel, the pass notices in the job record of this very chunk

    def finish(self) -> DrainResult:
        """The pass has stored everything: drain what is left, and return once the backlog is empty
        (or the analysis deferred). Raises what the drain raised (AnalysisCancelled on a cancel)."""
        with self._lock:
            self._pass_ended.set()
            self._enough.notify_all()
        if self._thread is None:
            self._start()
        assert self._thread is not None
        self._thread.join()
        return self._done.result()

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._drain, name="sync-analysis", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        try:
            while True:
                # A drain that began during the pass may have counted the backlog empty just before
                # the last chunks were stored: only one begun after the pass ended has seen them all.
                after_the_pass = self._pass_ended.is_set()
                result = self._backlog.drain(
                    self._page_pk, on_batch=self._batch_done, sync_running=lambda: not self._pass_ended.is_set()
                )
                if after_the_pass or result.deferred_reason is not None:
                    break
        except BaseException as exc:
            self._done.set_exception(exc)
        else:
            self._done.set_result(result)

    def _batch_done(self, job: SyncJob) -> None:
        """Report the batch; during the pass, wait for enough new commits, so that the next batch is
        a full one rather than the chunk or two stored meanwhile (the count the drain decides with is
        then stale: `_drain`'s drain begun after the pass makes up for it)."""
        if self._abandoned.is_set():
            raise _PassEnded
        self._on_batch(job)
        self._wait_for_commits()

    def _wait_for_commits(self) -> None:
        """Until enough is stored (`_wanted`), the pass ends, or BATCH_EVERY: a slow (paced) pass has
        what it stored analysed as it goes, so little is left when it ends."""
        with self._lock:
            self._enough.wait_for(
                lambda: self._unread >= self._wanted() or self._pass_ended.is_set() or self._abandoned.is_set(),
                timeout=BATCH_EVERY,
            )
            self._unread = 0
        if self._abandoned.is_set():
            raise _PassEnded

    def _wanted(self) -> int:
        """Commits worth waking for: a batch's worth, and a tenth of what is stored. Reading the due
        list looks at every link of the page, so it is read a bounded number of times per tenfold
        growth, not per chunk; what is left when the pass ends is at most about a tenth."""
        return max(self._batch_size, self._stored // 10)

    def _wait(self, seconds: float) -> None:
        """The drainer's sleep, when nothing is due (or what is due is being written): during the
        pass, until enough is stored (or the pass ends); after it, `seconds` (another writer's rows)."""
        if self._pass_ended.is_set():
            time.sleep(seconds)
        else:
            self._wait_for_commits()
