"""A large full sync analysed through Gemini's Batch API: the job functions as workers run them (real
RQ queues on real Redis, PostgreSQL holding the batches and the polls owed), the Gemini stand-in's
Batch API over HTTP through the real google-genai SDK, and the Slack stand-in for the sync's thread.

Polls are owed an hour apart (FBSYNC_GEMINI_BATCH_POLL): a test makes one due when it wants it."""

from __future__ import annotations

import pytest
import redis

from bot import views
from bot.slack_client import web_client
from conftest import ADMIN, SALES_CHANNEL
from core import jobs
from core.jobs import JobStatus
from core.work import Kind
from sandbox.gemini_stub import GeminiStub
from sandbox.graph_sim import SimPage
from support import visible_text

KEY = "AIzaSy-batch-key-0000000000000000000000"
SHOP = SimPage(
    page_id="520000000000001", name="Birch Bakery", token="birch-token-5e6f7a8b", messenger_count=30, seed=21
)


@pytest.fixture
def page(sim, connect_page):
    sim.add_page(SHOP)
    return connect_page(SHOP)


@pytest.fixture
def gemini(monkeypatch, worker_env, sync_queue):
    """Workers with Gemini keys, batches on for full syncs of at least 20 contacts (SHOP has 30)."""
    with GeminiStub(keys=[KEY]) as stub:
        for name, value in {
            "GEMINI_API_KEYS": KEY,
            "GEMINI_BASE_URL": stub.base_url,
            "FBSYNC_GEMINI_BATCH": "1",
            "FBSYNC_GEMINI_BATCH_MIN": "20",
            "FBSYNC_GEMINI_BATCH_POLL": "3600",
        }.items():
            monkeypatch.setenv(name, value)
        yield stub
        assert stub.errors == []


@pytest.fixture
def full_sync(pool, service_settings, page, gemini):
    """A full sync started from Slack, run as the worker runs it; returns its job."""
    from worker.jobs import run_sync

    client = web_client(service_settings, wait_on_rate_limit=False)
    with pool.connection() as conn:
        job = jobs.create_job(
            conn, page.id, full=True, requested_by=ADMIN, slack_channel=SALES_CHANNEL, stale_after_seconds=600
        )
        parent = client.chat_postMessage(channel=SALES_CHANNEL, **views.sync_started(page, ADMIN, job.id, True))
        jobs.attach_slack_thread(conn, job.id, SALES_CHANNEL, parent["ts"])
    assert run_sync(job.id) == "COMPLETED"
    return job


def scalar(pool, query: str, *args):
    with pool.connection() as conn:
        return next(iter(conn.execute(query, args).fetchone().values()))


def job_now(pool, job_id: int) -> jobs.SyncJob:
    with pool.connection() as conn:
        return jobs.get_job(conn, job_id)


def poll_now(pool) -> None:
    """Every owed batch poll due now, as if its interval had passed."""
    with pool.connection() as conn:
        conn.execute("UPDATE pending_work SET due_at = now() WHERE kind = %s", (Kind.GEMINI_BATCH.value,))


def thread_texts(slack) -> list[str]:
    return [visible_text(m) for m in slack.messages(SALES_CHANNEL) if m["thread_ts"] not in (None, m["ts"])]


def parent_text(slack) -> str:
    [parent] = [m for m in slack.messages(SALES_CHANNEL) if m["thread_ts"] in (None, m["ts"])]
    return visible_text(parent)


def analysed(pool) -> int:
    return scalar(pool, "SELECT count(*) FROM contacts WHERE ai_context IS NOT NULL AND stage_id IS NOT NULL")


