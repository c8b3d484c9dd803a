"""Refreshes that fail, die, wait or are queued twice: queued again when they should be, and only then."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from refreshing import (  # noqa: F401 - fixtures, requested by name
    NOT_OWED,
    ROOT,
    SHOP,
    backdate,
    contact,
    customer_not_won,
    due_now,
    fixture_page,
    fixture_refresh,
    fixture_refreshes,
    owed,
    owed_to,
    pending_events,
    redis_came_back_empty,
    run_job,
    run_queued,
    set_mode,
    started,
    write_and_deliver,
)

from core import work
from core.analysis.model import Analysis, Transcript
from core.analysis.rules import RulesAnalyzer
from core.config import Settings
from core.redis_keys import DISPATCH_EPOCH
from core.refresh import RefreshStatus


def test_a_message_during_a_refresh_is_refreshed_after_its_debounce_not_a_minute_later(
    web, sim, pool, page, worker_env, dispatch, monkeypatch
):
    class WritesAgainMidAnalysis:
        name = "rules"

        def __init__(self) -> None:
            self.rules = RulesAnalyzer()
            self.calls = 0

        def summarize(self, transcript: Transcript) -> Analysis:
            self._analysing()
            return self.rules.summarize(transcript)

        def analyze(
            self, transcript: Transcript, stages: Sequence[str], definitions: Mapping[str, str] | None = None
        ) -> Analysis:
            self._analysing()
            return self.rules.analyze(transcript, stages, definitions)

        def _analysing(self) -> None:
            self.calls += 1
            if self.calls == 1:
                write_and_deliver(web, pool, sim, who, "actually, two of us would come")

    monkeypatch.setattr("worker.jobs.build_analyzer", lambda settings, **_: WritesAgainMidAnalysis())
    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "do you have a beginners' class?")
    contact_id = contact(pool, who["id"])["id"]
    due_now(pool)
    assert dispatch() == 1
    [first] = owed(pool)

    run_job(page, contact_id, first["dispatch_id"])

    [again] = owed(pool)
    with pool.connection() as conn:
        last = conn.execute(
            "SELECT max(received_at) AS at FROM webhook_events WHERE contact_id = %s", (contact_id,)
        ).fetchone()["at"]
    assert again["due_at"] <= last + timedelta(seconds=Settings.refresh_debounce)


def test_redis_restarted_empty_or_flushed_queues_the_owed_refreshes_again(
    web, sim, pool, page, worker_env, dispatch, refreshes
):
    """PostgreSQL still says the refresh is owed: the next dispatch queues it again."""
    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "is the sauna open tonight?")
    contact_id = contact(pool, who["id"])["id"]
    due_now(pool)
    assert dispatch() == 1 and len(refreshes) == 1
    assert dispatch() == 0  # its job is on the queue: nothing to do
    [first] = owed(pool)

    redis_came_back_empty(refreshes)

    assert dispatch() == 1
    [row] = owed(pool)
    assert row["dispatch_id"] != first["dispatch_id"]
    assert refreshes.get_job_ids() == [f"refresh-{contact_id}-{row['dispatch_id']}"]
    assert run_queued(refreshes) == {f"refresh-{contact_id}-{row['dispatch_id']}": RefreshStatus.REFRESHED.value}
    assert owed(pool) == []


def test_a_stale_dispatch_does_nothing(web, sim, pool, page, worker_env, dispatch, refreshes):
    """A job of an older dispatch (its row queued again since) leaves the row to the newer one: a
    refresh queued twice runs once."""
    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "is the sauna open tonight?")
    contact_id = contact(pool, who["id"])["id"]
    due_now(pool)
    assert dispatch() == 1
    [old] = owed(pool)
    refreshes.connection.delete(DISPATCH_EPOCH)  # the dispatcher believes Redis lost its queue; it did not
    assert dispatch() == 1
    [row] = owed(pool)
    assert row["dispatch_id"] != old["dispatch_id"] and len(refreshes) == 2

    assert run_job(page, contact_id, old["dispatch_id"]) == NOT_OWED
    [untouched] = owed(pool)
    assert untouched == row  # not started, not settled, still the newer dispatch's
    assert pending_events(pool, contact_id) == 1

    ran = run_queued(refreshes)

    assert ran == {
        f"refresh-{contact_id}-{old['dispatch_id']}": NOT_OWED,
        f"refresh-{contact_id}-{row['dispatch_id']}": RefreshStatus.REFRESHED.value,
    }
    assert owed(pool) == []


def test_a_refresh_another_job_holds_is_left_to_it(
    web, sim, pool, page, worker_env, dispatch, database_url, monkeypatch
):
    """Two jobs for one contact (a dispatch and its copy): the second waits for the first's hold a
    moment, then leaves the refresh to it rather than failing."""
    monkeypatch.setattr(work, "LOCK_WAIT", "200ms")  # 10 s in production
    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "Can I book a class for Saturday?")
    contact_id = contact(pool, who["id"])["id"]
    due_now(pool)
    assert dispatch() == 1
    [row] = owed(pool)

    with psycopg.connect(database_url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (work.lock_key(work.Kind.REFRESH, contact_id),))
        started = time.monotonic()
        assert run_job(page, contact_id, row["dispatch_id"]) == NOT_OWED
        assert time.monotonic() - started < 5
        assert owed(pool) == [row] and pending_events(pool, contact_id) == 1

    assert run_job(page, contact_id, row["dispatch_id"]) == RefreshStatus.REFRESHED.value
    assert owed(pool) == []


def test_a_claim_older_than_requeue_after_and_never_started_is_queued_again(
    web, sim, pool, page, worker_env, dispatch, refreshes
):
    """The job was taken off the queue by a worker that died before starting it, while Redis kept
    its mark: past the bound, the refresh is queued again rather than trusted to the queue."""
    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "is the sauna open tonight?")
    contact_id = contact(pool, who["id"])["id"]
    due_now(pool)
    assert dispatch() == 1
    [first] = owed(pool)
    refreshes.empty()  # the job is gone; the epoch stays: Redis was not restarted
    backdate(pool, "dispatched_at", Settings.refresh_requeue_after - 20)
    assert dispatch() == 0  # within the bound, the queue is believed

    backdate(pool, "dispatched_at", 21)

    assert dispatch() == 1
    [row] = owed(pool)
    assert row["dispatch_id"] != first["dispatch_id"] and row["attempts"] == first["attempts"] == 1
    assert run_queued(refreshes) == {f"refresh-{contact_id}-{row['dispatch_id']}": RefreshStatus.REFRESHED.value}


def test_a_refresh_waiting_long_in_the_queue_is_queued_again_but_never_given_up(
    web, sim, pool, page, worker_env, dispatch, refreshes
):
    """Queued again at every bound while no job starts it: waiting is no failed attempt, and the
    copies it leaves on the queue do nothing."""
    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "is the sauna open tonight?")
    contact_id = contact(pool, who["id"])["id"]
    due_now(pool)
    assert dispatch() == 1
    for _ in range(work.MAX_ATTEMPTS + 2):
        backdate(pool, "dispatched_at", Settings.refresh_requeue_after + 1)
        assert dispatch() == 1
    [row] = owed(pool)
    assert row["attempts"] == 1 and row["started_at"] is None
    assert len(refreshes) == work.MAX_ATTEMPTS + 3

    ran = run_queued(refreshes)

    assert ran.pop(f"refresh-{contact_id}-{row['dispatch_id']}") == RefreshStatus.REFRESHED.value
    assert set(ran.values()) == {NOT_OWED} and len(ran) == work.MAX_ATTEMPTS + 2
    assert owed(pool) == []


# --- a refresh killed or failing -----------------------------------------------------------------

BEGIN_IN_A_CHILD = """
import sys, time
from core import work
with work.begin(sys.argv[1], work.Kind.REFRESH, int(sys.argv[2]), int(sys.argv[3])) as claim:
    print("started" if claim else "not owed", flush=True)
    time.sleep(600)
