"""The analysis backlog as durable work: the job functions as workers run them (real RQ queues on real
Redis, real PostgreSQL holding what is owed in pending_work, the dispatcher putting it on the queues),
the Gemini stand-in over HTTP with a scaled-down binding quota."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
import redis

from conftest import due_in
from core import jobs, schedule, work
from core.config import Settings
from core.jobs import JobStatus
from core.redis_keys import DISPATCH_EPOCH
from core.work import Kind
from sandbox.gemini_stub import GeminiStub
from sandbox.graph_sim import SimPage
from sandbox.processes import wait_for
from worker.queues import analysis_queue, refresh_queue

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
        }.items():
            monkeypatch.setenv(name, value)
        yield stub
        assert stub.errors == []


@pytest.fixture
def safety_nets(pool, redis_url):
    """The dispatcher's minute safety nets (stale syncs reaped, analysis owed to pages with backlog and
    nothing owed, scheduled syncs started), run now."""
    from worker.dispatch import Dispatcher

    dispatcher = Dispatcher(Settings(redis_url=redis_url), pool, redis.Redis.from_url(redis_url))
    return lambda: dispatcher.safety_nets(datetime.now(UTC))


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


def owed(pool, kind: Kind, subject_id: int) -> dict | None:
    """The pending_work row, None when nothing is owed."""
    with pool.connection() as conn:
        return conn.execute(
            "SELECT * FROM pending_work WHERE kind = %s AND subject_id = %s", (kind.value, subject_id)
        ).fetchone()


def owe_analysis(pool, page_pk: int) -> None:
    """What a sync does when it has stored contacts (its `request_analysis`)."""
    with pool.connection() as conn:
        work.owe(conn, Kind.ANALYSIS, page_pk, page_pk=page_pk)


def set_started(pool, kind: Kind, subject_id: int, ago_seconds: float) -> None:
    """Where a job's `work.begin` leaves the row: started, `ago_seconds` ago."""
    with pool.connection() as conn:
        conn.execute(
            "UPDATE pending_work SET started_at = now() - make_interval(secs => %s)"
            " WHERE kind = %s AND subject_id = %s",
            (ago_seconds, kind.value, subject_id),
        )


def hold_lock(database_url: str, kind: Kind, subject_id: int) -> psycopg.Connection:
    """A session holding the row's advisory lock, as a job working on it does."""
    holder = psycopg.connect(database_url, autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s)", (work.lock_key(kind, subject_id),))
    return holder


def scheduled_jobs(connection: redis.Redis) -> int:
    """Jobs in RQ's scheduled registries: none, nothing uses enqueue_in any more."""
    return sum(q.scheduled_job_registry.count for q in (analysis_queue(connection), refresh_queue(connection)))


def test_the_sync_does_not_wait_for_the_ai_and_the_analysis_job_finishes(
    pool, page, worker_env, sync_queue, dispatch, run_analysis_jobs
):
    job = sync_now(pool, page)

    assert (job.status, job.synced_contacts, job.analyzed_contacts) == (JobStatus.COMPLETED, 20, 0)
    assert job.analysis_backlog == 20 and job.analysis_completed_at is None
    row = owed(pool, Kind.ANALYSIS, page.id)
    assert row is not None and row["due_at"] <= datetime.now(UTC)  # one row for the page, however many chunks
    assert dispatch() == 1
    assert analysis_queue(sync_queue.connection).count == 1

    assert run_analysis_jobs() >= 1
    done = latest(pool, page)
    assert (done.analyzed_contacts, done.analysis_backlog) == (20, 0)
    assert done.analysis_completed_at is not None and unanalysed(pool) == 0
    assert owed(pool, Kind.ANALYSIS, page.id) is None  # settled


