"""After a full run with known secrets — connect, sync, webhooks, a dying token, the CLI — none of
them appears in any log, error, job record, Slack message or CLI output."""

from __future__ import annotations

import json
import subprocess
import time

import psycopg
from psycopg.rows import dict_row

from conftest import ADMIN, APP_SECRET, BOT_TOKEN, ENCRYPTION_KEY, SIGNING_SECRET, TEAM_ID, signed_slack_post
from sandbox import meta_webhooks, processes
from sandbox.graph_sim import SimPage, SimUser
from sandbox.slack_requests import slash_command_form

CANARY = "EAAleakCanaryPageToken0123456789abcdef"
SHOP = SimPage(
    page_id="970000000000001",
    name="Canary Bakery",
    token=CANARY,
    messenger_count=30,
    instagram_count=5,
    instagram_account_id="17841400000000970",
    instagram_username="canary",
    seed=29,
)
OWNER = SimUser(user_id="10229000000000970", name="Cora Owner", page_ids=(SHOP.page_id,))


def test_no_secret_leaks_anywhere(deployment_env, sim, slack, pool, start_process, database_url):
    sim.add_page(SHOP)
    sim.add_user(OWNER)
    port = processes.free_port()
    web = f"http://127.0.0.1:{port}"
    env = {**deployment_env, "FBSYNC_PUBLIC_URL": web, "FBSYNC_LOG_LEVEL": "DEBUG", "FBSYNC_REFRESH_DEBOUNCE": "1"}
    gunicorn = start_process(processes.gunicorn(port) + ["--log-level", "debug", "--access-logfile", "-"], env)
    processes.wait_for(lambda: processes.serving(f"{web}/healthz"), 60, "gunicorn")
    worker = start_process(processes.rq_worker(env["REDIS_URL"], "sync", "refresh", "analysis"), env)
    cron = start_process(processes.dispatcher(), env)

    def slash(text: str) -> dict:
        before = len(slack.responses)
        signed_slack_post(
            web,
            slash_command_form(
                text, team_id=TEAM_ID, user_id=ADMIN, channel_id="C0SALES", response_url=slack.response_url()
            ),
        )
        processes.wait_for(lambda: len(slack.responses) > before, 30, f"/fbsync {text}")
        return slack.responses[-1]["body"]

    # Connect through Facebook Login.
    link = next(e["url"] for b in slash("connect")["blocks"] if b["type"] == "actions" for e in b["elements"])
    import requests

    hop = requests.get(link, allow_redirects=False, timeout=10)
    hop = requests.get(hop.headers["Location"], allow_redirects=False, timeout=10)
    assert requests.get(hop.headers["Location"], timeout=10).status_code == 200

    # A sync, a webhook and its refresh, then the token dies and a second sync fails on it.
    slash("sync canary")
    processes.wait_for(lambda: _latest_status(database_url) == "COMPLETED", 120, "the sync")
    sent = sim.touch(SHOP.page_id, "messenger", 3, "can I order a cake for friday?")
    who = sim.customer(SHOP.page_id, "messenger", 3)
    meta_webhooks.post(
        f"{web}/webhooks/facebook",
        meta_webhooks.delivery(
            "page",
            [
                (
                    SHOP.page_id,
                    [
                        meta_webhooks.messenger_message(
                            SHOP.page_id,
                            who["id"],
                            "can I order a cake for friday?",
                            mid=sent["mid"],
                            timestamp_ms=sent["timestamp_ms"],
                        )
                    ],
                )
            ],
        ),
        APP_SECRET,
    )
    processes.wait_for(lambda: _refreshed(database_url), 60, "the refresh")
    sim.inject(SHOP.page_id, "token_invalid", permanent=True)
    slash("sync canary full")
    processes.wait_for(lambda: _latest_status(database_url) == "FAILED", 120, "the failing sync")

    cli_env = {**env, "FBSYNC_LOG_LEVEL": "DEBUG"}
    cli_output = "".join(
        subprocess.run(
            [str(processes.BIN / "fbsync"), *args], env=cli_env, capture_output=True, text=True, timeout=60
        ).stdout
        + "\n"
        for args in (["pages", "list"], ["sync", "canary"], ["pipelines", "list", "--team", TEAM_ID])
    )
    time.sleep(0.5)  # let the processes flush their last lines
    processes.stop(worker)
    processes.stop(cron)
    processes.stop(gunicorn)
    logs = worker.stdout.read().decode() + cron.stdout.read().decode() + gunicorn.stdout.read().decode()

    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        records = json.dumps(
            [
                conn.execute(f"SELECT json_agg(t) AS rows FROM {table} t").fetchone()["rows"]
                for table in (
                    "sync_jobs",
                    "webhook_inbox",
                    "webhook_events",
                    "webhook_rejections",
                    "contacts",
                    "contact_activities",
                    "messages",
                )
            ]
        )
        stored = conn.execute("SELECT page_token_ciphertext FROM facebook_pages").fetchone()["page_token_ciphertext"]

    assert "sync finished status=COMPLETED" in logs and "webhook accepted" in logs  # the logs are really there
    assert "webhook deliveries expanded" in logs
    assert "FAILED" in cli_output and "token_expired" in records
    places = {
        "logs": logs,
        "job and event records": records,
        "Slack": json.dumps(slack.calls),
        "Slack responses": json.dumps(slack.responses),
        "CLI": cli_output,
        "stored token": stored,
    }
    for secret in (CANARY, APP_SECRET, BOT_TOKEN, SIGNING_SECRET, ENCRYPTION_KEY):
        for place, text in places.items():
            assert secret not in text, f"a secret leaked into {place}"


def _latest_status(database_url: str) -> str | None:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT status FROM sync_jobs ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row else None


def _refreshed(database_url: str) -> bool:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM webhook_events WHERE processed_at IS NOT NULL").fetchone()
    return bool(row and row[0])
