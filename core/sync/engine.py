"""The sync engine: one page's conversations -> contacts, conversations, messages and their qualification.

Streams Graph pages as they arrive and works in chunks of `progress_every` contacts. Each chunk is
saved in one transaction together with the job's counts (the job row never claims more than is
stored), then its changed conversations are analysed concurrently and the results applied in a
second transaction.
"""
from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from dataclasses import replace
from datetime import timedelta
from typing import Any, Callable, Iterable, Iterator

import psycopg
import requests
from psycopg_pool import ConnectionPool

from core import jobs, pages
from core.config import Settings
from core.extract import ConversationRecord, ExtractionError, extract_conversation, parse_graph_time
from core.graph import GraphClient, GraphError, Platform, TokenInvalidError, scrub
from core.jobs import ContactFailure, JobStatus, SyncJob
from core.locks import ContactLocks
from core.logfmt import ContextLogger
from core.pages import Page
from core.pipeline import AutoPipeline, auto_pipeline_of
from core.qualify import Qualifier, QualifyTask
from core.store import SavedConversation, save_conversations
from core.tokens import TokenCipher, TokenUnreadable
from core.sync.reporter import SilentReporter, SyncProgress, SyncReporter
from core.transcripts import stored_transcripts, transcript_of

logger = logging.getLogger(__name__)

# An incremental sync re-reads conversations updated shortly before the last sync began, so that
# clock skew between Meta and us cannot hide a message.
INCREMENTAL_OVERLAP = timedelta(minutes=10)
# Long waits (rate limits, backoff) are sliced so the heartbeat goes on and a cancel is noticed.
HEARTBEAT_EVERY = 5.0
# Contacts another writer holds are retried this many times, spread over one lock expiry, at the end of the run.
BUSY_RETRIES = 5


class SyncCancelled(Exception):
    pass