def test_a_killed_analysis_job_is_queued_again_and_resumes_with_nothing_lost(
    pool, big_page, gemini_env, sync_queue, dispatch, run_analysis_jobs
):
    assert sync_now(pool, big_page).analysis_backlog == 40
    assert dispatch() == 1
    analysis_queue(sync_queue.connection).empty()  # the killed worker below took it off the queue
    dispatch_id = owed(pool, Kind.ANALYSIS, big_page.id)["dispatch_id"]
    code = f"from worker.jobs import run_analysis; run_analysis({big_page.id}, {dispatch_id})"
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
    row = owed(pool, Kind.ANALYSIS, big_page.id)
    assert row is not None and row["started_at"] is not None  # still owed: the dead job took it, did not settle it

    # Its lock went with its session: queued again once the backoff (RETRY_STEP_SECONDS × attempts) is over.
    wait_for(lambda: dispatch() == 1, 3 * work.RETRY_STEP_SECONDS, "the dead job's analysis to be queued again")
    assert dispatch() == 0  # queued once
    assert owed(pool, Kind.ANALYSIS, big_page.id)["dispatch_id"] != dispatch_id
    run_analysis_jobs()

    done = latest(pool, big_page)
    assert done.analysis_backlog == 0 and done.analysis_completed_at is not None
    assert unanalysed(pool) == 0 and owed(pool, Kind.ANALYSIS, big_page.id) is None
    with pool.connection() as conn:
        analysed = conn.execute("SELECT count(*) AS n FROM contacts WHERE ai_context IS NOT NULL").fetchone()["n"]
    assert analysed == 40
    assert all(request["status"] == 200 for request in gemini_env.requests)  # the quota bound, never broken


def test_one_analysis_job_per_page_however_often_asked(pool, page, sync_queue, dispatch, safety_nets):
    queue = analysis_queue(sync_queue.connection)
    with pool.connection() as conn:
        schedule.set_schedule(conn, page.id, None)  # never synced: the safety net would start one
    owe_analysis(pool, page.id)
    owe_analysis(pool, page.id)
    assert dispatch() == 1
    owe_analysis(pool, page.id)  # a sync storing more while the job waits on the queue
    safety_nets()
    assert dispatch() == 0
    assert queue.count == 1
    row = owed(pool, Kind.ANALYSIS, page.id)
    assert row["version"] == 3 and row["dispatched_at"] is not None  # the queued job will see what was owed since


def test_the_analysis_job_runs_alongside_a_sync_and_what_it_owes_meanwhile_is_not_lost(
    pool, page, worker_env, dispatch, run_analysis_jobs, monkeypatch
):
    """A sync storing contacts while the page's analysis job works owes the analysis again: the job's
    settle leaves the row owed (its version moved on), and a next job runs."""
    import worker.jobs

    sync_now(pool, page)
    counted = worker.jobs.online_backlog_size
    syncs_storing = [page.id]

    def sync_stores_more_meanwhile(conn, page_pk):
        if syncs_storing:
            owe_analysis(pool, syncs_storing.pop())
        return counted(conn, page_pk)

    monkeypatch.setattr(worker.jobs, "online_backlog_size", sync_stores_more_meanwhile)

    assert run_analysis_jobs() == 2  # the first one's settle found the row owed again
    done = latest(pool, page)
    assert done.analysis_backlog == 0 and done.analysis_completed_at is not None and unanalysed(pool) == 0
    assert owed(pool, Kind.ANALYSIS, page.id) is None


def test_a_cancelled_sync_stops_its_analysis_and_the_safety_net_leaves_it(
    pool, page, worker_env, sync_queue, dispatch, run_analysis_jobs, safety_nets
):
    job = sync_now(pool, page)
    with pool.connection() as conn:
        conn.execute("UPDATE sync_jobs SET cancel_requested = true WHERE id = %s", (job.id,))

    run_analysis_jobs()

    assert latest(pool, page).analyzed_contacts == 0 and unanalysed(pool) == 20
    assert owed(pool, Kind.ANALYSIS, page.id) is None  # forgotten with the cancel
    safety_nets()
    assert owed(pool, Kind.ANALYSIS, page.id) is None and dispatch() == 0