"""


def lock_held(pool, contact_id: int) -> bool:
    with pool.connection() as conn:
        return conn.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
            " AND (classid::bigint << 32 | objid::bigint) = %s) AS held",
            (work.lock_key(work.Kind.REFRESH, contact_id),),
        ).fetchone()["held"]


def test_a_refresh_killed_mid_run_is_queued_again_after_the_backoff(
    web, sim, pool, page, worker_env, dispatch, database_url
):
    """Its job started and its worker was killed (kill -9: no finally ran): the claim died with it, so
    the refresh is queued again, once the backoff has passed. While the job lives, it is not."""
    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "do you rent out mats?")
    contact_id = contact(pool, who["id"])["id"]
    due_now(pool)
    assert dispatch() == 1
    [first] = owed(pool)
    child = subprocess.Popen(
        [sys.executable, "-c", BEGIN_IN_A_CHILD, database_url, str(contact_id), str(first["dispatch_id"])],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == b"started"
        [running] = owed(pool)
        assert running["started_at"] is not None and lock_held(pool, contact_id)
        backdate(pool, "started_at", 600)  # running for ten minutes: still its job's
        assert dispatch() == 0
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    deadline = time.monotonic() + 10
    while lock_held(pool, contact_id):  # its session ends as PostgreSQL sees the connection close
        assert time.monotonic() < deadline, "the killed job's lock outlived it"
        time.sleep(0.05)

    started(pool, seconds_ago=work.RETRY_STEP_SECONDS - 2)
    assert dispatch() == 0  # within the backoff: RETRY_STEP_SECONDS times one attempt
    started(pool, seconds_ago=work.RETRY_STEP_SECONDS + 1)

    assert dispatch() == 1
    [again] = owed(pool)
    assert again["dispatch_id"] != first["dispatch_id"] and again["attempts"] == 2
    assert again["started_at"] is None
    assert run_job(page, contact_id, first["dispatch_id"]) == NOT_OWED
    assert run_job(page, contact_id, again["dispatch_id"]) == RefreshStatus.REFRESHED.value
    assert owed(pool) == []


def test_a_failing_refresh_is_retried_with_backoff_and_left_alone_after_ten_attempts_until_the_next_message(
    web, sim, pool, page, worker_env, dispatch, monkeypatch
):
    from core.refresh import Refresher

    working = Refresher.refresh
    broken = True

    def breaks(self: Refresher, page_pk: int, contact_id: int, version: int) -> Any:
        if broken:
            raise RuntimeError("the refresh broke")
        return working(self, page_pk, contact_id, version)

    monkeypatch.setattr(Refresher, "refresh", breaks)
    who = customer_not_won(sim, pool)
    write_and_deliver(web, pool, sim, who, "do you rent out mats?")
    contact_id = contact(pool, who["id"])["id"]
    due_now(pool)

    for attempt in range(1, work.MAX_ATTEMPTS + 1):
        assert dispatch() == 1, f"attempt {attempt} was not queued"
        [row] = owed(pool)
        assert row["attempts"] == attempt
        with pytest.raises(RuntimeError):
            run_job(page, contact_id, row["dispatch_id"])
        assert dispatch() == 0  # the backoff: RETRY_STEP_SECONDS times the attempts so far
        started(pool, seconds_ago=work.RETRY_STEP_SECONDS * attempt - 2)
        assert dispatch() == 0
        started(pool, seconds_ago=work.RETRY_STEP_SECONDS * attempt + 1)

    assert dispatch() == 0  # ten attempts: left alone, still owed
    started(pool, seconds_ago=3600)
    assert dispatch() == 0
    [given_up] = owed(pool)
    assert given_up["attempts"] == work.MAX_ATTEMPTS and pending_events(pool, contact_id) == 1

    broken = False
    write_and_deliver(web, pool, sim, who, "hello? anyone there?")  # the next message
    [row] = owed(pool)
    assert row["attempts"] == 0
    due_now(pool)
    assert dispatch() == 1
    [row] = owed(pool)
    assert run_job(page, contact_id, row["dispatch_id"]) == RefreshStatus.REFRESHED.value
    assert owed(pool) == [] and pending_events(pool, contact_id) == 0
