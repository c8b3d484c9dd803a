"""`make demo`: the product's main job end to end on embedded PostgreSQL and Redis.

Starts the services and the Meta, Slack (and optionally Gemini) stand-ins, connects the demo page
with the `fbsync` CLI, starts the web app under gunicorn and an `rq worker`, then does what a sales
team does: `/fbsync sync` in Slack. It prints what Slack received and what landed in the database.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable

import psycopg
import redis
import requests
from psycopg.rows import dict_row

from core.extract import display_name
from sandbox.graph_sim import DEMO_PAGE, GraphSimulator
from sandbox.services import embedded_postgres, embedded_redis
from sandbox.slack_requests import post_signed, render, slash_command_form
from sandbox.slack_stub import SlackStub

BIN = Path(sys.executable).parent
FBSYNC = str(BIN / "fbsync")
TEAM_ID, ADMIN, CHANNEL = "T0DEMO", "U0ADA", "C0SALES"
BOT_TOKEN = "xoxb-demo-bot-token-not-secret"
SIGNING_SECRET = "demo-signing-secret-not-secret"


def heading(text: str) -> None:
    print(f"\n== {text}", flush=True)


def fbsync(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    print(f"$ fbsync {' '.join(args)}", flush=True)
    result = subprocess.run([FBSYNC, *args], env=env, input=stdin, text=True)
    if result.returncode != 0:
        raise SystemExit(f"demo: `fbsync {' '.join(args)}` exited with {result.returncode}")


def show_results(database_url: str) -> None:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        heading("Contacts per platform")
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE has_messenger) AS messenger,"
            " count(*) FILTER (WHERE has_instagram) AS instagram,"
            " count(*) FILTER (WHERE first_name IS NULL) AS nameless, count(*) AS total FROM contacts"
        ).fetchone()
        print(f"Messenger {row['messenger']}, Instagram {row['instagram']}, total {row['total']}"
              f" ({row['nameless']} without a name on Meta's side, shown as 'User <id>')")

        heading("A few contacts")
        examples = conn.execute(
            "SELECT c.first_name, c.last_name, COALESCE(c.messenger_psid, c.instagram_sid) AS external_id,"
            " CASE WHEN c.has_messenger THEN 'messenger' ELSE 'instagram' END AS platform, c.last_interaction,"
            " (SELECT m.text FROM conversations v JOIN messages m ON m.conversation_id = v.id"
            "   WHERE v.contact_id = c.id AND NOT m.is_echo ORDER BY m.created_time DESC LIMIT 1) AS last_said"
            " FROM contacts c ORDER BY c.last_interaction DESC LIMIT 6"
        ).fetchall()
        for c in examples:
            name = display_name(c["first_name"], c["last_name"], c["external_id"])
            print(f"- {name:<22} {c['platform']:<9} {c['last_interaction']:%Y-%m-%d %H:%M}  \"{c['last_said'] or ''}\"")

        heading("Pipeline")
        stages = conn.execute(
            "SELECT s.name, count(c.id) AS n, round(avg(c.lead_score)) AS score FROM pipeline_stages s"
            " LEFT JOIN contacts c ON c.stage_id = s.id GROUP BY s.id ORDER BY s.pipeline_id, s.position"
        ).fetchall()
        for stage in stages:
            bar = "#" * round(stage["n"] / max(1, row["total"]) * 60)
            print(f"{stage['name']:<15} {stage['n']:>4}  avg score {stage['score'] or 0:>3}  {bar}")

        heading("Example AI summaries")
        samples = conn.execute(
            "SELECT DISTINCT ON (s.position) c.first_name, c.last_name, COALESCE(c.messenger_psid, c.instagram_sid)"
            " AS external_id, s.name AS stage, c.lead_score, c.lead_status, c.ai_context, a.reasoning"
            " FROM contacts c JOIN pipeline_stages s ON s.id = c.stage_id"
            " LEFT JOIN contact_activities a ON a.contact_id = c.id AND a.type = 'STAGE_CHANGED'"
            " ORDER BY s.position, c.last_interaction DESC"
        ).fetchall()
        for c in samples:
            name = display_name(c["first_name"], c["last_name"], c["external_id"])
            print(f"- {name} -> {c['stage']} (score {c['lead_score']}, {c['lead_status']})")
            print(f"    {c['ai_context']}")
            print(f"    why: {c['reasoning']}")

        heading("Sync job")
        job = conn.execute(
            "SELECT id, status, synced_contacts, failed_contacts, conversations_seen, analyzed_contacts,"
            " stage_changes, completed_at - started_at AS took FROM sync_jobs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        messages = conn.execute("SELECT count(*) AS n FROM messages").fetchone()["n"]
        print(f"job {job['id']} {job['status']}: {job['synced_contacts']} contacts synced,"
              f" {job['failed_contacts']} failed, {job['conversations_seen']} conversations,"
              f" {messages} messages stored, {job['analyzed_contacts']} analysed,"
              f" {job['stage_changes']} placed in a stage, in {job['took'].total_seconds():.1f}s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise SystemExit(f"demo: timed out waiting for {what}")


def start_process(stack: ExitStack, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    output = log.open("w")
    process = subprocess.Popen(args, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)

    def stop() -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        output.close()

    stack.callback(stop)
    return process


def serving(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


def slash(web: str, slack: SlackStub, text: str) -> None:
    print(f"\n@ada in #sales: /fbsync {text}", flush=True)
    before = len(slack.responses)
    ack = post_signed(web, slash_command_form(text, team_id=TEAM_ID, user_id=ADMIN, channel_id=CHANNEL,
                                              response_url=slack.response_url()), SIGNING_SECRET)
    reply = ack.json() if ack.content else None
    if not reply:
        wait_for(lambda: len(slack.responses) > before, 30, "the bot's reply")
        reply = slack.responses[-1]["body"]
    print("fbsync (only visible to you):\n" + indent(render(reply)), flush=True)


def indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def show_slack(slack: SlackStub) -> None:
    heading("What Slack received in #sales")
    for message in slack.messages(CHANNEL):
        if message["thread_ts"] not in (None, message["ts"]):
            continue
        print(f"fbsync (message edited {message['updates']} times as the sync went):")
        print(indent(render(message)))
        for reply in slack.thread(CHANNEL, message["ts"]):
            edited = f", edited {reply['updates']} times" if reply["updates"] else ""
            print(f"  thread reply{edited}:")
            print(indent(indent(render(reply))))


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="fbsync-demo-"))
    with ExitStack() as stack:
        heading("Services")
        database_url = os.environ.get("DATABASE_URL") or stack.enter_context(embedded_postgres(workdir / "pg"))
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(embedded_redis(workdir))
        redis.Redis.from_url(redis_url).ping()
        sim = stack.enter_context(GraphSimulator(pages=[DEMO_PAGE]))
        slack = stack.enter_context(SlackStub(token=BOT_TOKEN, team_id=TEAM_ID))
        slack.add_user(ADMIN, "ada", is_admin=True)
        slack.add_channel(CHANNEL, "sales")
        print(f"PostgreSQL and Redis ready; Graph API simulator at {sim.base_url}; Slack stand-in at {slack.base_url}")
        analyzer = (
            f"Gemini at {os.environ.get('GEMINI_BASE_URL') or 'Google'}" if os.environ.get("GEMINI_API_KEYS")
            else "the offline rules analyzer (set GEMINI_API_KEYS for Gemini)"
        )
        print(f"Conversations are analysed by {analyzer}")
        env = {
            **os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "FB_GRAPH_URL": sim.base_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.base_url,
        }

        heading("Connect the demo page (operator, CLI)")
        fbsync(env, "migrate")
        fbsync(
            env, "pages", "add", DEMO_PAGE.page_id, DEMO_PAGE.name, "--team", TEAM_ID,
            "--instagram-account-id", DEMO_PAGE.instagram_account_id or "",
            "--instagram-username", DEMO_PAGE.instagram_username or "",
            stdin=DEMO_PAGE.token + "\n",
        )

        heading("Start the web app (gunicorn) and a worker (rq)")
        port = free_port()
        web = f"http://127.0.0.1:{port}"
        start_process(stack, [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
                              "webhooks.app:create_app()"], env, workdir / "web.log")
        start_process(stack, [str(BIN / "rq"), "worker", "--url", redis_url, "sync", "refresh"], env,
                      workdir / "worker.log")
        wait_for(lambda: serving(f"{web}/healthz"), 60, "the web app")
        print(f"web app at {web} (logs in {workdir})")

        heading("In Slack")
        slash(web, slack, "pages")
        slash(web, slack, f"sync {DEMO_PAGE.name.split()[0]}")
        wait_for(lambda: finished_job(database_url), 600, "the sync to finish")
        show_slack(slack)
        slash(web, slack, "stats")

        show_results(database_url)


def finished_job(database_url: str) -> bool:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT status FROM sync_jobs ORDER BY id DESC LIMIT 1").fetchone()
    return bool(row) and row[0] not in ("PENDING", "IN_PROGRESS")


if __name__ == "__main__":
    main()