def test_the_safety_net_owes_an_analysis_to_a_page_with_backlog_and_nothing_owed(
    pool, page, worker_env, dispatch, run_analysis_jobs, safety_nets
):
    sync_now(pool, page)
    with pool.connection() as conn:
        work.forget(conn, Kind.ANALYSIS, page.id)  # as if lost: the backlog is the record

    safety_nets()
    assert owed(pool, Kind.ANALYSIS, page.id) is not None
    run_analysis_jobs()
    assert latest(pool, page).analysis_backlog == 0 and unanalysed(pool) == 0


def test_a_storm_defers_the_job_says_why_and_it_comes_back_by_itself(
    pool, page, gemini_env, sync_queue, dispatch, run_analysis_jobs, safety_nets, monkeypatch
):
    monkeypatch.setenv("FBSYNC_GEMINI_MAX_WAIT", "0.5")
    gemini_env.exhaust(KEY, retry_delay_s=1.5)
    sync_now(pool, page)
    run_analysis_jobs()

    deferred = latest(pool, page)
    assert deferred.analyzed_contacts == 0 and deferred.analysis_backlog == 20
    assert "out of quota (rate limit)" in deferred.analysis_deferred_reason
    # Owed again for when the quota is back: a due time in pending_work, not RQ's scheduler.
    row = owed(pool, Kind.ANALYSIS, page.id)
    assert row is not None and row["dispatched_at"] is None
    with pool.connection() as conn:
        wait = due_in(conn, Kind.ANALYSIS, page.id)
    assert wait is not None and timedelta(0) < wait <= timedelta(seconds=2)
    assert scheduled_jobs(sync_queue.connection) == 0
    safety_nets()  # the safety net does not owe a second one meanwhile
    assert dispatch() == 0 and analysis_queue(sync_queue.connection).count == 0

    gemini_env.restore(KEY)
    wait_for(lambda: dispatch() == 1, 10, "the deferred analysis to come due")
    assert datetime.now(UTC) >= row["due_at"]
    run_analysis_jobs()

    done = latest(pool, page)
    assert (done.analyzed_contacts, done.analysis_backlog, done.analysis_deferred_reason) == (20, 0, None)
    assert done.analysis_completed_at is not None and unanalysed(pool) == 0
    assert owed(pool, Kind.ANALYSIS, page.id) is None


# What pending_work guarantees, whatever happens to the workers and to Redis.


def test_a_dead_holder_blocks_the_next_dispatch_only_for_the_backoff_and_a_live_one_blocks_it(
    pool, page, worker_env, database_url, sync_queue, dispatch, run_analysis_jobs
):
    sync_now(pool, page)
    assert dispatch() == 1
    analysis_queue(sync_queue.connection).empty()  # taken off the queue by the worker holding it below
    first = owed(pool, Kind.ANALYSIS, page.id)

    # A live holder, however long ago it started: it is working on it, nothing is queued again.
    holder = hold_lock(database_url, Kind.ANALYSIS, page.id)
    set_started(pool, Kind.ANALYSIS, page.id, ago_seconds=3600)
    assert dispatch() == 0
    assert dispatch() == 0

    # Its process dies (its session ends) just after it started: queued again after the backoff only.
    set_started(pool, Kind.ANALYSIS, page.id, ago_seconds=0)
    holder.close()
    time.sleep(0.5)  # the server has ended the session
    assert dispatch() == 0  # within RETRY_STEP_SECONDS × attempts of its start
    set_started(pool, Kind.ANALYSIS, page.id, ago_seconds=work.RETRY_STEP_SECONDS * first["attempts"] + 1)
    wait_for(lambda: dispatch() == 1, 5, "the dead holder's analysis to be queued again")
    again = owed(pool, Kind.ANALYSIS, page.id)
    assert again["dispatch_id"] != first["dispatch_id"] and again["attempts"] == first["attempts"] + 1
    assert again["started_at"] is None

    # And the next analysis is not blocked: it runs and finishes the page.
    assert run_analysis_jobs() >= 1
    assert latest(pool, page).analysis_completed_at is not None and unanalysed(pool) == 0
    assert owed(pool, Kind.ANALYSIS, page.id) is None


