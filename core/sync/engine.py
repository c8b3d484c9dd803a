"""The sync engine: one page's conversations -> contacts, conversations and messages in PostgreSQL.

Streams Graph pages as they arrive and commits in chunks of `progress_every` contacts, each chunk in
one transaction together with the job's counts, so the job row never claims more than is stored.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Callable, Iterable, Iterator

import psycopg
import requests
from psycopg_pool import ConnectionPool

from core import jobs, pages
from core.config import Settings
from core.extract import ConversationRecord, ExtractionError, extract_conversation, parse_graph_time
from core.graph import GraphClient, GraphError, Platform, TokenInvalidError, scrub
from core.jobs import JobStatus, SyncJob
from core.logfmt import ContextLogger
from core.pages import Page
from core.store import save_conversations
from core.sync.reporter import SilentReporter, SyncProgress, SyncReporter

logger = logging.getLogger(__name__)

# An incremental sync re-reads conversations updated shortly before the last sync began, so that
# clock skew between Meta and us cannot hide a message.
INCREMENTAL_OVERLAP = timedelta(minutes=10)
# Long waits (rate limits, backoff) are sliced so the heartbeat goes on and a cancel is noticed.
HEARTBEAT_EVERY = 5.0


class SyncCancelled(Exception):
    pass


@dataclass(frozen=True)
class ContactFailure:
    platform: Platform
    id: str
    error: str
    code: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"platform": self.platform, "id": self.id, "error": self.error, "code": self.code}


class SyncEngine:
    def __init__(
        self,
        pool: ConnectionPool,
        settings: Settings,
        *,
        reporter: SyncReporter | None = None,
        http: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        progress_every: int = 10,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.reporter = reporter or SilentReporter()
        self.http = http
        self.sleep = sleep
        self.progress_every = progress_every

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
        self.progress = SyncProgress(job_id=job.id, page_id=page.page_id, page_name=page.name, started_at=job.started_at)
        self.by_platform: Counter[str] = Counter()
        settings = engine.settings
        self.graph = GraphClient(
            settings.graph_url,
            page.token,
            calls_per_second=settings.graph_calls_per_second,
            page_size=settings.graph_page_size,
            max_retries=settings.graph_max_retries,
            max_rate_limit_wait=settings.graph_max_rate_limit_wait,
            timeout=settings.graph_timeout,
            session=engine.http,
            sleep=self._wait,
            log=self.log,
        )

    def execute(self) -> SyncJob:
        self.log.info("sync started full=%s", self.job.full_sync)
        self._report("started", self.progress)
        status, reason, token_expired = JobStatus.COMPLETED, None, False
        try:
            if self.page.needs_reauth:
                raise TokenInvalidError("the page token was rejected earlier; reconnect the page")
            for platform in self._platforms():
                self._sync_platform(platform)
                self._report("platform_finished", self.progress)
        except SyncCancelled:
            status, reason = JobStatus.CANCELLED, "cancelled on request"
        except TokenInvalidError as exc:
            status, reason, token_expired = JobStatus.FAILED, f"page token is no longer valid: {exc}", True
        except GraphError as exc:
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
        self.progress = replace(self.progress, platform=platform)
        watermark = self._watermark()
        for graph_page in self.graph.conversations(self.page.page_id, platform):
            fresh = list(_until_older_than(graph_page, watermark))
            for chunk in _chunks(fresh, self.engine.progress_every):
                self._process_chunk(platform, chunk)
            if len(fresh) < len(graph_page):
                # Newest first: everything further down is older than the last sync and unchanged.
                self.log.info("incremental sync reached last sync platform=%s", platform)
                return

    def _process_chunk(self, platform: Platform, chunk: list[Any]) -> None:
        records: list[ConversationRecord] = []
        failures: list[ContactFailure] = []
        for raw in chunk:
            try:
                records.append(extract_conversation(raw, platform, self.page.own_ids))
            except ExtractionError as exc:
                failures.append(ContactFailure(platform, _raw_id(raw), f"unreadable conversation: {exc}"))

        # Seam for AI analysis: the chunk's records are what an analyzer is handed, before they are saved.
        with self.engine.pool.connection() as conn:
            try:
                with conn.transaction():
                    save_conversations(conn, self.page, records)
                    cancel = self._record(conn, platform, records, failures, len(chunk))
            except (psycopg.DataError, psycopg.IntegrityError):
                saved, failures = self._save_one_by_one(conn, platform, records, failures)
                with conn.transaction():
                    cancel = self._record(conn, platform, saved, failures, len(chunk))
        for failure in failures:
            self.log.warning("contact failed platform=%s contact=%s error=%s", platform, failure.id, failure.error)
        self._report("progress", self.progress)
        if cancel:
            raise SyncCancelled

    def _save_one_by_one(
        self, conn: psycopg.Connection, platform: Platform, records: list[ConversationRecord],
        failures: list[ContactFailure],
    ) -> tuple[list[ConversationRecord], list[ContactFailure]]:
        """The batch was refused: find which contact the database rejects, and keep all the others."""
        saved: list[ConversationRecord] = []
        failures = list(failures)
        for record in records:
            try:
                with conn.transaction():
                    save_conversations(conn, self.page, [record])
                saved.append(record)
            except (psycopg.DataError, psycopg.IntegrityError) as exc:
                reason = exc.diag.message_primary or type(exc).__name__
                failures.extend(
                    ContactFailure(platform, contact.external_id, f"database rejected the contact: {reason}")
                    for contact in record.contacts
                )
        return saved, failures

    def _record(
        self, conn: psycopg.Connection, platform: Platform, saved: list[ConversationRecord],
        failures: list[ContactFailure], conversations: int,
    ) -> bool:
        """Write the new totals in the chunk's transaction; the in-memory tally follows only on commit."""
        synced_now = sum(len(record.contacts) for record in saved)
        updated = replace(
            self.progress,
            synced=self.progress.synced + synced_now,
            failed=self.progress.failed + len(failures),
            conversations_seen=self.progress.conversations_seen + conversations,
            contacts_by_platform={**self.progress.contacts_by_platform,
                                  platform: self.progress.contacts_by_platform.get(platform, 0) + synced_now},
        )
        cancel = jobs.record_progress(
            conn,
            self.job.id,
            synced=updated.synced,
            failed=updated.failed,
            conversations_seen=updated.conversations_seen,
            new_errors=[failure.as_json() for failure in failures],
        )
        self.progress = updated
        return cancel

    def _wait(self, seconds: float) -> None:
        """The Graph client's sleep: keeps the heartbeat going and notices a cancel during long waits."""
        remaining = seconds
        while remaining > 0:
            step = min(remaining, HEARTBEAT_EVERY)
            self.engine.sleep(step)
            remaining -= step
            if step >= HEARTBEAT_EVERY:
                with self.engine.pool.connection() as conn:
                    if jobs.beat(conn, self.job.id):
                        raise SyncCancelled

    def _finish(self, status: JobStatus, reason: str | None, token_expired: bool) -> SyncJob:
        reason = scrub(reason, [self.page.token]) if reason else None
        with self.engine.pool.connection() as conn, conn.transaction():
            job = jobs.finish_job(conn, self.job.id, status, failure_reason=reason, token_expired=token_expired)
            if status is JobStatus.COMPLETED:
                # The start time, not the end: conversations that changed during the sync are read next time.
                pages.mark_synced(conn, self.page.id, self.progress.started_at)
            if token_expired:
                pages.mark_needs_reauth(conn, self.page.id)
        self.log.info(
            "sync finished status=%s synced=%d failed=%d reason=%s",
            status.value, job.synced_contacts, job.failed_contacts, reason or "-",
        )
        self._report("finished", job, self.progress)
        return job

    def _report(self, event: str, *args: Any) -> None:
        """A reporter that fails (Slack down, say) never fails the sync."""
        try:
            getattr(self.engine.reporter, event)(*args)
        except Exception:
            self.log.exception("sync reporter failed event=%s", event)


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
