"""Gemini Batch API backfills (core/gemini_backfill): the analysis job's first step, and the poll job.

Both tell the sync's Slack thread what happened: a batch submitted (and when its results are
expected), a batch back (what it analysed, what goes to the online analysis instead).
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from typing import TYPE_CHECKING

from bot import views
from bot.slack_client import SlackClients, safe_call
from core import gemini_backfill, pages, work
from core.analysis import build_analyzer
from core.config import Settings
from core.db import Pool
from core.jobs import SyncJob
from core.logfmt import ContextLogger
from core.qualify import Qualifier
from worker.resources import held_work

if TYPE_CHECKING:
    from core.analysis.gemini_batch import GeminiBatches

logger = logging.getLogger(__name__)


def offload_analysis(settings: Settings, pool: Pool, page_pk: int) -> float | None:
    """What of the page's analysis goes to Gemini batches now; returns how long the online drain waits
    (None: it goes on now, with whatever no batch has)."""

    def batches() -> GeminiBatches:
        # google-genai takes a while to import: only a backfill that submits pays for it.
        from core.analysis.gemini_batch import GeminiBatches

        return GeminiBatches.from_settings(settings)

    result = gemini_backfill.offload(pool, settings, page_pk, batches)
    if result.submitted and result.job is not None:
        contacts = sum(batch.contacts for batch in result.submitted)
        within = gemini_backfill.EXPECTED_WITHIN.total_seconds()
        _tell_thread(settings, pool, result.job, views.batch_submitted(contacts, within))
    return result.hold_seconds


def poll_gemini_batch(batch_id: int, dispatch_id: int) -> str:
    """Look at one submitted batch; apply its answers once it has them, else look again later."""
    with ExitStack() as stack:
        held = stack.enter_context(held_work(work.Kind.GEMINI_BATCH, batch_id, dispatch_id))
        if held is None:
            return "not owed"
        settings, pool, _ = held
        from core.analysis.gemini_batch import GeminiBatches
        from worker.jobs import analysis_reporter  # worker.jobs calls offload_analysis: imported late

        qualifier = Qualifier(build_analyzer(settings), workers=1)
        stack.callback(qualifier.close)
        api = GeminiBatches.from_settings(settings)
        result = gemini_backfill.poll(pool, api, qualifier, batch_id, settings.gemini_batch_poll)
        with pool.connection() as conn:
            if result.again_in is not None:
                work.release(conn, work.Kind.GEMINI_BATCH, batch_id, result.again_in)
                return result.state
            work.forget(conn, work.Kind.GEMINI_BATCH, batch_id)
        job = result.job
        if job is not None and result.state != "BATCH_STATE_CANCELLED":
            _tell_thread(settings, pool, job, views.batch_finished(result.state, result.applied, result.fell_back))
            reporter = analysis_reporter(settings, pool, job.facebook_page_id)
            if reporter is not None:
                reporter.update(job, final=True)
        return result.state


def _tell_thread(settings: Settings, pool: Pool, job: SyncJob, message: views.Message) -> None:
    if not (job.slack_channel and job.slack_thread_ts):
        return
    with pool.connection() as conn:
        page = pages.get_page(conn, job.facebook_page_id)
    client = SlackClients(settings, pool, wait_on_rate_limit=False).for_page(page)
    if client is not None:
        log = ContextLogger(logger, {"job_id": job.id})
        safe_call(client.chat_postMessage, log, channel=job.slack_channel, thread_ts=job.slack_thread_ts, **message)
