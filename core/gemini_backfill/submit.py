"""Whether a page's analysis goes through Gemini's Batch API now, and submitting it.

A full sync of at least `gemini_batch_min` contacts (with FBSYNC_GEMINI_BATCH on and Gemini keys) is
analysed by batches: while the sync stores contacts the online drain holds off (until the sync is
known to be that large, or has ended smaller), a batch goes out each time enough contacts wait for
one, and the rest once the sync has ended. Each batch is recorded (with every contact's message
version) and its poll owed (core/work.py) before Google is asked to create it, so a worker killed
at any point loses nothing: the poll finds the batch by its display name, or falls back.

A contact is batched at most once per sync: what a batch fails or loses goes to the online drain.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from psycopg.types.json import Jsonb

from core import jobs, pages, work
from core.analysis.batch import plan_packs
from core.analysis.prompt import Prompt, pack_prompt
from core.config import Settings
from core.db import Conn, Pool
from core.jobs import JobStatus, SyncJob
from core.logfmt import ContextLogger
from core.pipeline import AutoPipeline, auto_pipeline_of
from core.transcripts import ContactSnapshot, contact_snapshots

if TYPE_CHECKING:
    from core.analysis.gemini_batch import GeminiBatches

logger = logging.getLogger(__name__)

# A full sync still storing contacts: its analysis is looked at again this soon.
HOLD_SECONDS = 5.0
# While the sync stores, a batch goes out once this many contacts wait for one.
SUBMIT_DURING_SYNC = 1000
# Contacts read (and their packs built) at once; and the bytes of one batch's inlined requests, which
# Google wants under 20 MB in all (the schema of a request is about 3 KB).
READ_CONTACTS = 2000
MAX_BATCH_BYTES = 15_000_000
SCHEMA_BYTES = 4000
# Google's target turnaround, which Slack quotes.
EXPECTED_WITHIN = timedelta(hours=24)

# Due contacts of the page not batched for this sync yet (and so not waiting for a batch either).
_UNBATCHED = (
    "SELECT cc.contact_id, max(v.updated_time) AS newest FROM conversation_contacts cc"
    " JOIN conversations v ON v.id = cc.conversation_id"
    " WHERE v.facebook_page_id = %(page)s AND (cc.analyzed_at IS NULL OR cc.analyzed_at < v.updated_time)"
    " AND NOT EXISTS (SELECT 1 FROM gemini_batch_contacts c WHERE c.contact_id = cc.contact_id"
    "  AND (c.waiting OR c.batch_id IN (SELECT b.id FROM gemini_batches b WHERE b.sync_job_id = %(job)s)))"
    " GROUP BY cc.contact_id ORDER BY newest DESC, cc.contact_id"
)


@dataclass(frozen=True)
class Submitted:
    batch_id: int
    contacts: int


@dataclass(frozen=True)
class Offload:
    """`hold_seconds` None: the online drain goes on (for what no batch has); otherwise it waits that long."""

    hold_seconds: float | None = None
    job: SyncJob | None = None
    submitted: tuple[Submitted, ...] = ()


def display_name(batch_id: int) -> str:
    return f"fbsync-batch-{batch_id}"


def offload(pool: Pool, settings: Settings, page_pk: int, batches: Callable[[], GeminiBatches]) -> Offload:
    """Submit what the page's large full sync has for Gemini batches; say whether the online drain waits."""
    if not (settings.gemini_batch and settings.gemini_api_keys):
        return Offload()
    with pool.connection() as conn:
        job = jobs.latest_job(conn, page_pk)
    if job is None or not job.full_sync or job.cancel_requested or job.analysis_completed_at is not None:
        return Offload()
    storing = job.status is JobStatus.IN_PROGRESS
    if job.synced_contacts < settings.gemini_batch_min:
        # Still storing: it may yet be large enough, and what the online drain took would cost double.
        return Offload(HOLD_SECONDS if storing else None, job)
    submitted: list[Submitted] = []
    log = ContextLogger(logger, {"job_id": job.id, "page_pk": page_pk})
    with pool.connection() as conn:
        page = pages.get_page(conn, page_pk)
        target = auto_pipeline_of(conn, page_pk)
        ids = [row["contact_id"] for row in conn.execute(_UNBATCHED, {"page": page_pk, "job": job.id}).fetchall()]
    if storing and len(ids) < SUBMIT_DURING_SYNC:
        return Offload(HOLD_SECONDS, job)
    api = batches()
    for start in range(0, len(ids), READ_CONTACTS):
        with pool.connection() as conn:
            snapshots = contact_snapshots(conn, page, ids[start : start + READ_CONTACTS])
        tasks = [snapshots[contact_id] for contact_id in ids[start : start + READ_CONTACTS] if contact_id in snapshots]
        for group in _groups(_requests(tasks, settings, target)):
            done = _submit(pool, settings, api, job, target, group, log)
            if done is None:
                # Refused (its quota is full, or Google failed). With batches of the page still out, the rest
                # waits for one of them to come back (its poll owes the analysis again); with none, it goes online.
                return Offload(settings.gemini_batch_poll if waiting_batches(pool, page_pk) else None, job)
            submitted.append(done)
    return Offload(HOLD_SECONDS if storing else None, job, tuple(submitted))


