"""`make demo`: the product's main job end to end on embedded PostgreSQL and Redis.

Starts the services and the Meta and Slack stand-ins, the web app under gunicorn and an `rq worker`,
then does what a sales team does: connects its page with Facebook Login from `/fbsync connect`, runs
`/fbsync sync` in Slack, and lets customers write (Meta webhooks); then works the leads in Slack
(sandbox/demo_leads.py: an alert card, a move, find, an export, the App Home), and confirms that a
customer on Messenger and Instagram is one person (sandbox/demo_merge.py). It prints what Slack
received and what landed in the database.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import redis
import requests
from psycopg.rows import dict_row

from core.extract import display_name
from core.tokens import TokenCipher
from sandbox import demo_leads, demo_merge, meta_webhooks, processes
from sandbox.graph_sim import DEMO_PAGE, DEMO_USER, GraphSimulator
from sandbox.services import embedded_postgres, embedded_redis
from sandbox.slack_requests import post_signed, render, slash_command_form
from sandbox.slack_stub import SlackStub

FBSYNC = str(processes.BIN / "fbsync")
TEAM_ID, ADMIN, CHANNEL = "T0DEMO", "U0ADA", "C0SALES"
BOT_TOKEN = "xoxb-demo-bot-token-not-secret"
SIGNING_SECRET = "demo-signing-secret-not-secret"
APP_ID = "1234567890"
APP_SECRET = "demo-meta-app-secret-not-secret"
VERIFY_TOKEN = "demo-verify-token-not-secret"
NEW_SENDER = "24511277770001"


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
        assert row is not None
        print(
            f"Messenger {row['messenger']}, Instagram {row['instagram']}, total {row['total']}"
            f" ({row['nameless']} without a name on Meta's side, shown as 'User <id>')"
        )

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
            print(f'- {name:<22} {c["platform"]:<9} {c["last_interaction"]:%Y-%m-%d %H:%M}  "{c["last_said"] or ""}"')

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
        assert job is not None
        stored = conn.execute("SELECT count(*) AS n FROM messages").fetchone()
        assert stored is not None
        messages = stored["n"]
        print(
            f"job {job['id']} {job['status']}: {job['synced_contacts']} contacts synced,"
            f" {job['failed_contacts']} failed, {job['conversations_seen']} conversations,"
            f" {messages} messages stored, {job['analyzed_contacts']} analysed,"
            f" {job['stage_changes']} placed in a stage, in {job['took'].total_seconds():.1f}s"
        )


def start_process(stack: ExitStack, args: list[str], env: dict[str, str], log: Path) -> None:
    output = log.open("w")
    process = processes.start(args, env, output)
    stack.callback(output.close)
    stack.callback(processes.stop, process)


def slash(web: str, slack: SlackStub, text: str) -> dict[str, Any]:
    print(f"\n@ada in #sales: /fbsync {text}", flush=True)
    before = len(slack.responses)
    ack = post_signed(
        web,
        slash_command_form(text, team_id=TEAM_ID, user_id=ADMIN, channel_id=CHANNEL, response_url=slack.response_url()),
        SIGNING_SECRET,
    )
    reply = ack.json() if ack.content else None
    if not reply:
        processes.wait_for(lambda: len(slack.responses) > before, 30, "the bot's reply")
        reply = slack.responses[-1]["body"]
    print("fbsync (only visible to you):\n" + indent(render(reply)), flush=True)
    return reply


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
        sim = stack.enter_context(GraphSimulator(pages=[DEMO_PAGE], app_id=APP_ID, app_secret=APP_SECRET))
        sim.add_user(DEMO_USER)
        slack = stack.enter_context(SlackStub(token=BOT_TOKEN, team_id=TEAM_ID))
        slack.add_user(ADMIN, "ada", is_admin=True)
        slack.add_channel(CHANNEL, "sales")
        print(f"PostgreSQL and Redis ready; Graph API simulator at {sim.base_url}; Slack stand-in at {slack.base_url}")
        analyzer = (
            f"Gemini at {os.environ.get('GEMINI_BASE_URL') or 'Google'}"
            if os.environ.get("GEMINI_API_KEYS")
            else "the offline rules analyzer (set GEMINI_API_KEYS for Gemini)"
        )
        print(f"Conversations are analysed by {analyzer}")
        env = processes.standin_env(
            database_url=database_url,
            redis_url=redis_url,
            graph_url=sim.base_url,
            slack_url=slack.base_url,
            bot_token=BOT_TOKEN,
            signing_secret=SIGNING_SECRET,
            app_id=APP_ID,
            app_secret=APP_SECRET,
            verify_token=VERIFY_TOKEN,
            # A key made for this run: the demo's page token is stored encrypted, as in production.
            encryption_key=os.environ.get("FBSYNC_ENCRYPTION_KEY") or TokenCipher.new_key(),
        )
        env["FBSYNC_REFRESH_DEBOUNCE"] = "1"

        heading("Set up the database")
        fbsync(env, "migrate")

        heading("Start the web app (gunicorn), a worker (rq) and the dispatcher")
        port = processes.free_port()
        web = f"http://127.0.0.1:{port}"
        env["FBSYNC_PUBLIC_URL"] = web
        start_process(stack, processes.gunicorn(port), env, workdir / "web.log")
        start_process(stack, processes.rq_worker(redis_url, "sync", "refresh", "analysis"), env, workdir / "worker.log")
        start_process(stack, processes.dispatcher(), env, workdir / "dispatcher.log")
        processes.wait_for(lambda: processes.serving(f"{web}/healthz"), 60, "the web app")
        print(f"web app at {web} (logs in {workdir})")

        heading("Connect the page with Facebook Login")
        connect_with_facebook(web, slack)

        heading("In Slack")
        slash(web, slack, "pages")
        slash(web, slack, f"sync {DEMO_PAGE.name.split()[0]}")
        processes.wait_for(lambda: finished_job(database_url), 600, "the sync to finish")
        watch_analysis(database_url)
        show_slack(slack)
        slash(web, slack, "stats")
        show_results(database_url)

        heading("Between syncs: customers write, Meta sends webhooks")
        slash(web, slack, "pipeline Bluebird Sales update")
        slash(web, slack, "notify Bluebird")
        slash(web, slack, "alerts Bluebird qualified proposal won")
        webhooks_story(web, sim, slack, database_url)

        heading("Working the leads in Slack")
        workspace = demo_leads.Workspace(web, slack, SIGNING_SECRET, TEAM_ID, ADMIN, CHANNEL)
        alert = demo_leads.show_alert(workspace)
        print("\n(Ada knows the payment has not cleared yet: the lead goes back to Proposal Sent, and stays there.)")
        demo_leads.move_from_card(workspace, alert, "Proposal Sent", database_url)
        slash(web, slack, "find hopper")
        slash(web, slack, "export Bluebird")
        demo_leads.show_export(slack)
        demo_leads.show_home(workspace)

        heading("The same person on Messenger and Instagram")
        demo_merge.merge_story(workspace, sim, DEMO_PAGE, APP_SECRET, database_url)


def connect_with_facebook(web: str, slack: SlackStub) -> None:
    """`/fbsync connect`, then what the browser does: our link, Meta's dialog, our callback."""
    print("\n@ada in #sales: /fbsync connect", flush=True)
    before = len(slack.responses)
    post_signed(
        web,
        slash_command_form(
            "connect", team_id=TEAM_ID, user_id=ADMIN, channel_id=CHANNEL, response_url=slack.response_url()
        ),
        SIGNING_SECRET,
    )
    processes.wait_for(lambda: len(slack.responses) > before, 30, "the connect link")
    reply = slack.responses[-1]["body"]
    link = next(e["url"] for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"] if "url" in e)
    print("fbsync (only visible to you):\n" + indent(render(reply)))
    hop = requests.get(link, allow_redirects=False, timeout=10)
    login_path = urlsplit(hop.headers["Location"]).path
    print(f"browser: {urlsplit(link).path} -> {hop.status_code}, to Facebook Login ({login_path})")
    hop = requests.get(hop.headers["Location"], allow_redirects=False, timeout=10)
    print(
        f"browser: Ada approves the permissions -> {hop.status_code}, back to {urlsplit(hop.headers['Location']).path}"
    )
    done = requests.get(hop.headers["Location"], timeout=30)
    print(f"browser: {done.status_code} {re.sub('<[^>]+>', ' ', done.text).split('fbsync', 2)[-1].strip()}")
    dm = processes.wait_for(lambda: [m for m in slack.messages() if m["channel"].startswith("D")], 10, "the DM")
    print(f"fbsync (DM to @ada): {dm[-1]['text']}")


def webhooks_story(web: str, sim: GraphSimulator, slack: SlackStub, database_url: str) -> None:
    """An existing lead pays; a stranger asks for a quote. Both reach the pipeline within seconds."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        lead = conn.execute(
            "SELECT c.id, c.messenger_psid, c.first_name, c.last_name, s.name AS stage FROM contacts c"
            " JOIN pipeline_stages s ON s.id = c.stage_id WHERE s.name = 'Contacted' AND c.messenger_psid IS NOT NULL"
            " AND c.first_name IS NOT NULL ORDER BY c.last_interaction DESC LIMIT 1"
        ).fetchone()
        assert lead is not None
    index = next(
        i
        for i in range(DEMO_PAGE.messenger_count)
        if sim.customer(DEMO_PAGE.page_id, "messenger", i)["id"] == lead["messenger_psid"]
    )
    paid = "Perfect, I've just paid for 2 bags of the house blend, thanks!"
    quote = "Hi! Do you do wholesale? I'd need a quote for 40 kg a month for our café."
    touched = sim.touch(DEMO_PAGE.page_id, "messenger", index, paid)
    stranger = sim.new_sender(DEMO_PAGE.page_id, "messenger", NEW_SENDER, quote, name="Grace Hopper")
    items = [
        meta_webhooks.messenger_message(
            DEMO_PAGE.page_id, lead["messenger_psid"], paid, mid=touched["mid"], timestamp_ms=touched["timestamp_ms"]
        ),
        meta_webhooks.messenger_message(
            DEMO_PAGE.page_id, NEW_SENDER, quote, mid=stranger["mid"], timestamp_ms=stranger["timestamp_ms"]
        ),
        meta_webhooks.messenger_read(DEMO_PAGE.page_id, lead["messenger_psid"]),
    ]
    name = display_name(lead["first_name"], lead["last_name"], lead["messenger_psid"])
    print(f'\n{name} (now {lead["stage"]}) writes: "{paid}"')
    print(f'A stranger writes for the first time: "{quote}"')
    answer = meta_webhooks.post(
        f"{web}/webhooks/facebook", meta_webhooks.delivery("page", [(DEMO_PAGE.page_id, items)]), APP_SECRET
    )
    print(f"Meta -> POST /webhooks/facebook (3 items, signed): {answer.status_code} {answer.text}")

    def refreshed() -> list[dict[str, Any]] | None:
        with psycopg.connect(database_url, row_factory=dict_row) as conn:
            rows = conn.execute(
                "SELECT c.first_name, c.last_name, c.messenger_psid, s.name AS stage, c.lead_score, c.ai_context"
                " FROM contacts c LEFT JOIN pipeline_stages s ON s.id = c.stage_id"
                " WHERE (c.id = %s AND s.name <> %s) OR (c.messenger_psid = %s AND c.stage_id IS NOT NULL)",
                (lead["id"], lead["stage"], NEW_SENDER),
            ).fetchall()
        return rows if len(rows) == 2 else None

    heading("Pipeline after the refreshes (debounced, run by the worker)")
    for row in processes.wait_for(refreshed, 120, "the webhook refreshes"):
        who = display_name(row["first_name"], row["last_name"], row["messenger_psid"])
        was = "new contact" if row["messenger_psid"] == NEW_SENDER else f"was {lead['stage']}"
        print(f"- {who} ({was}) -> {row['stage']}, score {row['lead_score']}: {row['ai_context']}")
    notices = processes.wait_for(
        lambda: [m for m in slack.messages(CHANNEL) if " -> " in m["text"]][-2:] or None, 30, "the notices"
    )
    heading("Notices in #sales")
    for notice in notices:
        print(f"fbsync: {notice['text']}")


def watch_analysis(database_url: str, timeout: float = 1800) -> None:
    """Contacts are in; their analysis follows at the AI quota's pace. Print its progress until done."""
    heading("Analysis (at the AI quota's pace)")
    began, shown = time.monotonic(), ""
    while time.monotonic() - began < timeout:
        with psycopg.connect(database_url, row_factory=dict_row) as conn:
            job = conn.execute(
                "SELECT analyzed_contacts, analysis_backlog, analysis_rate, analysis_deferred_reason,"
                " analysis_completed_at FROM sync_jobs ORDER BY id DESC LIMIT 1"
            ).fetchone()
            assert job is not None
        done, left, rate = job["analyzed_contacts"], job["analysis_backlog"], job["analysis_rate"]
        line = f"{done:,} of {done + left:,} analysed" + (f" at {rate:,.0f}/min" if rate else "")
        if job["analysis_deferred_reason"]:
            line += f" (paused: {job['analysis_deferred_reason']})"
        if line != shown:
            print(line, flush=True)
            shown = line
        if job["analysis_completed_at"] is not None:
            print("analysis complete", flush=True)
            return
        time.sleep(2)
    raise SystemExit("demo: the analysis did not finish in time")


def finished_job(database_url: str) -> bool:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT status FROM sync_jobs ORDER BY id DESC LIMIT 1").fetchone()
    return row is not None and row[0] not in ("PENDING", "IN_PROGRESS")


if __name__ == "__main__":
    main()