def test_a_large_full_sync_is_submitted_polled_and_applied(pool, gemini, full_sync, slack, run_analysis_jobs):
    run_analysis_jobs()

    # One batch of three packed requests, no online request: the contacts wait for it.
    [batch] = gemini.batches.jobs
    batch_id = scalar(pool, "SELECT id FROM gemini_batches")
    assert (len(batch.requests), batch.display_name) == (3, f"fbsync-batch-{batch_id}")
    assert gemini.count() == 0 and analysed(pool) == 0
    assert scalar(pool, "SELECT count(*) FROM gemini_batch_contacts WHERE waiting") == 30
    submitted = ":package: Gemini batch submitted: 30 contacts at half price, results expected within 24 hours"
    assert submitted in thread_texts(slack)
    job = job_now(pool, full_sync.id)
    assert (job.analysis_backlog, job.analysis_completed_at) == (30, None)
    assert "0 of 30 analysed" in parent_text(slack)

    poll_now(pool)
    run_analysis_jobs()  # still pending at Google: nothing applied, polled again later
    assert analysed(pool) == 0 and scalar(pool, "SELECT state FROM gemini_batches") == "BATCH_STATE_PENDING"

    gemini.batches.complete()
    poll_now(pool)
    run_analysis_jobs()

    assert analysed(pool) == 30 and gemini.count() == 0
    job = job_now(pool, full_sync.id)
    assert (job.analyzed_contacts, job.analysis_backlog) == (30, 0) and job.analysis_completed_at is not None
    assert scalar(pool, "SELECT count(*) FROM conversations WHERE analyzed_at IS NULL") == 0
    assert ":white_check_mark: Gemini batch done: 30 analysed" in thread_texts(slack)
    assert "Analysis complete" in parent_text(slack) and "30 analysed" in parent_text(slack)
    assert gemini.batches.jobs == []  # deleted at Google once applied
    assert scalar(pool, "SELECT count(*) FROM pending_work WHERE kind = 'gemini_batch'") == 0
    assert scalar(pool, "SELECT state FROM gemini_batches") == "BATCH_STATE_SUCCEEDED"


def test_a_failed_item_and_a_changed_contact_go_to_the_online_path(pool, gemini, full_sync, slack, run_analysis_jobs):
    run_analysis_jobs()
    # Someone's message is edited while the batch works: its answer is for messages that are gone.
    edited = scalar(pool, "SELECT contact_id FROM gemini_batch_contacts WHERE request_index = 0 ORDER BY ref LIMIT 1")
    with pool.connection() as conn:
        conn.execute(
            "UPDATE messages SET edit_count = edit_count + 1 WHERE id = (SELECT max(m.id) FROM messages m"
            " JOIN conversation_contacts cc ON cc.conversation_id = m.conversation_id WHERE cc.contact_id = %s)",
            (edited,),
        )

    gemini.batches.complete(failed_requests={1})  # the second pack's ten contacts
    poll_now(pool)
    run_analysis_jobs()

    # 19 applied from the batch; the failed pack's ten and the edited contact analysed online, once.
    said = ":white_check_mark: Gemini batch done: 19 analysed · 11 contacts go to the online analysis"
    assert f"{said} (the batch did not answer them usably)" in thread_texts(slack)
    assert analysed(pool) == 30
    online = [r for r in gemini.requests if r["model"] is not None]
    assert sum(r["contents"].count("<conversation>") for r in online) == 11
    assert scalar(pool, "SELECT count(*) FROM gemini_batches") == 1  # nobody was batched twice
    job = job_now(pool, full_sync.id)
    assert (job.analyzed_contacts, job.analysis_backlog) == (30, 0) and job.analysis_completed_at is not None


@pytest.mark.parametrize(("state", "said"), [("BATCH_STATE_EXPIRED", "expired"), ("BATCH_STATE_FAILED", "failed")])
def test_an_expired_or_failed_batch_falls_back_online(pool, gemini, full_sync, slack, run_analysis_jobs, state, said):
    run_analysis_jobs()
    gemini.batches.complete(state)
    poll_now(pool)
    run_analysis_jobs()

    assert f":warning: Gemini batch {said}: 30 contacts go to the online analysis" in thread_texts(slack)
    assert analysed(pool) == 30 and gemini.count() == 3  # three packs of ten, online
    assert scalar(pool, "SELECT state FROM gemini_batches") == state
    assert job_now(pool, full_sync.id).analysis_completed_at is not None


@pytest.mark.parametrize("env", [{"FBSYNC_GEMINI_BATCH_MIN": "31"}, {"FBSYNC_GEMINI_BATCH": "0"}])
def test_below_the_threshold_or_switched_off_the_online_path_analyses(
    pool, monkeypatch, gemini, page, service_settings, run_analysis_jobs, env
):
    from worker.jobs import run_sync

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, full=True, stale_after_seconds=600)
    assert run_sync(job.id) == JobStatus.COMPLETED.value
    run_analysis_jobs()

    assert gemini.batches.jobs == [] and scalar(pool, "SELECT count(*) FROM gemini_batches") == 0
    assert analysed(pool) == 30 and gemini.count() == 3


