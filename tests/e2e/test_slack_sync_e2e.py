"""End to end: gunicorn serving the web app, `rq worker` processes, signed slash commands, the
Slack and Graph stand-ins on 127.0.0.1, real PostgreSQL and Redis."""
from __future__ import annotations

import json
import os
import signal
import time

import pytest

from conftest import ADMIN, SALES_CHANNEL, TEAM_ID, signed_slack_post
from core import jobs
from core.jobs import JobStatus
from sandbox.graph_sim import SimPage
from sandbox.processes import children_of, rq_worker, wait_for

SHOP = SimPage(page_id="800000000000001", name="Bluebird Coffee Roasters", token="bluebird-e2e-token-91",
               messenger_count=260, instagram_count=40, instagram_account_id="17841400000000800",
               instagram_username="bluebird", seed=4)


@pytest.fixture
def env(deployment_env, sim, connect_page):
    sim.add_page(SHOP)
    connect_page(SHOP, team=TEAM_ID)
    return deployment_env


@pytest.fixture
def web(env, gunicorn_web) -> str:
    return gunicorn_web


def slash(web: str, slack, text: str) -> None:
    before = len(slack.responses)
    ack = signed_slack_post(web, {"team_id": TEAM_ID, "team_domain": "fbsync-test", "channel_id": SALES_CHANNEL,
                                  "user_id": ADMIN, "command": "/fbsync", "text": text,
                                  "response_url": slack.response_url()})
    assert ack.status_code == 200
    wait_for(lambda: len(slack.responses) > before, 30, "the command's reply")


def parent_of(slack) -> dict:
    [parent] = [m for m in slack.messages(SALES_CHANNEL) if m["thread_ts"] in (None, m["ts"])]
    return parent


def the_job(pool) -> jobs.SyncJob:
    """The newest sync job."""
    with pool.connection() as conn:
        return jobs.get_job(conn, conn.execute("SELECT max(id) AS id FROM sync_jobs").fetchone()["id"])


def test_slash_command_to_completed_sync_in_slack(web, env, slack, pool, start_process):
    slash(web, slack, "sync bluebird")
    worker = start_process(rq_worker(env["REDIS_URL"], "sync", burst=True), env)
    output, _ = worker.communicate(timeout=120)
    output = output.decode()

    job = the_job(pool)
    assert job.status is JobStatus.COMPLETED, output
    assert (job.synced_contacts, job.analyzed_contacts) == (300, 300)
    parent = parent_of(slack)
    assert "Synced 300 contacts" in parent["text"]
    replies = [reply["text"] for reply in slack.thread(SALES_CHANNEL, parent["ts"])]
    assert replies[0].endswith("300 contacts synced")
    assert any(text.startswith("Messenger done") for text in replies)
    assert SHOP.token not in output and SHOP.token not in json.dumps(slack.calls)


def test_a_killed_worker_does_not_leave_the_page_stuck(web, env, slack, pool, start_process, monkeypatch):
    slow = {**env, "FBSYNC_GRAPH_CALLS_PER_SECOND": "5", "FBSYNC_GRAPH_PAGE_SIZE": "10"}
    slash(web, slack, "sync bluebird")
    worker = start_process(rq_worker(env["REDIS_URL"], "sync"), slow)
    wait_for(lambda: the_job(pool).synced_contacts >= 20, 60, "the sync to make progress")

    # The worker and its work horse (which RQ puts in a session of its own), mid-sync.
    for pid in children_of(worker.pid):
        os.kill(pid, signal.SIGKILL)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    stuck = the_job(pool)
    assert stuck.status is JobStatus.IN_PROGRESS

    for key, value in {**env, "FBSYNC_JOB_STALE_AFTER": "1"}.items():
        monkeypatch.setenv(key, value)
    time.sleep(1.5)  # let the heartbeat go stale
    from worker.jobs import sweep_stale_jobs

    assert sweep_stale_jobs() == 1
    reaped = the_job(pool)
    assert reaped.status is JobStatus.FAILED and reaped.failure_reason.startswith("worker lost")
    assert "worker lost" in json.dumps(parent_of(slack), ensure_ascii=False)

    slash(web, slack, "sync bluebird")
    fresh = the_job(pool)
    assert fresh.id != stuck.id and fresh.status is JobStatus.PENDING
