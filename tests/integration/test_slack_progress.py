"""Sync progress in Slack: the live thread reply, its throttle, milestones and the final parent message."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from bot import views
from bot.progress import MIN_UPDATE_INTERVAL, SlackProgressReporter
from bot.slack_client import web_client
from conftest import ADMIN, SALES_CHANNEL
from core import jobs, schedule, work
from core.analysis.rules import RulesAnalyzer
from core.jobs import JobStatus
from core.qualify import Qualifier
from core.stats import stage_breakdown
from core.sync import SyncEngine, SyncProgress
from core.work import Kind
from sandbox.graph_sim import SimPage
from support import buttons, visible_text

SHOP = SimPage(
    page_id="700000000000001",
    name="Harbour Bikes",
    token="harbour-token-slack-1",
    messenger_count=260,
    instagram_count=40,
    instagram_account_id="17841400000000700",
    instagram_username="harbourbikes",
    seed=21,
)


@pytest.fixture
def page(sim, connect_page):
    sim.add_page(SHOP)
    return connect_page(SHOP)


@pytest.fixture
def run_with_slack(pool, service_settings, slack, page):
    """Runs a sync of `page` the way a worker does, reporting to a parent message in #sales."""

    def run(*, clock=None, before_sync=lambda: None, retry_final=None, analyzer=None) -> jobs.SyncJob:
        client = web_client(service_settings, wait_on_rate_limit=False)  # as the worker's reporter has it
        with pool.connection() as conn:
            job = jobs.create_job(
                conn, page.id, requested_by=ADMIN, slack_channel=SALES_CHANNEL, stale_after_seconds=600
            )
            parent = client.chat_postMessage(channel=SALES_CHANNEL, **views.sync_started(page, ADMIN, job.id, False))
            jobs.attach_slack_thread(conn, job.id, SALES_CHANNEL, parent["ts"])
            job = jobs.get_job(conn, job.id)

        def breakdown():
            with pool.connection() as conn:
                return stage_breakdown(conn, page.id)

        reporter = SlackProgressReporter(
            client,
            page,
            job,
            breakdown,
            **({"clock": clock} if clock else {}),
            retry_final=retry_final and (lambda wait: retry_final(job.id, wait)),
        )
        before_sync()
        return SyncEngine(
            pool, service_settings, Qualifier(analyzer or RulesAnalyzer()), reporter=reporter, sleep=lambda s: None
        ).run(job.id)

    return run


def parent_message(slack) -> dict:
    [parent] = [m for m in slack.messages(SALES_CHANNEL) if m["thread_ts"] in (None, m["ts"])]
    return parent


def progress_updates(slack) -> list[dict]:
    parent = parent_message(slack)
    progress_reply = slack.thread(SALES_CHANNEL, parent["ts"])[0]
    return [c for c in slack.calls_to("chat.update") if c["args"]["ts"] == progress_reply["ts"]]


class TenAtATime(RulesAnalyzer):
    """Analysis batches of ten, as an analyzer with requests has them (the rules take 1,000 at once)."""

    offline_batch = 10


def test_a_slow_sync_updates_progress_at_every_chunk_stored_and_batch_analysed(run_with_slack, slack):
    """Slow enough that the throttle never holds an update back: Slack shows every step, each Graph
    page of 25 stored (12 of them) and each analysis batch of ten (30)."""
    slow_clock = itertools.count(step=MIN_UPDATE_INTERVAL + 1).__next__  # every reading 3 s later

    job = run_with_slack(clock=slow_clock, analyzer=TenAtATime())

    assert job.status is JobStatus.COMPLETED and job.synced_contacts == 300
    assert len(progress_updates(slack)) >= 300 // 25 + 300 // 10


def test_a_fast_sync_never_updates_faster_than_the_throttle(run_with_slack, slack):
    job = run_with_slack()

    updates = progress_updates(slack)
    gaps = [later["at"] - earlier["at"] for earlier, later in pairwise(updates[:-1])]
    assert all(gap >= MIN_UPDATE_INTERVAL * 0.95 for gap in gaps)
    assert len(updates) < 300 // 10
    # The final state is always written.
    parent = parent_message(slack)
    assert slack.thread(SALES_CHANNEL, parent["ts"])[0]["text"].endswith(f"{job.synced_contacts} contacts synced")


def test_thread_has_milestones_and_the_parent_the_outcome(run_with_slack, slack):
    job = run_with_slack()

    parent = parent_message(slack)
    replies = [reply["text"] for reply in slack.thread(SALES_CHANNEL, parent["ts"])]
    assert any("Messenger" in text and "260" in text for text in replies)
    assert any("Instagram" in text and "40" in text for text in replies)
    assert "300" in parent["text"] and parent["updates"] >= 1
    assert buttons(parent) == []  # no Cancel button on a finished sync
    final = visible_text(parent)
    assert "New Lead" in final or "Won" in final  # the stage breakdown
    assert job.status is JobStatus.COMPLETED