def test_after_redis_is_flushed_every_dispatched_row_not_started_is_queued_again(
    pool, page, big_page, worker_env, database_url, sync_queue, dispatch
):
    from worker.jobs import run_analysis

    connection = sync_queue.connection
    with pool.connection() as conn:
        sync_job = jobs.create_job(conn, page.id, stale_after_seconds=600)
        jobs.queue_job(conn, sync_job)
        work.owe(conn, Kind.ANALYSIS, page.id, page_pk=page.id)
        work.owe(conn, Kind.SLACK_PARENT, sync_job.id, page_pk=page.id)
        work.owe(conn, Kind.ANALYSIS, big_page.id, page_pk=big_page.id)
    assert dispatch() == 4
    queues = {"sync": sync_queue, "analysis": analysis_queue(connection), "refresh": refresh_queue(connection)}
    assert {name: q.count for name, q in queues.items()} == {"sync": 1, "analysis": 2, "refresh": 1}
    before = {
        kind: owed(pool, kind, subject)["dispatch_id"]
        for kind, subject in ((Kind.SYNC, sync_job.id), (Kind.ANALYSIS, page.id), (Kind.SLACK_PARENT, sync_job.id))
    }
    # big_page's analysis is started: a worker holds it, it is not Redis's to lose.
    holder = hold_lock(database_url, Kind.ANALYSIS, big_page.id)
    set_started(pool, Kind.ANALYSIS, big_page.id, ago_seconds=0)
    held = owed(pool, Kind.ANALYSIS, big_page.id)["dispatch_id"]
    try:
        # Redis restarted empty (or was flushed): the dispatcher's mark and the queued jobs are gone.
        connection.delete(DISPATCH_EPOCH)
        for queue in queues.values():
            queue.empty()
        assert dispatch() == 3
        assert dispatch() == 0  # once
        assert {name: q.count for name, q in queues.items()} == {"sync": 1, "analysis": 1, "refresh": 1}
        for kind, subject in ((Kind.SYNC, sync_job.id), (Kind.ANALYSIS, page.id), (Kind.SLACK_PARENT, sync_job.id)):
            assert owed(pool, kind, subject)["dispatch_id"] != before[kind]
        assert owed(pool, Kind.ANALYSIS, big_page.id)["dispatch_id"] == held
        [queued] = queues["analysis"].jobs
        assert queued.args == (page.id, owed(pool, Kind.ANALYSIS, page.id)["dispatch_id"])
    finally:
        holder.close()
    # A copy of the earlier dispatch that survived somewhere does nothing.
    assert run_analysis(page.id, before[Kind.ANALYSIS]) == "not owed"
    assert owed(pool, Kind.ANALYSIS, page.id)["started_at"] is None


def test_a_deferred_continuation_is_dispatched_once_due_without_an_rq_scheduler(
    pool, page, worker_env, database_url, sync_queue, dispatch, run_analysis_jobs
):
    owe_analysis(pool, page.id)
    assert dispatch() == 1
    analysis_queue(sync_queue.connection).empty()
    dispatch_id = owed(pool, Kind.ANALYSIS, page.id)["dispatch_id"]
    # What a job deferred by the AI quota does at the end of its slice: released, due later.
    with work.begin(database_url, Kind.ANALYSIS, page.id, dispatch_id) as claim:
        assert claim is not None
        with pool.connection() as conn:
            work.release(conn, Kind.ANALYSIS, page.id, 1.5)
    released_at = time.monotonic()

    assert dispatch() == 0 and analysis_queue(sync_queue.connection).count == 0
    assert scheduled_jobs(sync_queue.connection) == 0
    wait_for(lambda: dispatch() == 1, 10, "the continuation to come due")
    assert time.monotonic() - released_at >= 1.4
    assert analysis_queue(sync_queue.connection).count == 1
    assert run_analysis_jobs() == 1  # nothing left: complete, settled
    assert owed(pool, Kind.ANALYSIS, page.id) is None
