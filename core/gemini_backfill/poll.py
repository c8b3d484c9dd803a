"""Polling a submitted Gemini batch, and applying its answers once it has them.

One poll is one look at Google (core/work.py's `gemini_batch` row says when the next is due), so a
worker restart only delays it. A succeeded batch's answers are applied like the online drain's,
through core/qualify's version check: a contact whose messages changed since the batch read them is
left due. Whatever the batch did not answer usably (an item it failed, a result missing or off its
schema, the whole batch failed, expired, cancelled or gone) is let go to the online path: the
contact stops waiting, the page's analysis is owed, and the online drain analyses it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from core import backlog, home, jobs, work
from core.analysis.gemini import result_for
from core.analysis.model import Analysis, Transcript
from core.db import Pool
from core.gemini_backfill.submit import display_name
from core.jobs import SyncJob
from core.logfmt import ContextLogger
from core.pipeline import auto_pipeline_of
from core.qualify import Qualifier
from core.transcripts import ContactSnapshot

if TYPE_CHECKING:
    from core.analysis.gemini_batch import BatchStatus, GeminiBatches

logger = logging.getLogger(__name__)

# Google expires a batch pending or running for 48 hours; one we have not seen finish by then is given up.
GIVE_UP_AFTER = timedelta(hours=49)
# A batch recorded but not found at Google this long after (its worker died before creating it) never was.
NEVER_CREATED_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class PollResult:
    state: str  # Google's BATCH_STATE_…, or LOST / NEVER_CREATED / GAVE_UP / gone (no such record)
    again_in: float | None = None  # seconds until the next poll; None: the batch is finished
    applied: int = 0
    fell_back: int = 0  # contacts handed to the online path
    job: SyncJob | None = None  # the batch's sync job, after its counts were recorded


def poll(pool: Pool, api: GeminiBatches, qualifier: Qualifier, batch_id: int, every: float) -> PollResult:
    from core.analysis.gemini_batch import RUNNING_STATES, SUCCEEDED, BatchError

    with pool.connection() as conn:
        batch = conn.execute("SELECT * FROM gemini_batches WHERE id = %s", (batch_id,)).fetchone()
        job = jobs.get_job(conn, batch["sync_job_id"]) if batch else None
    if batch is None or job is None:
        return PollResult("gone")
    log = ContextLogger(logger, {"job_id": job.id, "batch": batch["name"] or display_name(batch_id)})
    age = datetime.now(UTC) - batch["submitted_at"]
    name, bucket = batch["name"], batch["key_bucket"]
    try:
        if name is None:
            found = api.find(display_name(batch_id))
            if found is None:
                if age < NEVER_CREATED_AFTER:
                    return PollResult("BATCH_STATE_PENDING", every)
                return _finish(pool, qualifier, batch, job, "NEVER_CREATED", None, log)
            name, bucket = found
            with pool.connection() as conn:
                conn.execute("UPDATE gemini_batches SET name = %s, key_bucket = %s WHERE id = %s", (*found, batch_id))
        if job.cancel_requested:
            _forget_remote(api, bucket, name, log, cancel=True, delete=False)
            return _finish(pool, qualifier, batch, job, "BATCH_STATE_CANCELLED", None, log, fall_back=False)
        status = api.status(bucket, name)
    except BatchError as exc:
        if exc.lost:
            log.warning("gemini batch lost: %s", exc)
            return _finish(pool, qualifier, batch, job, "LOST", None, log)
        if age < GIVE_UP_AFTER:
            log.info("gemini batch not polled now: %s", exc)
            return PollResult("BATCH_STATE_PENDING", every)
        return _finish(pool, qualifier, batch, job, "GAVE_UP", None, log)
    if status.state in RUNNING_STATES:
        if age < GIVE_UP_AFTER:
            return PollResult(status.state, every)
        _forget_remote(api, bucket, name, log, cancel=True)
        return _finish(pool, qualifier, batch, job, "GAVE_UP", None, log)
    result = _finish(pool, qualifier, batch, job, status.state, status if status.state == SUCCEEDED else None, log)
    _forget_remote(api, bucket, name, log)
    return result


def _forget_remote(
    api: GeminiBatches, bucket: str, name: str, log: ContextLogger, *, cancel: bool = False, delete: bool = True
) -> None:
    """Best effort: a batch we cannot cancel or delete is expired by Google by itself."""
    from core.analysis.gemini_batch import BatchError

    try:
        if cancel:
            api.cancel(bucket, name)
        if delete:
            api.delete(bucket, name)
    except BatchError as exc:
        log.info("gemini batch not cancelled or deleted: %s", exc)


def _finish(
    pool: Pool,
    qualifier: Qualifier,
    batch: dict[str, Any],
    job: SyncJob,
    state: str,
    status: BatchStatus | None,
    log: ContextLogger,
    *,
    fall_back: bool = True,
) -> PollResult:
    """Apply what `status` answered (None: nothing), let every other contact go, and record it all on the
    batch's sync job, in one transaction. `fall_back` False (a cancelled sync): nothing is owed."""
    page_pk = batch["facebook_page_id"]
    with pool.connection() as conn, conn.transaction():
        waiting = conn.execute(
            "SELECT c.contact_id, c.request_index, c.ref, c.contact_name, c.version, c.conversations,"
            " COALESCE(k.messenger_psid, k.instagram_sid) AS external_id,"
            " CASE WHEN k.messenger_psid IS NOT NULL THEN 'messenger' ELSE 'instagram' END AS platform"
            " FROM gemini_batch_contacts c JOIN contacts k ON k.id = c.contact_id"
            " WHERE c.batch_id = %s AND c.waiting ORDER BY c.contact_id FOR UPDATE OF c",
            (batch["id"],),
        ).fetchall()
        target = auto_pipeline_of(conn, page_pk)
        stages = tuple(target.pipeline.stage_names) if target else None
        batch_stages = tuple(batch["stages"]) if batch["stages"] is not None else None
        tasks: list[ContactSnapshot] = []
        results: list[Analysis] = []
        # Answers naming stages the pipeline no longer has (it was edited meanwhile) are not applied.
        if status is not None and stages == batch_stages:
            for row in waiting:
                analysis = _analysis_of(status, row, stages)
                if analysis is not None:
                    tasks.append(_snapshot(row))
                    results.append(analysis)
        outcome = qualifier.apply(conn, tasks, results, target)
        conn.execute("UPDATE gemini_batch_contacts SET waiting = false WHERE batch_id = %s AND waiting", (batch["id"],))
        conn.execute("UPDATE gemini_batches SET state = %s, finished_at = now() WHERE id = %s", (state, batch["id"]))
        fell_back = len(waiting) - outcome.analyzed - len(outcome.failures)
        recorded = jobs.record_analysis(
            conn,
            job.id,
            analyzed=outcome.analyzed,
            deferred=0,
            failed=len(outcome.failures),
            stage_changes=outcome.stage_changes,
            new_errors=[failure.as_json() for failure in outcome.failures],
            backlog=backlog.backlog_size(conn, page_pk),
            rate=None,
        )
        if outcome.analyzed:
            home.owe_publish(conn, page_pk)
        if fall_back:
            # The online drain takes what this batch let go, and submits what waited for batch quota.
            work.owe(conn, work.Kind.ANALYSIS, page_pk, page_pk=page_pk)
    log.info(
        "gemini batch finished state=%s applied=%d fell_back=%d superseded=%d",
        state,
        outcome.analyzed,
        fell_back,
        outcome.superseded,
    )
    return PollResult(state, None, outcome.analyzed, fell_back, recorded)


def _analysis_of(status: BatchStatus, row: dict[str, Any], stages: tuple[str, ...] | None) -> Analysis | None:
    index = row["request_index"]
    answer = status.answers[index] if index < len(status.answers) else None
    if not isinstance(answer, list):
        return None
    return result_for(answer, row["ref"], row["contact_name"], stages)


def _snapshot(row: dict[str, Any]) -> ContactSnapshot:
    """What apply needs of the contact as the batch read it: who, the version, the conversations seen."""
    conversations = tuple((int(cid), datetime.fromisoformat(at)) for cid, at in row["conversations"])
    return ContactSnapshot(
        contact_id=row["contact_id"],
        external_id=row["external_id"],
        platform=row["platform"],
        transcript=Transcript(row["contact_name"], row["platform"], "", ()),
        version=row["version"],
        conversations=conversations,
    )