def test_slack_rate_limits_never_fail_the_sync(run_with_slack, slack):
    slack.rate_limit("chat.update", times=1, retry_after=0)

    job = run_with_slack()

    assert job.status is JobStatus.COMPLETED
    assert [c["status"] for c in slack.calls_to("chat.update")].count(429) == 1
    assert "300" in parent_message(slack)["text"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_429_never_sleeps_in_the_sync_and_progress_resumes_after_retry_after(pool, service_settings, slack, page):
    """Slack asks for 30 s: the reporter returns at once, skips updates meanwhile, then shows the newest."""
    client = web_client(service_settings, wait_on_rate_limit=False)
    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, requested_by=ADMIN, slack_channel=SALES_CHANNEL, stale_after_seconds=600)
        parent = client.chat_postMessage(channel=SALES_CHANNEL, **views.sync_started(page, ADMIN, job.id, False))
        jobs.attach_slack_thread(conn, job.id, SALES_CHANNEL, parent["ts"])
        job = jobs.claim_job(conn, job.id)
    clock = Clock()
    reporter = SlackProgressReporter(client, page, job, lambda: [], clock=clock)
    start = SyncProgress(job_id=job.id, page_id=page.page_id, page_name=page.name, started_at=job.started_at)
    reporter.started(start)
    slack.rate_limit("chat.update", times=1, retry_after=30)

    clock.now += 3
    reporter.progress(replace(start, synced=10))
    assert [c["status"] for c in slack.calls_to("chat.update")] == [429]  # not slept on and retried
    clock.now += 10
    reporter.progress(replace(start, synced=20))
    assert [c["status"] for c in slack.calls_to("chat.update")] == [429]  # Slack said 30 s: skipped
    clock.now += 25
    reporter.progress(replace(start, synced=30))

    assert [c["status"] for c in slack.calls_to("chat.update")] == [429, 200]
    assert slack.thread(SALES_CHANNEL, parent["ts"])[0]["text"].endswith("30 contacts synced")


def owe_parent_rewrite(pool, page):
    """The worker's `retry_final`: the parent rewrite owed in pending_work, due after Retry-After."""

    def owe(job_id: int, wait: float) -> None:
        with pool.connection() as conn:
            work.owe(conn, Kind.SLACK_PARENT, job_id, page_pk=page.id, delay_seconds=wait)

    return owe


def owed_rewrite(pool, job_id: int) -> dict | None:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT * FROM pending_work WHERE kind = %s AND subject_id = %s", (Kind.SLACK_PARENT.value, job_id)
        ).fetchone()


@pytest.fixture
def run_rewrites(sync_queue, dispatch, worker_env):
    """The dispatcher and a refresh worker, until nothing due is left to queue: how many jobs ran."""
    from rq import SimpleWorker

    from worker.queues import refresh_queue

    refreshes = refresh_queue(sync_queue.connection)

    def run(limit: int = 50) -> int:
        ran = 0
        while dispatch():
            assert ran < limit, "the rewrite is queued again and again"
            ran += refreshes.count
            SimpleWorker([refreshes], connection=sync_queue.connection).work(burst=True)
        return ran

    return run


def parent_rewrites(slack) -> list[int]:
    parent = parent_message(slack)
    return [c["status"] for c in slack.calls_to("chat.update") if c["args"]["ts"] == parent["ts"]]


def test_the_final_state_lands_after_several_429s(pool, page, run_with_slack, slack, run_rewrites):
    """The parent rewrite is refused four times with 429: a job keeps trying until it lands."""
    slack.rate_limit("chat.update", times=5, retry_after=0)  # the last progress update, then four rewrites

    job = run_with_slack(clock=lambda: 0.0, retry_final=owe_parent_rewrite(pool, page))
    assert parent_message(slack)["text"].startswith("Syncing")
    assert run_rewrites() == 4  # refused three times, released due again each time, then written

    assert job.status is JobStatus.COMPLETED
    parent = parent_message(slack)
    assert "Synced 300 contacts" in parent["text"] and buttons(parent) == []
    assert parent_rewrites(slack) == [429, 429, 429, 429, 200]
    assert owed_rewrite(pool, job.id) is None  # settled


def test_a_final_rewrite_slack_keeps_refusing_is_given_up_after_its_attempts(
    pool, page, run_with_slack, slack, run_rewrites
):
    slack.rate_limit("chat.update", times=200, retry_after=0)

    job = run_with_slack(clock=lambda: 0.0, retry_final=owe_parent_rewrite(pool, page))
    assert run_rewrites() == work.MAX_SLACK_ATTEMPTS

    # The last progress update and the reporter's own rewrite, then one per attempt; all refused.
    assert parent_rewrites(slack) == [429] * (1 + work.MAX_SLACK_ATTEMPTS)
    assert owed_rewrite(pool, job.id) is None  # given up: nothing left owed


