"""What the refresh tests share: the shop, its contacts, what is owed, and running refresh jobs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rq import Queue, SimpleWorker
from rq.job import Job

from conftest import APP_SECRET, SALES_CHANNEL, TEAM_ID, expand_webhooks
from core import jobs, pages
from core.analysis.rules import RulesAnalyzer
from core.config import Settings
from core.pipeline import AutoMode, auto_pipeline_of, set_auto_pipeline
from core.qualify import Qualifier
from core.redis_keys import DISPATCH_EPOCH
from core.sync import SyncEngine
from sandbox import meta_webhooks
from sandbox.graph_sim import SimPage
from worker.queues import REFRESH_QUEUE

SHOP = SimPage(
    page_id="910000000000001",
    name="Lakeside Yoga",
    token="lakeside-refresh-token-3",
    messenger_count=40,
    instagram_count=10,
    instagram_account_id="17841400000000910",
    instagram_username="lakesideyoga",
    seed=13,
)

NOT_OWED = "not owed"  # what worker.jobs.run_refresh answers when the job has nothing owed to it
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(name="page")
def fixture_page(sim, pool, service_settings, connect_page):
    sim.add_page(SHOP)
    page = connect_page(SHOP, team=TEAM_ID)
    with pool.connection() as conn, conn.transaction():
        job = jobs.create_job(conn, page.id, stale_after_seconds=600)
    SyncEngine(pool, service_settings, Qualifier(RulesAnalyzer())).run(job.id)
    with pool.connection() as conn:
        # Set after the first sync, so that its placements owe no lead alerts: the refreshes are the news.
        pages.set_notify_channel(conn, page.id, SALES_CHANNEL)
        return pages.get_page(conn, page.id)


def set_mode(pool, page, mode: AutoMode) -> None:
    with pool.connection() as conn:
        current = auto_pipeline_of(conn, page.id)
        assert current is not None
        set_auto_pipeline(conn, page.id, current.pipeline, mode)


def contact(pool, external_id: str) -> dict:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT c.*, s.name AS stage FROM contacts c LEFT JOIN pipeline_stages s ON s.id = c.stage_id"
            " WHERE c.messenger_psid = %s OR c.instagram_sid = %s",
            (external_id, external_id),
        ).fetchone()


def customer_not_won(sim, pool) -> dict:
    for index in range(SHOP.messenger_count):
        who = sim.customer(SHOP.page_id, "messenger", index)
        if who["name"] and contact(pool, who["id"])["stage"] not in ("Won", "Lost"):
            return {**who, "index": index}
    raise AssertionError("every demo contact is already won or lost")


def write_and_deliver(
    web, pool, sim, who: dict, text: str, debounce_seconds: float = Settings.refresh_debounce
) -> None:
    """The customer writes: Meta's inbox changes, Meta delivers the webhook, and the dispatcher's drain
    expands it (the refresh it owes is due the debounce after the delivery)."""
    sent = sim.touch(SHOP.page_id, "messenger", who["index"], text)
    item = meta_webhooks.messenger_message(
        SHOP.page_id, who["id"], text, mid=sent["mid"], timestamp_ms=sent["timestamp_ms"]
    )
    response = meta_webhooks.post(
        f"{web}/webhooks/facebook", meta_webhooks.delivery("page", [(SHOP.page_id, [item])]), APP_SECRET
    )
    assert response.status_code == 200
    expand_webhooks(pool, debounce_seconds)


def owed(pool) -> list[dict]:
    """The refreshes PostgreSQL holds as owed."""
    with pool.connection() as conn:
        return conn.execute(
            "SELECT subject_id AS contact_id, facebook_page_id, due_at, pending_since, version, attempts,"
            " dispatch_id, dispatched_at, started_at FROM pending_work WHERE kind = 'refresh' ORDER BY subject_id"
        ).fetchall()


def owed_to(pool, contact_id: int) -> dict | None:
    return next((row for row in owed(pool) if row["contact_id"] == contact_id), None)


def due_now(pool) -> None:
    with pool.connection() as conn:
        conn.execute("UPDATE pending_work SET due_at = now() WHERE kind = 'refresh'")  # the debounce has passed


def backdate(pool, column: str, seconds: float) -> None:
    """As if `column` (dispatched_at, started_at, due_at) of the owed refreshes had been written
    `seconds` earlier."""
    assert column in ("dispatched_at", "started_at", "due_at")
    with pool.connection() as conn:
        conn.execute(
            f"UPDATE pending_work SET {column} = {column} - make_interval(secs => %s) WHERE kind = 'refresh'",
            (seconds,),
        )


def started(pool, seconds_ago: float) -> None:
    """As if the owed refreshes' jobs had started `seconds_ago`."""
    with pool.connection() as conn:
        conn.execute(
            "UPDATE pending_work SET started_at = now() - make_interval(secs => %s) WHERE kind = 'refresh'",
            (seconds_ago,),
        )


def pending_events(pool, contact_id: int) -> int:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT count(*) AS n FROM webhook_events WHERE contact_id = %s AND processed_at IS NULL", (contact_id,)
        ).fetchone()["n"]


def run_job(page, contact_id: int, dispatch_id: int) -> str:
    """The refresh job, called as a worker calls it for the dispatch it was queued with."""
    from worker.jobs import run_refresh

    return run_refresh(page.id, contact_id, dispatch_id)


@pytest.fixture(name="refreshes")
def fixture_refreshes(sync_queue) -> Queue:
    """The refresh queue on the test Redis (emptied around each test by sync_queue)."""
    return Queue(REFRESH_QUEUE, connection=sync_queue.connection)


def run_queued(refreshes: Queue) -> dict[str, Any]:
    """A worker of the refresh queue works until it is empty; returns each job's id and result."""
    ids = refreshes.get_job_ids()
    SimpleWorker([refreshes], connection=refreshes.connection).work(burst=True)
    return {job_id: Job.fetch(job_id, connection=refreshes.connection).return_value() for job_id in ids}


def redis_came_back_empty(refreshes: Queue) -> None:
    """Redis restarted empty, or was flushed: the queued jobs are gone, and so is the dispatcher's mark
    (the tests' Redis may be shared: only fbsync's keys go)."""
    refreshes.empty()
    refreshes.connection.delete(DISPATCH_EPOCH)


@pytest.fixture(name="refresh")
def fixture_refresh(pool, page, dispatch, worker_env) -> Callable[[str], str]:
    """The contact's owed refresh once its debounce has passed: the dispatcher queues it, and a worker
    runs the job with the dispatch id it was queued with. Returns the job's answer."""

    def run(external_id: str) -> str:
        contact_id = contact(pool, external_id)["id"]
        due_now(pool)
        dispatch()
        row = owed_to(pool, contact_id)
        assert row is not None and row["dispatch_id"] is not None, "nothing queued for the contact"
        return run_job(page, contact_id, row["dispatch_id"])

    return run
