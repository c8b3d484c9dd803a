"""The inline sync (no job queue) analyses what it stored while its Graph pass goes on."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from core import jobs
from core.analysis.rules import RulesAnalyzer
from core.jobs import JobStatus
from core.qualify import Qualifier
from core.sync import SilentReporter, SyncEngine, SyncProgress
from sandbox.graph_sim import SimPage

PAGE = SimPage(page_id="200000000000071", name="Dockside Cycles", token="dockside-token-0123456789", messenger_count=60)


class SmallBatches(RulesAnalyzer):
    offline_batch = 10  # a batch's worth is one Graph page of the test's


def analysed(pool, page) -> int:
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT count(*) AS n FROM conversation_contacts cc JOIN conversations v ON v.id = cc.conversation_id"
            " WHERE v.facebook_page_id = %s AND cc.analyzed_at IS NOT NULL",
            (page.id,),
        ).fetchone()
    return int(row["n"])


class WaitsForAnalysis(SilentReporter):
    """After the third stored page, the pass waits (up to a generous bound) to see the first pages analysed."""

    def __init__(self, pool, page) -> None:
        self.pool, self.page = pool, page
        self.chunks = 0
        self.analysed_during_pass = 0

    def progress(self, progress: SyncProgress) -> None:
        self.chunks += 1
        if self.chunks != 3:
            return
        bound = time.monotonic() + 20.0
        while not self.analysed_during_pass and time.monotonic() < bound:
            self.analysed_during_pass = analysed(self.pool, self.page)
            time.sleep(0.05)


def run(pool, settings, page, reporter=None) -> jobs.SyncJob:
    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, full=True, stale_after_seconds=settings.job_stale_after)
    engine = SyncEngine(pool, replace(settings, graph_page_size=10), Qualifier(SmallBatches()), reporter=reporter)
    return engine.run(job.id)


def test_stored_pages_are_analysed_while_further_pages_are_fetched(pool, sim, settings, connect_page):
    sim.add_page(PAGE)
    page = connect_page(PAGE)
    reporter = WaitsForAnalysis(pool, page)

    job = run(pool, settings, page, reporter)

    assert reporter.analysed_during_pass > 0  # before the sixth (last) page was fetched
    assert (job.status, job.synced_contacts, job.analyzed_contacts) == (JobStatus.COMPLETED, 60, 60)
    assert analysed(pool, page) == 60
    assert job.analysis_backlog == 0


def test_a_failed_pass_stops_the_analysis_and_keeps_what_was_stored(pool, sim, settings, connect_page):
    sim.add_page(PAGE)
    page = connect_page(PAGE)
    sim.inject(PAGE.page_id, "token_invalid", on_call=4, permanent=True)

    job = run(pool, settings, page)

    assert job.status is JobStatus.FAILED and job.token_expired
    assert job.synced_contacts == 30
    assert analysed(pool, page) <= 30
    assert not [thread for thread in threading.enumerate() if thread.name == "sync-analysis"]