def test_a_final_rewrite_slack_asks_to_delay_is_owed_after_retry_after(
    pool, page, run_with_slack, slack, sync_queue, dispatch, run_rewrites
):
    from worker.queues import refresh_queue

    slack.rate_limit("chat.update", times=1, retry_after=40)

    job = run_with_slack(clock=lambda: 0.0, retry_final=owe_parent_rewrite(pool, page))

    row = owed_rewrite(pool, job.id)
    assert row is not None and row["due_at"] > datetime.now(UTC) + timedelta(seconds=30)
    assert dispatch() == 0  # not before Retry-After
    assert refresh_queue(sync_queue.connection).count == 0
    assert refresh_queue(sync_queue.connection).scheduled_job_registry.count == 0  # no RQ scheduler involved
    assert [c["status"] for c in slack.calls_to("chat.update")] == [429]  # asked once, then left to the job

    with pool.connection() as conn:  # Retry-After has passed
        conn.execute("UPDATE pending_work SET due_at = now() WHERE kind = %s", (Kind.SLACK_PARENT.value,))
    assert run_rewrites() == 1
    assert "Synced 300 contacts" in parent_message(slack)["text"]
    assert owed_rewrite(pool, job.id) is None


def test_a_reaped_sync_gets_its_final_parent_message(pool, service_settings, slack, page, redis_url, run_rewrites):
    """The stale-job sweep fails a sync whose worker died and owes its parent rewrite; a job writes it."""
    import redis

    from worker.dispatch import Dispatcher

    client = web_client(service_settings, wait_on_rate_limit=False)
    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, requested_by=ADMIN, slack_channel=SALES_CHANNEL, stale_after_seconds=600)
        parent = client.chat_postMessage(channel=SALES_CHANNEL, **views.sync_started(page, ADMIN, job.id, False))
        jobs.attach_slack_thread(conn, job.id, SALES_CHANNEL, parent["ts"])
        jobs.claim_job(conn, job.id)
        conn.execute("UPDATE sync_jobs SET heartbeat_at = now() - interval '1 hour' WHERE id = %s", (job.id,))
        schedule.set_schedule(conn, page.id, None)  # never synced: the same safety net would start one

    Dispatcher(service_settings, pool, redis.Redis.from_url(redis_url)).safety_nets(datetime.now(UTC))

    with pool.connection() as conn:
        conn.execute("DELETE FROM pending_work WHERE kind = 'token_check'")  # owed too: not under test here
        assert jobs.get_job(conn, job.id).status is JobStatus.FAILED
    assert owed_rewrite(pool, job.id) is not None
    assert run_rewrites() == 1
    text = parent_message(slack)["text"] + visible_text(parent_message(slack))
    assert "failed" in text and "worker lost" in text
    assert owed_rewrite(pool, job.id) is None


def test_a_dead_token_ends_with_reconnect_required(run_with_slack, slack, sim):
    sim.inject(SHOP.page_id, "token_invalid", on_call=2, permanent=True)

    job = run_with_slack()

    assert job.status is JobStatus.FAILED and job.token_expired
    parent = parent_message(slack)
    assert "Reconnect required" in parent["text"] and "Reconnect required" in visible_text(parent)
    assert SHOP.token not in json.dumps(slack.calls)


def test_slack_errors_do_not_fail_the_sync(run_with_slack, slack):
    def slack_breaks() -> None:
        slack.fail("chat.postMessage", "internal_error", times=100)
        slack.fail("chat.update", "internal_error", times=100)

    job = run_with_slack(before_sync=slack_breaks)

    assert (job.status, job.synced_contacts) == (JobStatus.COMPLETED, 300)
    assert slack.calls_to("chat.update")  # it tried, and carried on


def test_the_analysis_job_keeps_the_sync_parent_up_to_date_and_says_when_it_is_complete(
    pool, service_settings, slack, page, worker_env, sync_queue, run_analysis_jobs
):
    from bot.progress import SlackAnalysisReporter
    from worker.jobs import run_sync

    client = web_client(service_settings, wait_on_rate_limit=False)
    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, requested_by=ADMIN, slack_channel=SALES_CHANNEL, stale_after_seconds=600)
        parent = client.chat_postMessage(channel=SALES_CHANNEL, **views.sync_started(page, ADMIN, job.id, False))
        jobs.attach_slack_thread(conn, job.id, SALES_CHANNEL, parent["ts"])

    assert run_sync(job.id) == "COMPLETED"  # at Graph speed: the analysis is queued, not done
    synced = visible_text(parent_message(slack))
    assert "Synced 300 contacts" in synced and "0 of 300 analysed" in synced and "Analysis complete" not in synced

    # Half way, at a measured rate: the estimate of the time left.
    with pool.connection() as conn:
        halfway = replace(jobs.get_job(conn, job.id), analyzed_contacts=150, analysis_backlog=150, analysis_rate=30.0)
    SlackAnalysisReporter(client, page, lambda: []).update(halfway)
    assert "150 of 300 analysed · about 5 min left at 30/min" in visible_text(parent_message(slack))

    run_analysis_jobs()
    done = visible_text(parent_message(slack))
    assert "Analysis complete" in done and "300 analysed" in done and "Stages" in done
