"""The sync engine: one page's conversations -> contacts, conversations, messages and their qualification.

Streams Graph pages as they arrive and works in chunks of `chunk_size` conversations (a Graph page).
Each chunk is one statement that writes every table, in one transaction with the job's counts (the
job row never claims more than is stored). Contacts whose conversations changed join the page's
analysis backlog: with a job queue, an analysis job drains it at the AI quota's pace while the sync
goes on at Graph speed (`request_analysis`); without one (the CLI), the sync drains it itself,
overlapped with the Graph pass (core/sync/overlap.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Generic, TypeVar

import psycopg
import requests

from core import home, jobs, pages
from core.backlog import AnalysisCancelled, backlog_size
from core.config import Settings
from core.db import Conn, Pool
from core.extract import ConversationRecord, ExtractionError, extract_conversation, parse_graph_time
from core.graph import GraphClient, GraphError, Platform, TokenInvalidError, scrub
from core.jobs import ContactFailure, JobStatus, SyncJob
from core.logfmt import ContextLogger
from core.merge.review import owe_review
from core.pages import Page
from core.qualify import Qualifier
from core.store import SavedBatch, save_conversations
from core.sync.overlap import OverlappedAnalysis
from core.sync.reporter import SilentReporter, SyncProgress, SyncReporter
from core.tokens import TokenCipher, TokenUnreadable

logger = logging.getLogger(__name__)

# An incremental sync re-reads conversations updated shortly before the last sync began, so that
# clock skew between Meta and us cannot hide a message.
INCREMENTAL_OVERLAP = timedelta(minutes=10)
# Long waits (rate limits, backoff) are sliced so the heartbeat goes on and a cancel is noticed.
HEARTBEAT_EVERY = 5.0

T = TypeVar("T")


class SyncCancelled(Exception):
    pass


class SyncEngine:
    def __init__(
        self,
        pool: Pool,
        settings: Settings,
        qualifier: Qualifier,
        *,
        request_analysis: Callable[[int], object] | None = None,
        reporter: SyncReporter | None = None,
        http: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        chunk_size: int = 100,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.qualifier = qualifier
        self.cipher = TokenCipher.from_settings(settings)
        # Queues the page's analysis job (given a page pk); None: the sync drains the backlog itself.
        self.request_analysis = request_analysis
        self.reporter = reporter or SilentReporter()
        self.http = http
        self.sleep = sleep
        self.chunk_size = chunk_size

    def run(self, job_id: int) -> SyncJob:
        """Run a PENDING job to its end; a job cancelled or reaped before it started is left as it is."""
        with self.pool.connection() as conn:
            job = jobs.claim_job(conn, job_id)
            if job is None:
                return jobs.get_job(conn, job_id)
            page = pages.get_page(conn, job.facebook_page_id)
        return _SyncRun(self, job, page).execute()


class _SyncRun:
    """The state of one run of one job."""

    def __init__(self, engine: SyncEngine, job: SyncJob, page: Page) -> None:
        self.engine = engine
        self.job = job
        self.page = page
        self.log = ContextLogger(logger, {"job_id": job.id, "page_id": page.page_id})
        assert job.started_at is not None
        self.progress = SyncProgress(
            job_id=job.id, page_id=page.page_id, page_name=page.name, started_at=job.started_at
        )
        # Who could not be stored, so that failures are counted once (what was stored is counted in SQL).
        self.failed_subjects: set[tuple[str, str]] = set()
        self.token = ""  # opened in execute(), where a failure ends the job cleanly
        self._prefetch: _Prefetch[_ReadPage] | None = None  # the platform's Graph pages being fetched
        self._analysis: OverlappedAnalysis | None = None  # inline (no job queue): the backlog drained alongside
        # Inline, the analysis thread reports too: progress and the reporter are had by one thread at a time.
        self._progress_lock = threading.RLock()

    def execute(self) -> SyncJob:
        self.log.info("sync started full=%s analyzer=%s", self.job.full_sync, self.engine.qualifier.analyzer.name)
        self._report("started", self.progress)
        status, reason, token_expired = JobStatus.COMPLETED, None, False
        try:
            if self.page.needs_reauth:
                raise TokenInvalidError("the page token was rejected earlier; reconnect the page")
            self.token = self.engine.cipher.decrypt(self.page.token_ciphertext)
            self.graph = GraphClient.for_page(
                self.engine.settings, self.token, sleep=self._wait, log=self.log, session=self.engine.http
            )
            with self._inline_analysis() as analysis:
                self._analysis = analysis
                for platform in self._platforms():
                    self._sync_platform(platform)
                    self._report("platform_finished", self.progress)
                if analysis is None:
                    self._request_analysis()
                else:
                    self._finish_analysis(analysis)
        except SyncCancelled:
            status, reason = JobStatus.CANCELLED, "cancelled on request"
        except TokenInvalidError as exc:
            status, reason, token_expired = JobStatus.FAILED, f"page token is no longer valid: {exc}", True
        except (GraphError, TokenUnreadable) as exc:
            status, reason = JobStatus.FAILED, str(exc)
        except Exception as exc:
            self._finish(JobStatus.FAILED, f"internal error ({type(exc).__name__})", False)
            raise
        return self._finish(status, reason, token_expired)

    def _platforms(self) -> list[Platform]:
        return ["messenger", "instagram"] if self.page.instagram_account_id else ["messenger"]

    def _watermark(self) -> Any:
        if self.job.full_sync or self.page.last_synced_at is None:
            return None
        return self.page.last_synced_at - INCREMENTAL_OVERLAP

    def _sync_platform(self, platform: Platform) -> None:
        with self._progress_lock:
            self.progress = replace(self.progress, platform=platform)
        try:
            with _Prefetch(self._read_pages(platform, self._watermark())) as read_pages:
                self._prefetch = read_pages
                for read in read_pages:
                    if not read.reached_last_sync:
                        read_pages.fetch_next()
                    for chunk in read.chunks:
                        self._process_chunk(platform, chunk)
                    if read.reached_last_sync:
                        # Newest first: everything further down is older than the last sync and unchanged.
                        self.log.info("incremental sync reached last sync platform=%s", platform)
                        return
        finally:
            self._prefetch = None  # stopped by now: later waits (the backlog drain) are not the prefetch's

    def _read_pages(self, platform: Platform, watermark: Any) -> Generator[_ReadPage]:
        """Graph pages as chunks of records, read by the prefetch thread while the chunks before are
        being stored (the database's replies are waited for without the GIL)."""
        graph_pages = self.graph.conversations(self.page.page_id, platform)
        try:
            for graph_page in graph_pages:
                fresh = list(_until_older_than(graph_page, watermark))
                chunks = [self._read_chunk(platform, raws) for raws in _chunks(fresh, self.engine.chunk_size)]
                yield _ReadPage(chunks, reached_last_sync=len(fresh) < len(graph_page))
        finally:
            graph_pages.close()

    def _read_chunk(self, platform: Platform, raws: list[Any]) -> _Chunk:
        chunk = _Chunk()
        for raw in raws:
            try:
                chunk.records.append(extract_conversation(raw, platform, self.page.own_ids))
            except ExtractionError as exc:
                chunk.unreadable.append(ContactFailure(platform, _raw_id(raw), f"unreadable conversation: {exc}"))
        return chunk

    def _process_chunk(self, platform: Platform, chunk: _Chunk) -> None:
        records, unreadable = chunk.records, chunk.unreadable
        with self.engine.pool.connection() as conn:
            try:
                with conn.transaction():
                    saved = self._save(conn, records)
                    rejected: list[ContactFailure] = []
                    cancel = self._record(conn, platform, saved, unreadable, rejected)
            except (psycopg.DataError, psycopg.IntegrityError):
                saved, rejected = self._save_one_by_one(conn, platform, records)
                with conn.transaction():
                    cancel = self._record(conn, platform, saved, unreadable, rejected)
        for failure in unreadable + rejected:
            self.log.warning("contact failed platform=%s contact=%s error=%s", platform, failure.id, failure.error)
        if saved.conversations:
            if self._analysis is not None:
                self._analysis.stored(len(saved.conversations))
            else:
                self._request_analysis()
        self._report("progress", self.progress)
        if cancel:
            raise SyncCancelled

    def _save(self, conn: Conn, records: list[ConversationRecord]) -> SavedBatch:
        return save_conversations(conn, self.page, records, reanalyse=self.job.full_sync, job_id=self.job.id)

    def _save_one_by_one(
        self, conn: Conn, platform: Platform, records: list[ConversationRecord]
    ) -> tuple[SavedBatch, list[ContactFailure]]:
        """The batch was refused: find which contact the database rejects, and keep all the others."""
        saved: list[SavedBatch] = []
        rejected: list[ContactFailure] = []
        for record in records:
            try:
                with conn.transaction():
                    saved.append(self._save(conn, [record]))
            except (psycopg.DataError, psycopg.IntegrityError) as exc:
                reason = exc.diag.message_primary or type(exc).__name__
                rejected.extend(
                    ContactFailure(platform, contact.external_id, f"database rejected the contact: {reason}")
                    for contact in record.contacts
                )
        return SavedBatch.combine(saved), rejected

    def _record(
        self,
        conn: Conn,
        platform: Platform,
        saved: SavedBatch,
        unreadable: list[ContactFailure],
        rejected: list[ContactFailure],
    ) -> bool:
        """Add the chunk to the job's totals in its transaction. Counts are of distinct contacts and
        conversations over the run (a person in two conversations, or a conversation Meta lists on two
        pages, is counted once): the store tells which rows the job had not stored before. Failures
        are few, and told apart here."""
        failures = unreadable + rejected
        failed = {(f.platform, f.id) for f in failures} - self.failed_subjects
        unseen_unreadable = {(f.platform, f.id) for f in unreadable} - self.failed_subjects
        job = jobs.record_progress(
            conn,
            self.job.id,
            new_synced=saved.new_contacts,
            new_failed=len(failed),
            new_conversations=saved.new_conversations + len(unseen_unreadable),
            new_errors=[failure.as_json() for failure in failures],
        )
        self.failed_subjects |= failed
        with self._progress_lock:
            self.progress = replace(
                _with_analysis(self.progress, job),
                synced=job.synced_contacts,
                failed=job.failed_contacts,
                conversations_seen=job.conversations_seen,
                contacts_by_platform={
                    **self.progress.contacts_by_platform,
                    platform: self.progress.contacts_by_platform.get(platform, 0) + saved.new_contacts,
                },
            )
        return job.cancel_requested

    def _request_analysis(self) -> None:
        """The analysis job works while the sync goes on; a queue that is down leaves the backlog to
        the periodic sweep, and the sync goes on."""
        assert self.engine.request_analysis is not None
        try:
            self.engine.request_analysis(self.page.id)
        except Exception as exc:
            self.log.warning("analysis not queued: %s", type(exc).__name__)

    def _inline_analysis(self) -> AbstractContextManager[OverlappedAnalysis | None]:
        """No job queue: the sync analyses its backlog itself, overlapped with the Graph pass."""
        if self.engine.request_analysis is not None:
            return nullcontext()

        def batch_done(job: SyncJob) -> None:  # from the analysis thread
            with self._progress_lock:
                self.progress = _with_analysis(self.progress, job)
            with self.engine.pool.connection() as conn:
                jobs.beat(conn, self.job.id)
            self._report("progress", self.progress)

        return OverlappedAnalysis(
            self.engine.pool,
            self.engine.qualifier,
            self.page.id,
            batch_done,
            rate_horizon=self.engine.settings.gemini_window_seconds,
        )

    def _finish_analysis(self, analysis: OverlappedAnalysis) -> None:
        try:
            analysis.finish()
        except AnalysisCancelled:
            raise SyncCancelled from None

    def _wait(self, seconds: float) -> None:
        """The Graph client's sleep: keeps the heartbeat going and notices a cancel during long waits."""
        remaining = seconds
        while remaining > 0:
            if self._prefetch is not None and self._prefetch.stopping:
                raise SyncCancelled  # the sync has ended while the prefetch waited out a rate limit
            step = min(remaining, HEARTBEAT_EVERY)
            self.engine.sleep(step)
            remaining -= step
            if step >= HEARTBEAT_EVERY:
                with self.engine.pool.connection() as conn:
                    if jobs.beat(conn, self.job.id):
                        raise SyncCancelled

    def _finish(self, status: JobStatus, reason: str | None, token_expired: bool) -> SyncJob:
        reason = scrub(reason, [self.token]) if reason else None
        with self.engine.pool.connection() as conn, conn.transaction():
            if status is JobStatus.COMPLETED and self.engine.request_analysis is not None:
                # What the analysis job has still to do, so the record says from the start that analysis follows.
                jobs.record_backlog(conn, self.job.id, backlog_size(conn, self.page.id))
            job = jobs.finish_job(conn, self.job.id, status, failure_reason=reason, token_expired=token_expired)
            if status is JobStatus.COMPLETED:
                # The start time, not the end: conversations that changed during the sync are read next time.
                pages.mark_synced(conn, self.page.id, self.progress.started_at)
            if token_expired:
                pages.mark_needs_reauth(conn, self.page.id)
            home.owe_publish(conn, self.page.id)  # a sync more in its history, and new contacts
            if status is JobStatus.COMPLETED:  # new people may be someone already known on the other platform
                owe_review(conn, self.page.id)
        self.log.info(
            "sync finished status=%s synced=%d failed=%d analyzed=%d deferred=%d stage_changes=%d reason=%s",
            status.value,
            job.synced_contacts,
            job.failed_contacts,
            job.analyzed_contacts,
            job.analysis_deferred,
            job.stage_changes,
            reason or "-",
        )
        self._report("finished", job, self.progress)
        return job

    def _report(self, event: str, *args: Any) -> None:
        """A reporter that fails (Slack down, say) never fails the sync."""
        try:
            with self._progress_lock:
                getattr(self.engine.reporter, event)(*args)
        except Exception:
            self.log.exception("sync reporter failed event=%s", event)


@dataclass
class _Chunk:
    records: list[ConversationRecord] = field(default_factory=list)
    unreadable: list[ContactFailure] = field(default_factory=list)


@dataclass
class _ReadPage:
    chunks: list[_Chunk]
    reached_last_sync: bool  # an incremental sync needs no further page


class _Prefetch(Generic[T]):
    """Fetches the next Graph page while the current one is processed: one worker, one page ahead,
    asked for by `fetch_next` once the consumer knows it wants it (an incremental sync that reached
    the last sync asks for nothing more).

    The Graph client's pacer still decides when each call starts. Whatever ends the fetching (the
    last page, a dead token, an error, a cancel noticed during a rate-limit wait) reaches the
    consumer in order, after the pages fetched before it. Leaving the `with` block (the consumer is
    done, cancelled or failed) stops the worker before the next call and waits for it."""

    def __init__(self, graph_pages: Iterator[T]) -> None:
        self._source = graph_pages
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graph-prefetch")
        self._next: Future[T | None] | None = None
        self._stop = threading.Event()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def __enter__(self) -> _Prefetch[T]:
        self.fetch_next()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._executor.shutdown(wait=True, cancel_futures=True)
        # Only now: a generator cannot be closed while the worker is running it.
        close = getattr(self._source, "close", None)
        if close is not None:
            close()

    def __iter__(self) -> Iterator[T]:
        while self._next is not None:
            graph_page = self._next.result()  # raises what fetching raised, where the consumer would have
            self._next = None
            if graph_page is None:
                return
            yield graph_page
            self.fetch_next()

    def fetch_next(self) -> None:
        """Start fetching the page after the one just taken (at most once per page taken)."""
        if self._next is None:
            self._next = self._executor.submit(next, self._source, None)


def _with_analysis(progress: SyncProgress, job: SyncJob) -> SyncProgress:
    """The page's analysis as the job record has it (written by whoever drains the backlog)."""
    return replace(
        progress,
        analyzed=job.analyzed_contacts,
        analysis_deferred=job.analysis_deferred,
        stage_changes=job.stage_changes,
        analysis_backlog=job.analysis_backlog,
        analysis_rate=job.analysis_rate,
    )


def _until_older_than(conversations: list[Any], watermark: Any) -> Iterator[Any]:
    for raw in conversations:
        if watermark is not None:
            try:
                if parse_graph_time(raw.get("updated_time")) < watermark:
                    return
            except (ExtractionError, AttributeError):
                pass  # extraction records it as a failure
        yield raw


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _raw_id(raw: Any) -> str:
    return str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else "unknown"
