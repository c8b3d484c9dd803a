"""The analysis backlog as durable work: the job functions as workers run them (real RQ queues on real
Redis, real PostgreSQL), the Gemini stand-in over HTTP with a scaled-down binding quota."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import redis

from core import jobs
from core.backlog import lease_key
from core.jobs import JobStatus
from sandbox.gemini_stub import GeminiStub
from sandbox.graph_sim import SimPage
from sandbox.processes import wait_for
from worker.enqueue import enqueue_analysis
from worker.queues import analysis_queue

SHOP = SimPage(page_id="510000000000001", name="Oak Deli", token="oak-deli-token-9a8b7c6d", messenger_count=20, seed=8)
KEY = "AIzaSy-backlog-key-000000000000000000"
# Analysed at 4 a second below: ten seconds of work, recorded ten contacts at a time.
BIG = SimPage(page_id="510000000000002", name="Elm Deli", token="elm-deli-token-1a2b3c4d", messenger_count=40, seed=9)


@pytest.fixture
def page(sim, connect_page):
    sim.add_page(SHOP)
    return connect_page(SHOP)


@pytest.fixture
def big_page(sim, connect_page):
    sim.add_page(BIG)
    return connect_page(BIG)


@pytest.fixture
def gemini_env(monkeypatch, worker_env):
    """Workers configured for Gemini at a binding quota: 2 requests per half-second window, one
    contact per request."""
    with GeminiStub(keys=[KEY], rpm_per_key=2, quota_window_s=0.5, window="fixed") as stub:
        for name, value in {
            "GEMINI_API_KEYS": KEY,
            "GEMINI_BASE_URL": stub.base_url,
            "FBSYNC_GEMINI_RPM": "2",
            "FBSYNC_GEMINI_WINDOW_SECONDS": "0.5",
            "FBSYNC_GEMINI_PACK_SIZE": "1",
            "FBSYNC_ANALYSIS_LEASE_SECONDS": "0.5",
        }.items():
            monkeypatch.setenv(name, value)
        yield stub
        assert stub.errors == []


def sync_now(pool, page) -> jobs.SyncJob:
    from worker.jobs import run_sync

    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, stale_after_seconds=600)
    run_sync(job.id)
    with pool.connection() as conn:
        return jobs.get_job(conn, job.id)


def latest(pool, page) -> jobs.SyncJob:
    with pool.connection() as conn:
        job = jobs.latest_job(conn, page.id)
    assert job is not None
    return job


def unanalysed(pool) -> int:
    with pool.connection() as conn:
        return conn.execute("SELECT count(*) AS n FROM conversations WHERE analyzed_at IS NULL").fetchone()["n"]


def test_the_sync_does_not_wait_for_the_ai_and_the_analysis_job_finishes(
    pool, page, worker_env, sync_queue, run_analysis_jobs
):
    job = sync_now(pool, page)

    assert (job.status, job.synced_contacts, job.analyzed_contacts) == (JobStatus.COMPLETED, 20, 0)
    assert job.analysis_backlog == 20 and job.analysis_completed_at is None
    assert analysis_queue(sync_queue.connection).count == 1  # one job for the page, however many chunks

    assert run_analysis_jobs() >= 1
    done = latest(pool, page)
    assert (done.analyzed_contacts, done.analysis_backlog) == (20, 0)
    assert done.analysis_completed_at is not None and unanalysed(pool) == 0


def test_a_killed_analysis_job_is_queued_again_and_resumes_with_nothing_lost(
    pool, big_page, gemini_env, sync_queue, run_analysis_jobs
):
    assert sync_now(pool, big_page).analysis_backlog == 40
    analysis_queue(sync_queue.connection).empty()
    sync_queue.connection.delete(f"fbsync:analysis:queued:{big_page.id}")
    code = f"from worker.jobs import run_analysis; run_analysis({big_page.id})"
    worker = subprocess.Popen(
        [sys.executable, "-c", code], env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(lambda: latest(pool, big_page).analyzed_contacts > 0, 60, "the analysis to make progress")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    killed = latest(pool, big_page)
    assert 0 < killed.analyzed_contacts < 40 and killed.analysis_completed_at is None

    from worker.jobs import queue_pending_analyses

    connection = redis.Redis.from_url(os.environ["REDIS_URL"])
    wait_for(lambda: not connection.exists(lease_key(big_page.id)), 10, "the dead job's lease to run out")
    assert queue_pending_analyses() == 1
    assert queue_pending_analyses() == 0  # queued once
    run_analysis_jobs()

    done = latest(pool, big_page)
    assert done.analysis_backlog == 0 and done.analysis_completed_at is not None
    assert unanalysed(pool) == 0
    with pool.connection() as conn:
        analysed = conn.execute("SELECT count(*) AS n FROM contacts WHERE ai_context IS NOT NULL").fetchone()["n"]
    assert analysed == 40
    assert all(request["status"] == 200 for request in gemini_env.requests)  # the quota bound, never broken


def test_one_analysis_job_per_page_however_often_asked(pool, page, sync_queue):
    queue = analysis_queue(sync_queue.connection)
    assert enqueue_analysis(queue, page.id) is True
    assert enqueue_analysis(queue, page.id) is False
    assert queue.count == 1


def test_a_cancelled_sync_stops_its_analysis_and_the_sweep_leaves_it(
    pool, page, worker_env, sync_queue, run_analysis_jobs
):
    job = sync_now(pool, page)
    with pool.connection() as conn:
        conn.execute("UPDATE sync_jobs SET cancel_requested = true WHERE id = %s", (job.id,))

    run_analysis_jobs()

    from worker.jobs import queue_pending_analyses

    assert latest(pool, page).analyzed_contacts == 0
    assert queue_pending_analyses() == 0 and unanalysed(pool) == 20


def test_a_storm_defers_the_job_says_why_and_it_comes_back_by_itself(
    pool, page, gemini_env, sync_queue, run_analysis_jobs, monkeypatch
):
    from rq.job import Job

    monkeypatch.setenv("FBSYNC_GEMINI_MAX_WAIT", "0.5")
    gemini_env.exhaust(KEY, retry_delay_s=1.5)
    sync_now(pool, page)
    run_analysis_jobs()

    deferred = latest(pool, page)
    assert deferred.analyzed_contacts == 0 and deferred.analysis_backlog == 20
    assert "out of quota (rate limit)" in deferred.analysis_deferred_reason
    queue = analysis_queue(sync_queue.connection)
    [resumption] = queue.scheduled_job_registry.get_job_ids()  # queued for when the quota is back
    from worker.jobs import queue_pending_analyses

    assert queue_pending_analyses() == 0  # the sweep does not queue a second one meanwhile

    gemini_env.restore(KEY)
    scheduled_at = queue.scheduled_job_registry.get_scheduled_time(resumption)
    time.sleep(max(0.0, scheduled_at.timestamp() - time.time()) + 0.1)
    # What the worker's scheduler does once the time has come (done here: another test's scheduler may
    # hold the queue's scheduler lock).
    queue.enqueue_job(Job.fetch(resumption, connection=sync_queue.connection))
    queue.scheduled_job_registry.remove(resumption)
    run_analysis_jobs()

    done = latest(pool, page)
    assert (done.analyzed_contacts, done.analysis_backlog, done.analysis_deferred_reason) == (20, 0, None)
    assert done.analysis_completed_at is not None and unanalysed(pool) == 0
