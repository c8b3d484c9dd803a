"""Scheduled syncs: which pages are due, no overlap, spacing, and quiet summaries — time is passed in."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from conftest import SALES_CHANNEL, TEAM_ID
from core import jobs, pages, schedule
from core.jobs import JobStatus
from core.schedule import SPACING
from core.work import Kind
from sandbox.graph_sim import SimPage

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def sim_page(n: int, **kwargs) -> SimPage:
    return SimPage(
        page_id=f"94000000000{n:04d}", name=f"Shop {n}", token=f"shop-token-{n}", messenger_count=5, seed=n, **kwargs
    )


@pytest.mark.parametrize("text, seconds", [("90m", 5400), ("6h", 21600), ("1d", 86400), (" 2H ", 7200)])
def test_intervals(text, seconds):
    assert schedule.parse_interval(text) == seconds
    assert schedule.parse_interval(schedule.format_interval(seconds)) == seconds


@pytest.mark.parametrize("text", ["often", "6", "5m", "1w", "-1h"])
def test_bad_intervals(text):
    with pytest.raises(schedule.IntervalError):
        schedule.parse_interval(text)


def set_page(pool, page, **columns) -> None:
    assignments = ", ".join(f"{name} = %({name})s" for name in columns)
    with pool.connection() as conn:
        conn.execute(f"UPDATE facebook_pages SET {assignments} WHERE id = %(id)s", {**columns, "id": page.id})


def test_due_pages(pool, connect_page):
    never, overdue, recent, paused, broken, busy = (connect_page(sim_page(n)) for n in range(6))
    set_page(pool, overdue, last_synced_at=NOW - timedelta(hours=2), sync_interval=3600)
    set_page(pool, recent, last_synced_at=NOW - timedelta(minutes=10), sync_interval=3600)
    set_page(pool, paused, auto_sync=False)
    set_page(pool, broken, needs_reauth=True)
    with pool.connection() as conn:
        jobs.create_job(conn, busy.id, stale_after_seconds=600)
        due = schedule.due_pages(conn, NOW)
    assert [p.id for p in due] == [never.id, overdue.id]


def owed_syncs(pool) -> list[dict]:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT subject_id, facebook_page_id, due_at, dispatched_at FROM pending_work WHERE kind = %s"
            " ORDER BY due_at",
            (Kind.SYNC.value,),
        ).fetchall()


def test_due_pages_are_owed_spaced_out_and_never_twice(pool, connect_page, service_settings, sync_queue, dispatch):
    shops = [connect_page(sim_page(n)) for n in range(5)]
    now = datetime.now(UTC)

    with pool.connection() as conn:
        planned = schedule.start_due_syncs(conn, now, service_settings.job_stale_after)
        again = schedule.start_due_syncs(conn, now + timedelta(minutes=1), service_settings.job_stale_after)

    assert sorted(job.facebook_page_id for job in planned) == sorted(p.id for p in shops)
    assert again == []  # their syncs are pending: no overlap
    assert all(job.requested_by == schedule.SCHEDULED_BY and not job.full_sync for job in planned)
    assert all(job.status is JobStatus.PENDING for job in planned)
    owed = owed_syncs(pool)
    assert sorted(row["subject_id"] for row in owed) == sorted(job.id for job in planned)  # each owed once
    times = [row["due_at"] for row in owed]
    assert times[0] == now  # the first one starts at once, the others after it
    assert [later - earlier for earlier, later in pairwise(times)] == [SPACING] * 4

    assert dispatch() == 1  # only what is due: the first
    assert dispatch() == 0  # and only once
    assert sync_queue.count == 1
    [queued] = sync_queue.jobs
    assert queued.func_name == "worker.jobs.run_sync" and queued.args == (owed[0]["subject_id"],)


def test_the_dispatcher_starts_due_syncs_once_and_queues_each_when_its_time_comes(
    pool, connect_page, service_settings, redis_url, sync_queue
):
    import redis

    from worker.dispatch import Dispatcher

    shops = [connect_page(sim_page(n)) for n in range(3)]
    clock = [0.0]
    # Without Meta app credentials, so that the daily token check is not owed too: only syncs are counted.
    no_check = replace(service_settings, fb_app_secret=None)
    dispatcher = Dispatcher(no_check, pool, redis.Redis.from_url(redis_url), clock=lambda: clock[0])

    assert dispatcher.tick() == 1  # the safety nets owe the three; the first is due at once
    queued_at = [time.monotonic()]
    clock[0] += 60  # the next minute's safety nets find them pending: nothing twice
    while len(queued_at) < 3 and time.monotonic() < queued_at[0] + 10 * SPACING.total_seconds():
        queued_at += [time.monotonic()] * dispatcher.tick()
        time.sleep(0.05)
    with pool.connection() as conn:
        created = conn.execute("SELECT facebook_page_id FROM sync_jobs").fetchall()
    assert sorted(row["facebook_page_id"] for row in created) == sorted(p.id for p in shops)

    assert len(queued_at) == 3 and sync_queue.count == 3
    assert len({job.args for job in sync_queue.jobs}) == 3
    # Each when its time came, no sooner (the clock of the loop aside, SPACING apart).
    assert all(later - earlier > SPACING.total_seconds() - 0.5 for earlier, later in pairwise(queued_at))
    assert dispatcher.tick() == 0 and owed_syncs(pool) != []  # queued, not started: still owed


def test_a_delayed_scheduled_job_is_not_taken_for_abandoned(pool, connect_page):
    page = connect_page(sim_page(1))
    with pool.connection() as conn:
        job = jobs.create_job(
            conn, page.id, starts_at=datetime.now(UTC) + timedelta(minutes=30), stale_after_seconds=600
        )
        assert jobs.reap_stale_jobs(conn, None, 600) == []
        assert jobs.get_job(conn, job.id).status is JobStatus.PENDING


@pytest.fixture
def scheduled_run(worker_env, pool, slack, sync_queue, dispatch, run_analysis_jobs):
    """Runs a scheduled sync of `page` through the real job functions, as the dispatcher and workers
    would: the sync owed, queued and run, then the analysis it owed."""
    from rq import SimpleWorker

    def run(page) -> str:
        with pool.connection() as conn:
            job = jobs.create_job(conn, page.id, requested_by=schedule.SCHEDULED_BY, stale_after_seconds=600)
            jobs.queue_job(conn, job)
        assert dispatch() == 1
        SimpleWorker([sync_queue], connection=sync_queue.connection).work(burst=True)
        run_analysis_jobs()
        assert owed_syncs(pool) == []  # taken by the worker
        with pool.connection() as conn:
            return jobs.get_job(conn, job.id).status.value

    return run


def test_scheduled_runs_speak_up_only_when_something_changed(sim, pool, connect_page, slack, scheduled_run):
    shop = sim_page(7)
    sim.add_page(shop)
    page = connect_page(shop, team=TEAM_ID)
    with pool.connection() as conn:
        pages.set_notify_channel(conn, page.id, SALES_CHANNEL)

    assert scheduled_run(page) == "COMPLETED"
    [summary] = slack.messages(SALES_CHANNEL)
    assert summary["text"] == "Scheduled sync of Shop 7: 5 new contacts, 5 stage changes"

    assert scheduled_run(page) == "COMPLETED"  # nothing new on Meta's side
    assert len(slack.messages(SALES_CHANNEL)) == 1

    sim.inject(shop.page_id, "token_invalid", permanent=True)
    with pool.connection() as conn:
        conn.execute("UPDATE facebook_pages SET last_synced_at = NULL WHERE id = %s", (page.id,))
    assert scheduled_run(page) == "FAILED"
    assert "Reconnect" in slack.messages(SALES_CHANNEL)[-1]["text"] or "/fbsync connect" in str(
        slack.messages(SALES_CHANNEL)[-1]["blocks"]
    )


def test_schedule_command(slash, sim, connect_page, pool):
    shop = sim_page(8)
    page = connect_page(shop, team=TEAM_ID)

    _, reply = slash("schedule shop 6h")
    assert "every *6h*" in str(reply)
    with pool.connection() as conn:
        stored = pages.get_page(conn, page.id)
    assert (stored.auto_sync, stored.sync_interval) == (True, 21600)

    slash("schedule shop off")
    with pool.connection() as conn:
        assert not pages.get_page(conn, page.id).auto_sync

    _, refused = slash("schedule shop 5m")
    assert "15 minutes" in str(refused)
