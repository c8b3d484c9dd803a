"""The sync engine on a real PostgreSQL against the Graph API simulator over HTTP."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import psycopg
import pytest

from core import jobs
from core.analysis.rules import RulesAnalyzer
from core.jobs import JobStatus, SyncAlreadyRunning
from core.qualify import Qualifier
from core.sync import SilentReporter, SyncEngine, SyncProgress
from sandbox.graph_sim import GraphSimulator, SimPage

SHOP = SimPage(
    page_id="200000000000001",
    name="Harbour Bikes",
    token="harbour-token-0123456789abcdef",
    messenger_count=57,
    instagram_count=13,
    instagram_account_id="17841400000000099",
    instagram_username="harbourbikes",
    seed=7,
)


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def run_sync(pool, settings, page, *, full=False, reporter=None, sleep=None, qualifier=None) -> jobs.SyncJob:
    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, full=full, stale_after_seconds=settings.job_stale_after)
    engine = SyncEngine(
        pool,
        settings,
        qualifier or Qualifier(RulesAnalyzer()),
        reporter=reporter,
        sleep=Sleeps() if sleep is None else sleep,
    )
    return engine.run(job.id)


def counts(pool) -> dict[str, Any]:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM contacts) AS contacts,"
            " (SELECT count(*) FROM contacts WHERE has_messenger) AS messenger,"
            " (SELECT count(*) FROM contacts WHERE has_instagram) AS instagram,"
            " (SELECT count(*) FROM conversations) AS conversations,"
            " (SELECT count(*) FROM messages) AS messages"
        ).fetchone()


def page_row(pool, page) -> dict[str, Any]:
    with pool.connection() as conn:
        return conn.execute("SELECT * FROM facebook_pages WHERE id = %s", (page.id,)).fetchone()


def test_full_sync_stores_every_contact_conversation_and_message(pool, sim, settings, connect_page):
    sim.add_page(SHOP)
    page = connect_page(SHOP)

    job = run_sync(pool, settings, page)

    assert (job.status, job.synced_contacts, job.failed_contacts, job.conversations_seen) == (
        JobStatus.COMPLETED,
        70,
        0,
        70,
    )
    stored = counts(pool)
    assert (stored["contacts"], stored["messenger"], stored["instagram"], stored["conversations"]) == (70, 57, 13, 70)
    assert stored["messages"] > 70
    assert page_row(pool, page)["last_synced_at"] == job.started_at
    with pool.connection() as conn:
        # last_interaction is the conversation's updated_time, and the page's replies are echoes.
        mismatched = conn.execute(
            "SELECT count(*) AS n FROM contacts c JOIN conversations v ON v.contact_id = c.id"
            " WHERE c.last_interaction <> v.updated_time"
        ).fetchone()["n"]
        echoes = conn.execute("SELECT count(*) AS n FROM messages WHERE is_echo").fetchone()["n"]
        own = conn.execute(
            "SELECT count(*) AS n FROM contacts WHERE messenger_psid = %s OR instagram_sid = %s",
            (SHOP.page_id, SHOP.instagram_account_id),
        ).fetchone()["n"]
    assert mismatched == 0 and echoes > 0 and own == 0


def test_rerun_creates_no_duplicates(pool, sim, settings, connect_page):
    sim.add_page(SHOP)
    page = connect_page(SHOP)
    run_sync(pool, settings, page)
    before = counts(pool)

    again = run_sync(pool, settings, page, full=True)

    assert again.status is JobStatus.COMPLETED and again.synced_contacts == 70
    assert counts(pool) == before


def test_names_are_split_and_missing_names_stay_empty(pool, sim, settings, connect_page):
    nameless = replace(SHOP, instagram_count=0, instagram_account_id=None, nameless_every=5)
    sim.add_page(nameless)
    page = connect_page(nameless)

    run_sync(pool, settings, page)

    with pool.connection() as conn:
        rows = conn.execute("SELECT first_name, last_name FROM contacts").fetchall()
    empty = [r for r in rows if r["first_name"] is None]
    assert len(empty) == 57 // 5  # every 5th conversation has no name anywhere
    assert all(r["last_name"] is None for r in empty)
    assert not any((r["first_name"] or "").startswith("User ") for r in rows)
    assert any(r["last_name"] for r in rows)


def test_incremental_sync_reads_only_new_activity(pool, sim, settings, connect_page):
    sim.add_page(SHOP)
    page = connect_page(SHOP)
    run_sync(pool, settings, page)
    sim.touch(SHOP.page_id, "messenger", 30, "Is the gravel bike still available?")
    sim.reset_requests()

    job = run_sync(pool, settings, page)

    assert (job.status, job.synced_contacts) == (JobStatus.COMPLETED, 1)
    assert len(sim.requests) == 2  # the first page of each platform, then it stops
    with pool.connection() as conn:
        found = conn.execute(
            "SELECT count(*) AS n FROM messages WHERE text = 'Is the gravel bike still available?'"
        ).fetchone()["n"]
    assert found == 1


@pytest.mark.parametrize(
    "damage, error",
    [
        ("no_participants", "unreadable conversation: conversation participants has no data list"),
        ("nul_in_name", "database rejected the contact"),
    ],
)
def test_one_bad_contact_is_recorded_and_the_sync_goes_on(pool, sim, settings, connect_page, damage, error):
    sim.add_page(SHOP)
    page = connect_page(SHOP)
    sim.inject(SHOP.page_id, "corrupt_conversation", on_call=2, position=3, damage=damage)

    job = run_sync(pool, settings, page)

    assert (job.status, job.synced_contacts, job.failed_contacts) == (JobStatus.COMPLETED, 69, 1)
    assert counts(pool)["contacts"] == 69
    [failure] = job.errors
    assert failure["platform"] == "messenger" and failure["error"].startswith(error)
    assert failure["id"]


def test_token_death_mid_pagination_keeps_what_was_synced(pool, sim, settings, connect_page):
    sim.add_page(SHOP)
    page = connect_page(SHOP)
    sim.inject(SHOP.page_id, "token_invalid", on_call=3, permanent=True)

    job = run_sync(pool, settings, page)

    assert job.status is JobStatus.FAILED and job.token_expired
    assert job.synced_contacts == 50  # two pages of 25
    assert counts(pool)["contacts"] == 50
    row = page_row(pool, page)
    assert row["needs_reauth"] is True and row["last_synced_at"] is None
    assert SHOP.token not in (job.failure_reason or "")


def test_rate_limit_is_waited_out_then_the_sync_completes(pool, sim, settings, connect_page):
    sim.add_page(SHOP)
    page = connect_page(SHOP)
    sim.inject(SHOP.page_id, "rate_limit", on_call=2, code=80001, regain_minutes=1)
    sleeps = Sleeps()

    job = run_sync(pool, settings, page, sleep=sleeps)

    assert (job.status, job.synced_contacts) == (JobStatus.COMPLETED, 70)
    assert sum(sleeps) == pytest.approx(60.0)  # Meta said one minute


def test_transient_server_errors_are_retried(pool, sim, settings, connect_page):
    sim.add_page(SHOP)
    page = connect_page(SHOP)
    sim.inject(SHOP.page_id, "server_error", on_call=2, times=2)

    job = run_sync(pool, settings, page)

    assert (job.status, job.synced_contacts) == (JobStatus.COMPLETED, 70)


def test_malformed_graph_json_fails_the_job_clearly_and_keeps_stored_data(pool, sim, settings, connect_page):
    sim.add_page(SHOP)
    page = connect_page(SHOP)
    sim.inject(SHOP.page_id, "malformed_json", on_call=2, times=50)

    job = run_sync(pool, settings, page)

    assert job.status is JobStatus.FAILED
    assert "JSON" in job.failure_reason
    assert counts(pool)["contacts"] == job.synced_contacts == 25


def test_unreachable_graph_fails_the_job_clearly(pool, settings, connect_page):
    page = connect_page(SHOP)
    offline = replace(settings, graph_url="http://127.0.0.1:9/v25.0", graph_max_retries=1)

    job = run_sync(pool, offline, page)

    assert job.status is JobStatus.FAILED
    assert job.failure_reason == "Graph API unreachable at http://127.0.0.1:9: ConnectionError"


def test_a_redirect_to_another_host_is_not_followed_and_fails_the_job(pool, sim, settings, connect_page):
    """A 302 from the Graph API (a hijacked or misconfigured proxy) never takes the page token elsewhere."""
    sim.add_page(SHOP)
    page = connect_page(SHOP)
    with GraphSimulator(pages=[]) as elsewhere:
        sim.inject(SHOP.page_id, "redirect", on_call=2, location=f"{elsewhere.base_url}/{SHOP.page_id}/conversations")

        job = run_sync(pool, settings, page)

        assert elsewhere.requests == []
    assert job.status is JobStatus.FAILED
    assert job.failure_reason == "Graph API answered a redirect to another host (HTTP 302); not following it"
    assert counts(pool)["contacts"] == job.synced_contacts == 25  # the first Graph page is kept


def test_a_stored_page_id_that_is_not_a_meta_id_never_reaches_the_graph_api(pool, sim, settings, connect_page):
    """A page stored before ids were checked: its sync fails clearly instead of asking /me/conversations."""
    sim.add_page(SHOP)
    page = connect_page(SHOP)
    with pool.connection() as conn:
        conn.execute("UPDATE facebook_pages SET page_id = '../../me' WHERE id = %s", (page.id,))

    job = run_sync(pool, settings, page)

    assert (job.status, job.failure_reason) == (JobStatus.FAILED, "page id must be a Meta id: 1 to 32 digits")
    assert sim.requests == []


def test_page_without_conversations_completes_with_zero_counts(pool, sim, settings, connect_page):
    empty = replace(SHOP, messenger_count=0, instagram_count=0)
    sim.add_page(empty)
    page = connect_page(empty)

    job = run_sync(pool, settings, page)

    assert (job.status, job.synced_contacts, job.failed_contacts) == (JobStatus.COMPLETED, 0, 0)
    assert page_row(pool, page)["last_synced_at"] == job.started_at


class CancelAfterFirstChunk(SilentReporter):
    def __init__(self, pool, page_pk: int) -> None:
        self.pool, self.page_pk = pool, page_pk
        self.seen: list[int] = []

    def progress(self, progress: SyncProgress) -> None:
        self.seen.append(progress.synced)
        if len(self.seen) == 1:
            with self.pool.connection() as conn:
                jobs.request_cancel(conn, self.page_pk)


def test_cancel_is_honoured_between_chunks(pool, sim, settings, connect_page):
    sim.add_page(SHOP)
    page = connect_page(SHOP)

    job = run_sync(pool, settings, page, reporter=CancelAfterFirstChunk(pool, page.id))

    assert job.status is JobStatus.CANCELLED
    # A chunk is a Graph page (25 here); the one whose commit saw the cancel is kept, no more.
    assert job.synced_contacts == 50 == counts(pool)["contacts"]
    assert page_row(pool, page)["last_synced_at"] is None


def test_cancel_before_a_worker_starts_it(pool, sim, settings, connect_page):
    sim.add_page(SHOP)
    page = connect_page(SHOP)
    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, stale_after_seconds=600)
        jobs.request_cancel(conn, page.id)

    result = SyncEngine(pool, settings, Qualifier(RulesAnalyzer())).run(job.id)

    assert result.status is JobStatus.CANCELLED and result.synced_contacts == 0
    assert sim.requests == []


def test_two_concurrent_starts_make_one_job(pool, connect_page):
    page = connect_page(SHOP)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def start() -> None:
        with pool.connection() as conn:
            barrier.wait()
            try:
                jobs.create_job(conn, page.id, stale_after_seconds=600)
                outcomes.append("created")
            except SyncAlreadyRunning:
                outcomes.append("refused")

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["created", "refused"]
    # The database itself refuses a second active job, whoever writes it.
    with pool.connection() as conn, pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("INSERT INTO sync_jobs (facebook_page_id, status) VALUES (%s, 'IN_PROGRESS')", (page.id,))


def test_a_job_whose_worker_died_is_failed_and_the_page_freed(pool, connect_page):
    page = connect_page(SHOP)
    with pool.connection() as conn:
        dead = jobs.create_job(conn, page.id, stale_after_seconds=600)
        jobs.claim_job(conn, dead.id)
        conn.execute("UPDATE sync_jobs SET heartbeat_at = now() - interval '1 hour' WHERE id = %s", (dead.id,))

        fresh = jobs.create_job(conn, page.id, stale_after_seconds=600)
        old = jobs.get_job(conn, dead.id)

    assert fresh.status is JobStatus.PENDING
    assert old.status is JobStatus.FAILED and old.failure_reason.startswith("worker lost")


def prefetch_threads() -> list[threading.Thread]:
    # ThreadPoolExecutor names its worker after the prefix: graph-prefetch_0.
    return [thread for thread in threading.enumerate() if thread.name.startswith("graph-prefetch")]


def test_the_next_graph_page_is_fetched_while_one_is_processed_and_no_further(pool, sim, settings, connect_page):
    """A cancel after the first chunk (a Graph page) is seen when the second is committed: those two
    and the one prefetched meanwhile were fetched, no more, and the prefetch thread is gone at the end."""
    sim.add_page(SHOP)
    page = connect_page(SHOP)

    job = run_sync(pool, settings, page, reporter=CancelAfterFirstChunk(pool, page.id))

    assert job.status is JobStatus.CANCELLED
    assert job.synced_contacts == 50
    assert len(sim.requests) == 3
    assert prefetch_threads() == []


@pytest.mark.parametrize(
    "fault, options, status",
    [
        ("token_invalid", {"permanent": True}, JobStatus.FAILED),
        ("malformed_json", {"times": 50}, JobStatus.FAILED),
    ],
)
def test_the_prefetch_stops_when_fetching_fails(pool, sim, settings, connect_page, fault, options, status):
    sim.add_page(SHOP)
    page = connect_page(SHOP)
    sim.inject(SHOP.page_id, fault, on_call=2, **options)

    job = run_sync(pool, settings, page)

    assert job.status is status
    assert counts(pool)["contacts"] == job.synced_contacts == 25  # the page fetched before the failure
    assert prefetch_threads() == []


class FailingReporter(SilentReporter):
    """The consumer fails mid-page (an internal error) while the next page is being fetched."""

    def progress(self, progress: SyncProgress) -> None:
        raise KeyboardInterrupt


def test_the_prefetch_stops_when_processing_fails(pool, sim, settings, connect_page):
    sim.add_page(SHOP)
    page = connect_page(SHOP)

    with pytest.raises(KeyboardInterrupt):
        run_sync(pool, settings, page, reporter=FailingReporter())

    assert prefetch_threads() == []
    assert len(sim.requests) <= 2
