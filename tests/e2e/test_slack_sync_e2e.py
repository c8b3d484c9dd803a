"""End to end: gunicorn serving the web app, the dispatcher and `rq worker` processes, signed slash
commands, the Slack and Graph stand-ins on 127.0.0.1, real PostgreSQL and Redis."""

from __future__ import annotations

import json
import os
import signal
import threading

import pytest

from conftest import ADMIN, SALES_CHANNEL, TEAM_ID, signed_slack_post
from core import jobs
from core.jobs import JobStatus
from sandbox.gemini_stub import GeminiStub, default_answer
from sandbox.graph_sim import SimPage
from sandbox.processes import children_of, dispatcher, rq_worker, stop, wait_for

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


def analysed(pool, job_id: int, contacts: int) -> bool:
    """The job done, its analysis too, and nothing of the page's analysis owed any more."""
    with pool.connection() as conn:
        job = jobs.get_job(conn, job_id)
        owed = conn.execute("SELECT count(*) AS n FROM pending_work WHERE kind = 'analysis'").fetchone()["n"]
    return job.status is JobStatus.COMPLETED and job.analyzed_contacts == contacts and owed == 0


def output_of(process) -> str:
    stop(process)
    return process.stdout.read().decode()


def test_slash_command_to_completed_sync_in_slack(web, env, slack, pool, start_process):
    start_process(dispatcher(), env)
    slash(web, slack, "sync bluebird")
    # The sync stores contacts and owes the page's analysis, which the worker runs next.
    worker = start_process(rq_worker(env["REDIS_URL"], "sync", "analysis"), env)
    wait_for(lambda: analysed(pool, the_job(pool).id, 300), 120, "the sync and its analysis")
    output = output_of(worker)

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
    (holding the page's analysis), then a new sync: every contact stored and analysed."""
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
        }
        start_process(dispatcher(), env)
        slash(web, slack, "sync bluebird")
        worker = start_process(rq_worker(env["REDIS_URL"], "sync", "analysis"), ai)
        assert analysing.wait(60), "the analysis never started"
        first = the_job(pool)
        assert first.status is JobStatus.COMPLETED and first.synced_contacts == 300  # it did not wait for the AI
        with pool.connection() as conn:
            held = conn.execute("SELECT started_at FROM pending_work WHERE kind = 'analysis'").fetchone()
        assert held and held["started_at"]  # taken by the job that is about to die

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
        again = start_process(rq_worker(env["REDIS_URL"], "sync", "analysis"), ai)
        wait_for(lambda: analysed(pool, fresh.id, 300), 180, "the new sync and every contact's analysis")
        output = output_of(again)

    done = the_job(pool)
    assert done.id == fresh.id and done.status is JobStatus.COMPLETED, output
    assert (done.analyzed_contacts, done.analysis_backlog, done.analysis_deferred) == (300, 0, 0), output
    with pool.connection() as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM contacts) AS contacts, (SELECT count(*) FROM"
            " conversations WHERE analyzed_at = updated_time) AS analysed"
        ).fetchone()
    assert (counts["contacts"], counts["analysed"]) == (300, 300)
    [parent] = [m for m in slack.messages(SALES_CHANNEL) if m["ts"] == done.slack_thread_ts]
    assert "Analysis complete" in json.dumps(parent["blocks"])
