"""`make demo`: the product's main job end to end on embedded PostgreSQL and Redis.

Starts the services and the Graph API simulator, connects the demo page with the real `fbsync` CLI,
runs a full sync of it and shows what landed in the database.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import psycopg
import redis
from psycopg.rows import dict_row

from core.extract import display_name
from sandbox.graph_sim import DEMO_PAGE, GraphSimulator
from sandbox.services import embedded_postgres, embedded_redis

FBSYNC = str(Path(sys.executable).with_name("fbsync"))


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


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="fbsync-demo-"))
    with ExitStack() as stack:
        heading("Services")
        database_url = os.environ.get("DATABASE_URL") or stack.enter_context(embedded_postgres(workdir / "pg"))
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(embedded_redis(workdir))
        redis.Redis.from_url(redis_url).ping()
        sim = stack.enter_context(GraphSimulator(pages=[DEMO_PAGE]))
        print(f"PostgreSQL and Redis ready; Graph API simulator at {sim.base_url}")
        analyzer = (
            f"Gemini at {os.environ.get('GEMINI_BASE_URL') or 'Google'}" if os.environ.get("GEMINI_API_KEYS")
            else "the offline rules analyzer (set GEMINI_API_KEYS for Gemini)"
        )
        print(f"Conversations are analysed by {analyzer}")
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "FB_GRAPH_URL": sim.base_url}

        heading("Connect the demo page and sync it")
        fbsync(env, "migrate")
        fbsync(
            env, "pages", "add", DEMO_PAGE.page_id, DEMO_PAGE.name,
            "--instagram-account-id", DEMO_PAGE.instagram_account_id or "",
            "--instagram-username", DEMO_PAGE.instagram_username or "",
            stdin=DEMO_PAGE.token + "\n",
        )
        fbsync(env, "pages", "list")
        fbsync(env, "sync", DEMO_PAGE.name, "--full")

        show_results(database_url)


if __name__ == "__main__":
    main()
