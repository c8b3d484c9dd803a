"""Per-contact locks on a real Redis: they die with their holder, and a busy contact never fails a sync."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack

import pytest
import redis

from core import jobs
from core.analysis.rules import RulesAnalyzer
from core.jobs import JobStatus
from core.locks import ContactBusy, ContactLocks
from core.qualify import Qualifier
from core.sync import SyncEngine
from sandbox.graph_sim import SimPage

SHOP = SimPage(
    page_id="230000000000001",
    name="Corner Florist",
    token="florist-lock-token-77",
    messenger_count=24,
    instagram_count=0,
    seed=23,
)

HOLD_IN_A_CHILD = """
import sys, time, redis
from core.locks import ContactLocks
locks = ContactLocks(redis.Redis.from_url(sys.argv[1]), ttl_seconds=1.0, namespace=sys.argv[2])
with locks.hold([1, 2, 3]):
    print("held", flush=True)
    time.sleep(600)
"""


@pytest.fixture
def client(redis_url):
    return redis.Redis.from_url(redis_url)


@pytest.fixture
def namespace(client):
    name = f"test:lock:{uuid.uuid4().hex}"
    yield name
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)


def test_a_killed_holder_blocks_its_contacts_only_until_the_expiry(client, redis_url, namespace):
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_IN_A_CHILD, redis_url, namespace], stdout=subprocess.PIPE, cwd=os.getcwd()
    )
    try:
        assert child.stdout.readline().strip() == b"held"
        locks = ContactLocks(client, ttl_seconds=1.0, wait_seconds=0.0, namespace=namespace)
        with locks.hold_free([1, 2, 3, 4]) as held:
            assert held == {4}
    finally:
        os.kill(child.pid, signal.SIGKILL)  # no finally, no release: as a worker killed mid-sync
        child.wait()

    # Waiting longer than the expiry: the dead holder's locks are gone by then.
    with ContactLocks(client, ttl_seconds=1.0, wait_seconds=5.0, namespace=namespace).hold([1, 2, 3]):
        assert client.exists(*(f"{namespace}:{i}" for i in (1, 2, 3))) == 3
    assert client.exists(*(f"{namespace}:{i}" for i in (1, 2, 3))) == 0


def test_a_live_holder_keeps_its_locks_past_the_expiry(client, namespace):
    holder = ContactLocks(client, ttl_seconds=1.0, namespace=namespace)
    other = ContactLocks(client, ttl_seconds=1.0, wait_seconds=0.0, namespace=namespace)
    with holder.hold([7]):
        time.sleep(2.5)  # more than two expiries: only the renewal keeps the lock
        with other.hold_free([7]) as held:
            assert held == frozenset()
        with pytest.raises(ContactBusy):
            with other.hold([7]):
                pass
    with other.hold_free([7]) as held:
        assert held == {7}


def test_a_holder_whose_lock_expired_cannot_release_the_next_holders(client, namespace):
    first = ContactLocks(client, ttl_seconds=5.0, namespace=namespace)
    second = ContactLocks(client, ttl_seconds=5.0, wait_seconds=0.0, namespace=namespace)
    with ExitStack() as second_holder:
        with first.hold([9]):
            client.delete(f"{namespace}:9")  # as if it had expired while its holder stalled
            assert second_holder.enter_context(second.hold_free([9])) == {9}
        assert client.exists(f"{namespace}:9") == 1  # the first holder's exit left the second's lock alone
    assert client.exists(f"{namespace}:9") == 0


def test_all_or_none_takes_nothing_while_one_is_held(client, namespace):
    holder = ContactLocks(client, namespace=namespace)
    waiter = ContactLocks(client, wait_seconds=0.0, namespace=namespace)
    with holder.hold([2]):
        with pytest.raises(ContactBusy):
            with waiter.hold([1, 2, 3]):
                pass
        assert client.exists(f"{namespace}:1", f"{namespace}:3") == 0


# --- analysis with contacts another writer holds ---------------------------------------------------


def synced_page(pool, sim, service_settings, connect_page):
    sim.add_page(SHOP)
    page = connect_page(SHOP)
    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, full=False, stale_after_seconds=600)
    assert SyncEngine(pool, service_settings, Qualifier(RulesAnalyzer())).run(job.id).status is JobStatus.COMPLETED
    return page


def busy_contacts(pool, sim, count: int) -> list[int]:
    """`count` customers write again, so their conversations are due for analysis."""
    ids = []
    for index in range(count):
        who = sim.customer(SHOP.page_id, "messenger", index)
        sim.touch(SHOP.page_id, "messenger", index, "Do you deliver on Sundays?")
        with pool.connection() as conn:
            ids.append(conn.execute("SELECT id FROM contacts WHERE messenger_psid = %s", (who["id"],)).fetchone()["id"])
    return ids


def due_conversations(pool, contact_ids: list[int]) -> int:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT count(*) AS n FROM conversations WHERE contact_id = ANY(%s)"
            " AND (analyzed_at IS NULL OR analyzed_at < updated_time)",
            (contact_ids,),
        ).fetchone()["n"]


def hold_rows(pool, contact_ids: list[int]):
    """Another writer in the middle of a transaction on these contacts (a sync storing them, a refresh
    applying its analysis): their rows are locked until it commits."""
    conn = pool.getconn()
    conn.execute("BEGIN")
    conn.execute("SELECT id FROM contacts WHERE id = ANY(%s) FOR UPDATE", (contact_ids,))

    def let_go() -> None:
        if not conn.closed and conn.info.transaction_status.name != "IDLE":
            conn.execute("COMMIT")
            pool.putconn(conn)

    return let_go


def test_contacts_another_writer_holds_are_analysed_once_it_lets_go(pool, sim, service_settings, connect_page):
    from core.backlog import AnalysisBacklog

    page = synced_page(pool, sim, service_settings, connect_page)
    held_ids = busy_contacts(pool, sim, 3)
    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, full=False, stale_after_seconds=600)
    # The Graph pass stores them; their analysis is left to the backlog (as with a job queue).
    SyncEngine(pool, service_settings, Qualifier(RulesAnalyzer()), request_analysis=lambda page_pk: None).run(job.id)
    let_go = hold_rows(pool, held_ids[:2])
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        """The drainer leaves busy contacts due and comes back for them: the other writer finishes meanwhile."""
        waits.append(seconds)
        let_go()

    result = AnalysisBacklog(pool, Qualifier(RulesAnalyzer()), sleep=sleep).drain(page.id)

    assert result.complete and result.analyzed == 3 and waits  # never waited on a row lock, came back
    assert due_conversations(pool, held_ids) == 0


def test_contacts_held_all_along_are_left_due_and_the_drain_ends_on_time(pool, sim, service_settings, connect_page):
    from core.backlog import AnalysisBacklog

    page = synced_page(pool, sim, service_settings, connect_page)
    held_ids = busy_contacts(pool, sim, 4)
    with pool.connection() as conn:
        job = jobs.create_job(conn, page.id, full=False, stale_after_seconds=600)
    SyncEngine(pool, service_settings, Qualifier(RulesAnalyzer()), request_analysis=lambda page_pk: None).run(job.id)
    let_go = hold_rows(pool, held_ids[:2])
    clock = iter(range(1000))
    try:
        result = AnalysisBacklog(
            pool, Qualifier(RulesAnalyzer()), sleep=lambda s: None, clock=lambda: float(next(clock))
        ).drain(page.id, deadline=20.0)
    finally:
        let_go()

    assert (result.complete, result.analyzed) == (False, 2)  # its continuation comes back for the others
    assert due_conversations(pool, held_ids[:2]) == 2 and due_conversations(pool, held_ids[2:]) == 0
