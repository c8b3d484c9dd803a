"""End to end: gunicorn serving the web app, `rq worker` processes, signed slash commands, the
Slack and Graph stand-ins on 127.0.0.1, real PostgreSQL and Redis."""

from __future__ import annotations

import json
import os
import signal
import threading

import pytest
import redis

from conftest import ADMIN, SALES_CHANNEL, TEAM_ID, signed_slack_post
from core import jobs
from core.jobs import JobStatus
from sandbox.gemini_stub import GeminiStub, default_answer
from sandbox.graph_sim import SimPage
from sandbox.processes import children_of, rq_worker, wait_for

SHOP = SimPage(
    page_id="800000000000001",
    name="Bluebird Coffee Roasters",
    token="bluebird-e2e-token-91",
    messenger_count=260,
    instagram_count=40,
    instagram_account_id="17841400000000800",
    instagram_username="bluebird",
    seed=4,
)


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
    ack = signed_slack_post(
        web,
        {
            "team_id": TEAM_ID,
            "team_domain": "fbsync-test",
            "channel_id": SALES_CHANNEL,
            "user_id": ADMIN,
            "command": "/fbsync",
            "text": text,
            "response_url": slack.response_url(),
        },
    )
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
    # The sync stores contacts and queues the page's analysis, which the worker runs next.
    worker = start_process(rq_worker(env["REDIS_URL"], "sync", "analysis", burst=True), env)
    output, _ = worker.communicate(timeout=120)
    output = output.decode()

    job = the_job(pool)
    assert job.status is JobStatus.COMPLETED, output
    assert (job.synced_contacts, job.analyzed_contacts) == (300, 300)
    parent = parent_of(slack)
    assert "Synced 300 contacts" in parent["text"]
    assert "Analysis complete" in json.dumps(parent["blocks"]) and "300 analysed" in json.dumps(parent["blocks"])
    replies = [reply["text"] for reply in slack.thread(SALES_CHANNEL, parent["ts"])]
    assert replies[0].endswith("300 contacts synced")
    assert any(text.startswith("Messenger done") for text in replies)
    assert SHOP.token not in output and SHOP.token not in json.dumps(slack.calls)


def test_a_worker_killed_mid_analysis_loses_nothing_and_does_not_block_the_next_sync(
    web, env, slack, pool, start_process
):
    """The sync stores everyone at Graph speed and is done; kill -9 of the work horse while it analyses
    (holding the page's analysis lease), then a new sync: every contact stored and analysed."""
    analysing, let_go = threading.Event(), threading.Event()

    def stall(prompt: str, schema: dict | None) -> object:
        analysing.set()
        let_go.wait(60)
        return default_answer(prompt, schema)

    with GeminiStub() as gemini:
        gemini.set_responder(stall)
        ai = {
            **env,
            "GEMINI_API_KEYS": "e2e-key",
            "GEMINI_BASE_URL": gemini.base_url,
            "FBSYNC_GEMINI_RPM": "100000",
            "FBSYNC_ANALYSIS_LEASE_SECONDS": "0.5",
        }
        slash(web, slack, "sync bluebird")
        worker = start_process(rq_worker(env["REDIS_URL"], "sync", "analysis"), ai)
        assert analysing.wait(60), "the analysis never started"
        first = the_job(pool)
        assert first.status is JobStatus.COMPLETED and first.synced_contacts == 300  # it did not wait for the AI
        assert redis.Redis.from_url(env["REDIS_URL"]).keys("fbsync:analysis:lease:*")

        # The worker and its work horse (which RQ puts in a session of its own), mid-analysis.
        for pid in children_of(worker.pid):
            os.kill(pid, signal.SIGKILL)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        gemini.set_responder(None)
        let_go.set()

        slash(web, slack, "sync bluebird")
        fresh = the_job(pool)
        assert fresh.id != first.id and fresh.status is JobStatus.PENDING
        again = start_process(rq_worker(env["REDIS_URL"], "sync", "analysis", burst=True), ai)
        output, _ = again.communicate(timeout=180)

    done = the_job(pool)
    assert done.id == fresh.id and done.status is JobStatus.COMPLETED, output.decode()
    assert (done.analyzed_contacts, done.analysis_backlog, done.analysis_deferred) == (300, 0, 0), output.decode()
    with pool.connection() as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM contacts) AS contacts, (SELECT count(*) FROM"
            " conversations WHERE analyzed_at = updated_time) AS analysed"
        ).fetchone()
    assert (counts["contacts"], counts["analysed"]) == (300, 300)
    [parent] = [m for m in slack.messages(SALES_CHANNEL) if m["ts"] == done.slack_thread_ts]
    assert "Analysis complete" in json.dumps(parent["blocks"])