def test_polling_survives_a_worker_killed_before_the_name_was_kept_and_redis_lost(
    pool, gemini, full_sync, redis_url, run_analysis_jobs
):
    run_analysis_jobs()
    # The submitting worker died after Google created the batch, before it wrote down the name; then
    # Redis restarted empty. PostgreSQL still owes the poll, which finds the batch by its display name.
    with pool.connection() as conn:
        conn.execute("UPDATE gemini_batches SET name = NULL, key_bucket = NULL")
    redis.Redis.from_url(redis_url).flushdb()
    gemini.batches.complete()
    poll_now(pool)
    run_analysis_jobs()

    assert analysed(pool) == 30 and gemini.count() == 0
    assert scalar(pool, "SELECT name FROM gemini_batches").startswith("batches/")
    assert job_now(pool, full_sync.id).analysis_completed_at is not None


def test_a_cancelled_sync_cancels_its_batch_and_leaves_the_backlog(pool, gemini, full_sync, run_analysis_jobs):
    run_analysis_jobs()
    with pool.connection() as conn:
        conn.execute("UPDATE sync_jobs SET cancel_requested = true WHERE id = %s", (full_sync.id,))
    poll_now(pool)
    run_analysis_jobs()

    assert [b.state for b in gemini.batches.jobs] == ["BATCH_STATE_CANCELLED"]
    assert analysed(pool) == 0 and gemini.count() == 0
    assert scalar(pool, "SELECT count(*) FROM gemini_batch_contacts WHERE waiting") == 0


def test_while_a_full_sync_stores_the_online_analysis_holds_off(pool, gemini, full_sync, run_analysis_jobs):
    # As if the sync were still storing (the analysis job runs alongside it): whether it stays under the
    # threshold or passes it with fewer than a batch's worth waiting, nothing is analysed or submitted yet.
    for synced in (10, 30):
        with pool.connection() as conn:
            conn.execute(
                "UPDATE sync_jobs SET status = 'IN_PROGRESS', synced_contacts = %s WHERE id = %s",
                (synced, full_sync.id),
            )
            conn.execute("UPDATE pending_work SET due_at = now() WHERE kind = 'analysis'")
        run_analysis_jobs()
        assert gemini.count() == 0 and gemini.batches.jobs == [] and analysed(pool) == 0
        assert scalar(pool, "SELECT due_at > now() FROM pending_work WHERE kind = 'analysis'") is True

    with pool.connection() as conn:  # the Graph pass ended: the whole backlog goes in one batch
        conn.execute("UPDATE sync_jobs SET status = 'COMPLETED' WHERE id = %s", (full_sync.id,))
        conn.execute("UPDATE pending_work SET due_at = now() WHERE kind = 'analysis'")
    run_analysis_jobs()
    assert [len(b.requests) for b in gemini.batches.jobs] == [3] and gemini.count() == 0


def test_a_batch_its_quota_refuses_goes_online_when_none_of_the_page_is_out(pool, gemini, full_sync, run_analysis_jobs):
    gemini.batches.max_concurrent = 0  # the project's concurrent batches are all taken
    run_analysis_jobs()

    assert gemini.batches.jobs == [] and scalar(pool, "SELECT count(*) FROM gemini_batches") == 0
    assert analysed(pool) == 30 and gemini.count() == 3


def test_a_big_backfill_goes_in_several_batches_applied_as_each_comes_back(
    pool, gemini, full_sync, slack, monkeypatch, run_analysis_jobs
):
    import core.gemini_backfill.submit

    monkeypatch.setattr(core.gemini_backfill.submit, "MAX_BATCH_BYTES", 1)  # one packed request per batch
    run_analysis_jobs()
    assert [len(batch.requests) for batch in gemini.batches.jobs] == [1, 1, 1]
    assert ":package: Gemini batch submitted: 30 contacts at half price, results expected within 24 hours" in (
        thread_texts(slack)
    )

    gemini.batches.complete(count=1)
    poll_now(pool)
    run_analysis_jobs()
    job = job_now(pool, full_sync.id)
    assert (analysed(pool), job.analyzed_contacts, job.analysis_backlog, job.analysis_completed_at) == (
        10,
        10,
        20,
        None,
    )
    assert "10 of 30 analysed" in parent_text(slack)

    gemini.batches.complete()
    poll_now(pool)
    run_analysis_jobs()
    assert analysed(pool) == 30 and gemini.count() == 0
    assert job_now(pool, full_sync.id).analysis_completed_at is not None
    assert thread_texts(slack).count(":white_check_mark: Gemini batch done: 10 analysed") == 3