class SyncEngine:
    def __init__(
        self,
        pool: ConnectionPool,
        settings: Settings,
        qualifier: Qualifier,
        *,
        locks: ContactLocks | None = None,
        reporter: SyncReporter | None = None,
        http: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        progress_every: int = 10,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.qualifier = qualifier
        self.cipher = TokenCipher.from_settings(settings)
        # Without Redis there are no workers, so no webhook refresh can race the sync.
        self.locks = locks
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
            target = auto_pipeline_of(conn, page.id)
        return _SyncRun(self, job, page, target).execute()


class _SyncRun:
    """The state of one run of one job."""

    def __init__(self, engine: SyncEngine, job: SyncJob, page: Page, target: AutoPipeline | None) -> None:
        self.engine = engine
        self.job = job
        self.page = page
        self.target = target
        self.log = ContextLogger(logger, {"job_id": job.id, "page_id": page.page_id})
        assert job.started_at is not None
        self.progress = SyncProgress(job_id=job.id, page_id=page.page_id, page_name=page.name, started_at=job.started_at)
        # Conversations this run already offered to the analyzer; the backlog pass skips them.
        self.attempted: set[int] = set()
        # Contacts another writer had locked when we came to analyse them; the backlog pass retries them.
        self.busy: set[int] = set()
        self.token = ""  # opened in execute(), where a failure ends the job cleanly

    def execute(self) -> SyncJob:
        self.log.info("sync started full=%s analyzer=%s", self.job.full_sync, self.engine.qualifier.analyzer.name)
        self._report("started", self.progress)
        status, reason, token_expired = JobStatus.COMPLETED, None, False
        try:
            if self.page.needs_reauth:
                raise TokenInvalidError("the page token was rejected earlier; reconnect the page")
            self.token = self.engine.cipher.decrypt(self.page.token_ciphertext)
            self.graph = GraphClient.for_page(self.engine.settings, self.token, sleep=self._wait, log=self.log,
                                              session=self.engine.http)
            for platform in self._platforms():
                self._sync_platform(platform)
                self._report("platform_finished", self.progress)
            self._analyze_backlog()
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

        with self.engine.pool.connection() as conn:
            try:
                with conn.transaction():
                    saved = save_conversations(conn, self.page, records)
                    cancel = self._record(conn, platform, records, failures, len(chunk))
            except (psycopg.DataError, psycopg.IntegrityError):
                records, saved, failures = self._save_one_by_one(conn, platform, records, failures)
                with conn.transaction():
                    cancel = self._record(conn, platform, records, failures, len(chunk))
        for failure in failures:
            self.log.warning("contact failed platform=%s contact=%s error=%s", platform, failure.id, failure.error)

        tasks = [
            QualifyTask(s.contact_id, s.conversation_id, record.contacts[0].external_id, platform,
                        transcript_of(record, self.page.name))
            for record in records
            if (s := saved.get(record.graph_id)) and (s.due or self.job.full_sync)
        ]
        cancel = self._qualify(tasks) or cancel
        self._report("progress", self.progress)
        if cancel:
            raise SyncCancelled

    def _save_one_by_one(
        self, conn: psycopg.Connection, platform: Platform, records: list[ConversationRecord],
        failures: list[ContactFailure],
    ) -> tuple[list[ConversationRecord], dict[str, SavedConversation], list[ContactFailure]]:
        """The batch was refused: find which contact the database rejects, and keep all the others."""
        kept: list[ConversationRecord] = []
        saved: dict[str, SavedConversation] = {}
        failures = list(failures)
        for record in records:
            try:
                with conn.transaction():
                    saved.update(save_conversations(conn, self.page, [record]))
                kept.append(record)
            except (psycopg.DataError, psycopg.IntegrityError) as exc:
                reason = exc.diag.message_primary or type(exc).__name__
                failures.extend(
                    ContactFailure(platform, contact.external_id, f"database rejected the contact: {reason}")
                    for contact in record.contacts
                )
        return kept, saved, failures

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

    def _qualify(self, tasks: list[QualifyTask]) -> bool:
        """Analyse and apply; True if a cancel was asked. Returns False at once when there is nothing to do."""
        if not tasks:
            return False
        locks = self.engine.locks
        with locks.hold_free(t.contact_id for t in tasks) if locks else nullcontext(None) as held:
            if held is not None:
                self.busy.update(task.contact_id for task in tasks if task.contact_id not in held)
                tasks = [task for task in tasks if task.contact_id in held]
                if not tasks:
                    return False
            self.attempted.update(task.conversation_id for task in tasks if task.conversation_id is not None)
            qualifier = self.engine.qualifier
            results = qualifier.analyze(tasks, self.target)
            with self.engine.pool.connection() as conn, conn.transaction():
                outcome = qualifier.apply(conn, tasks, results, self.target)
                cancel = jobs.record_analysis(
                    conn, self.job.id, analyzed=outcome.analyzed, deferred=outcome.deferred,
                    failed=len(outcome.failures), stage_changes=outcome.stage_changes,
                    new_errors=[failure.as_json() for failure in outcome.failures],
                )
        for failure in outcome.failures:
            self.log.warning("analysis failed contact=%s error=%s", failure.id, failure.error)
        self.progress = replace(
            self.progress,
            analyzed=self.progress.analyzed + outcome.analyzed,
            analysis_deferred=self.progress.analysis_deferred + outcome.deferred,
            stage_changes=self.progress.stage_changes + outcome.stage_changes,
        )
        return cancel

    def _analyze_backlog(self) -> None:
        """Re-offer conversations that earlier runs could not analyse (AI out of quota, bad output)."""
        busy_retries = 0
        while True:
            tasks = self._backlog_tasks()
            if not tasks:
                if not self.busy:
                    return
                if busy_retries == BUSY_RETRIES:
                    self._leave_busy()
                    return
                # By the last retry a dead holder's locks have expired; a live one has usually finished.
                busy_retries += 1
                self._wait(self.engine.locks.ttl_seconds / (BUSY_RETRIES - 1) if self.engine.locks else 0)
                self.busy.clear()
                continue
            deferred_before = self.progress.analysis_deferred
            if self._qualify(tasks):
                raise SyncCancelled
            if self.progress.analysis_deferred > deferred_before:
                self.log.info("analysis still unavailable; backlog left for a later run")
                return

    def _leave_busy(self) -> None:
        """Contacts still locked by a live writer: counted as deferred, so a later run analyses them."""
        self.log.info("contacts still locked by another writer; left for a later run count=%d", len(self.busy))
        with self.engine.pool.connection() as conn, conn.transaction():
            jobs.record_analysis(conn, self.job.id, analyzed=0, deferred=len(self.busy), failed=0, stage_changes=0,
                                 new_errors=[])
        self.progress = replace(self.progress, analysis_deferred=self.progress.analysis_deferred + len(self.busy))

    def _backlog_tasks(self) -> list[QualifyTask]:
        with self.engine.pool.connection() as conn:
            rows = conn.execute(
                "SELECT v.id AS conversation_id, v.contact_id, v.platform,"
                " COALESCE(c.messenger_psid, c.instagram_sid) AS external_id"
                " FROM conversations v JOIN contacts c ON c.id = v.contact_id"
                " WHERE v.facebook_page_id = %s AND (v.analyzed_at IS NULL OR v.analyzed_at < v.updated_time)"
                " AND NOT (v.id = ANY(%s)) AND NOT (v.contact_id = ANY(%s)) ORDER BY v.updated_time DESC LIMIT %s",
                (self.page.id, list(self.attempted), list(self.busy), self.engine.progress_every),
            ).fetchall()
            transcripts = stored_transcripts(conn, self.page, [row["contact_id"] for row in rows])
        return [
            QualifyTask(row["contact_id"], row["conversation_id"], row["external_id"], row["platform"],
                        transcripts[row["contact_id"]])
            for row in rows
        ]

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
        reason = scrub(reason, [self.token]) if reason else None
        with self.engine.pool.connection() as conn, conn.transaction():
            job = jobs.finish_job(conn, self.job.id, status, failure_reason=reason, token_expired=token_expired)
            if status is JobStatus.COMPLETED:
                # The start time, not the end: conversations that changed during the sync are read next time.
                pages.mark_synced(conn, self.page.id, self.progress.started_at)
            if token_expired:
                pages.mark_needs_reauth(conn, self.page.id)
        self.log.info(
            "sync finished status=%s synced=%d failed=%d analyzed=%d deferred=%d stage_changes=%d reason=%s",
            status.value, job.synced_contacts, job.failed_contacts, job.analyzed_contacts,
            job.analysis_deferred, job.stage_changes, reason or "-",
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