def waiting_batches(pool: Pool, page_pk: int) -> int:
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT count(*) AS n FROM gemini_batches WHERE facebook_page_id = %s AND finished_at IS NULL", (page_pk,)
        ).fetchone()
    return int(row["n"]) if row else 0


@dataclass(frozen=True)
class _Request:
    """One inlined request: a pack's prompt, and each contact of it under its ref."""

    prompt: Prompt
    contacts: tuple[tuple[str, ContactSnapshot], ...]

    @property
    def size(self) -> int:
        # As the SDK sends it: JSON with non-ASCII escaped (up to 12 bytes a character), plus the schema.
        return len(json.dumps(self.prompt.system)) + len(json.dumps(self.prompt.user)) + SCHEMA_BYTES


def _requests(tasks: list[ContactSnapshot], settings: Settings, target: AutoPipeline | None) -> list[_Request]:
    """The contacts in packs, as the online analyzer packs them."""
    stages = tuple(target.pipeline.stage_names) if target else None
    definitions = target.pipeline.definitions if target else None
    budget = settings.analysis_char_budget
    transcripts = [task.transcript for task in tasks]
    packs = plan_packs(transcripts, settings.gemini_pack_size, settings.gemini_pack_chars, budget)
    requests = []
    for pack in packs:
        contacts = tuple((f"C{number}", tasks[i]) for number, i in enumerate(pack, start=1))
        items = [(ref, task.transcript) for ref, task in contacts]
        requests.append(_Request(pack_prompt(items, stages, budget, definitions), contacts))
    return requests


def _groups(requests: list[_Request]) -> list[list[_Request]]:
    """Requests in batches whose inlined requests stay under MAX_BATCH_BYTES."""
    groups: list[list[_Request]] = [[]]
    used = 0
    for request in requests:
        if groups[-1] and used + request.size > MAX_BATCH_BYTES:
            groups.append([])
            used = 0
        groups[-1].append(request)
        used += request.size
    return [group for group in groups if group]


def _submit(
    pool: Pool,
    settings: Settings,
    api: GeminiBatches,
    job: SyncJob,
    target: AutoPipeline | None,
    requests: Sequence[_Request],
    log: ContextLogger,
) -> Submitted | None:
    """One batch: recorded, its poll owed, then created at Google. None when Google refused it (its
    quota is full, or it failed): the record is gone again, its contacts are as they were."""
    from core.analysis.gemini_batch import BatchError

    stages = tuple(target.pipeline.stage_names) if target else None
    rows = [
        (task.contact_id, index, ref, task.transcript.contact_name, task.version, _seen(task))
        for index, request in enumerate(requests)
        for ref, task in request.contacts
    ]
    with pool.connection() as conn, conn.transaction():
        batch_id = _record(conn, job, stages, len(requests), rows)
        poll_in = settings.gemini_batch_poll
        work.owe(conn, work.Kind.GEMINI_BATCH, batch_id, page_pk=job.facebook_page_id, delay_seconds=poll_in)
    try:
        name, bucket = api.submit(display_name(batch_id), [request.prompt for request in requests], stages)
    except BatchError as exc:
        with pool.connection() as conn, conn.transaction():
            conn.execute("DELETE FROM gemini_batches WHERE id = %s", (batch_id,))
            work.forget(conn, work.Kind.GEMINI_BATCH, batch_id)
        log.warning("gemini batch not created contacts=%d reason=%s", len(rows), exc)
        return None
    with pool.connection() as conn:
        conn.execute("UPDATE gemini_batches SET name = %s, key_bucket = %s WHERE id = %s", (name, bucket, batch_id))
    log.info("gemini batch submitted batch=%s contacts=%d requests=%d", name, len(rows), len(requests))
    return Submitted(batch_id, len(rows))


def _seen(task: ContactSnapshot) -> Jsonb:
    """The conversations as read, with their updated_time: what the answer brings up to date."""
    return Jsonb([[conversation, at.isoformat()] for conversation, at in task.conversations])


def _record(
    conn: Conn,
    job: SyncJob,
    stages: tuple[str, ...] | None,
    requests: int,
    rows: list[tuple[int, int, str, str, str, Jsonb]],
) -> int:
    batch = conn.execute(
        "INSERT INTO gemini_batches (facebook_page_id, sync_job_id, stages, requests) VALUES (%s, %s, %s, %s)"
        " RETURNING id",
        (job.facebook_page_id, job.id, list(stages) if stages is not None else None, requests),
    ).fetchone()
    assert batch is not None
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO gemini_batch_contacts (batch_id, contact_id, request_index, ref, contact_name, version,"
            " conversations) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [(batch["id"], *row) for row in rows],
        )
    return int(batch["id"])
