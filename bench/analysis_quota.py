"""Analysis at the AI quota: how much of K keys x R requests per window the backlog drainer uses, with and
without packing, and how soon the backlog is empty after a storm of 429s on every key.

    python -m bench.analysis_quota [--keys 3] [--rpm 30] [--window 3] [--contacts 1800] [--packed 6000]

Against the Gemini stand-in enforcing R requests per key per fixed window (429 RESOURCE_EXHAUSTED with
RetryInfo, as Google does), the window scaled down from 60 s to `--window` seconds so a run takes a
minute; the limiter is told the same window. Real PostgreSQL and Redis (embedded unless DATABASE_URL /
REDIS_URL are set), the real google-genai SDK over HTTP, the real drainer (core.backlog).

Rates are of the steady state: any client gets a full window's quota at once when it starts, so that
first window's worth is left out of the count (and its time is in).
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import redis

from bench.report import machine, verdict
from core import db, jobs, pages
from core.analysis.gemini import GeminiAnalyzer
from core.analysis.limiter import RedisRateLimiter
from core.analysis.rules import RulesAnalyzer
from core.backlog import AnalysisBacklog
from core.config import Settings
from core.db import Pool
from core.qualify import Qualifier
from core.sync import SyncEngine
from core.tokens import TokenCipher
from sandbox.gemini_stub import GeminiStub
from sandbox.graph_sim import GraphSimulator, SimPage
from sandbox.services import embedded_postgres, embedded_redis, scratch_database

WORKERS = 8
# Issue 9's goals: one contact per request, this share of K x R and no 429 provoked; packed, this many times K x R.
GOAL_SHARE, GOAL_PACKED = 0.95, 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, default=3)
    parser.add_argument("--rpm", type=int, default=30, help="requests per key per window")
    parser.add_argument("--window", type=float, default=3.0, help="the quota window, seconds (Google: 60)")
    parser.add_argument("--contacts", type=int, default=1800, help="analysed one per request")
    parser.add_argument("--packed", type=int, default=6000, help="analysed in packs")
    parser.add_argument("--pack", type=int, default=10, help="contacts per request when packing")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the storm's 429s are logged as warnings, one per request
    keys = [f"AIzaSy-bench-key-{n}" for n in range(args.keys)]
    quota = args.keys * args.rpm  # requests per window
    scale = 60 / args.window

    with ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="fbsync-bench-"))
        server = os.environ.get("DATABASE_URL") or stack.enter_context(embedded_postgres(workdir / "pg"))
        database_url = stack.enter_context(scratch_database(server, prefix="fbsync_bench"))
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(embedded_redis(workdir))
        pool = db.open_pool(database_url, max_size=WORKERS + 4)
        stack.callback(pool.close)
        db.migrate(pool)
        page_pk = _populate(stack, pool, database_url, max(args.packed, args.contacts))
        client = redis.Redis.from_url(redis_url)

        def run(contacts: int, pack: int, storm: bool = False) -> tuple[float, int, int, float | None]:
            """(analyses per window in the steady state, requests, 429s outside the storm, seconds from the
            storm's end until the backlog was empty)."""
            _keep_only(pool, contacts)
            _reset(pool)
            with GeminiStub(keys=keys, rpm_per_key=args.rpm, quota_window_s=args.window, window="fixed") as stub:
                limiter = RedisRateLimiter(
                    client, args.rpm, window_seconds=args.window, namespace=f"fbsync-bench:{uuid.uuid4().hex}"
                )
                analyzer = GeminiAnalyzer(
                    keys, limiter, base_url=stub.base_url, pack_size=pack, max_wait_seconds=4 * args.window
                )
                qualifier = Qualifier(analyzer, workers=WORKERS)
                storm_end = None
                if storm:
                    # Google's 429s say "retry in 17s" (scaled); the storm lasts a (scaled) minute.
                    for key in keys:
                        stub.exhaust(key, retry_delay_s=17 / scale)
                    storm_end = time.monotonic() + args.window

                    def restore() -> None:
                        time.sleep(args.window)
                        for key in keys:
                            stub.restore(key)

                    threading.Thread(target=restore, daemon=True).start()
                began = time.monotonic()
                try:
                    AnalysisBacklog(pool, qualifier).drain(page_pk)
                finally:
                    qualifier.close()
                took = time.monotonic() - began
                requests = stub.requests
            refused = [r for r in requests if r["status"] == 429 and (storm_end is None or r["at"] > storm_end + 0.05)]
            after = began + took - storm_end if storm_end else None
            return (contacts - quota * pack) / (took / args.window), len(requests), len(refused), after

        print(
            f"K={args.keys} keys x R={args.rpm} requests per {args.window:g} s window (Google's 60 s scaled"
            f" {scale:g}x down), {WORKERS} analysis threads; machine: {machine()}"
        )
        per_window, requests, refused, _ = run(args.packed, pack=args.pack)
        print(
            f"packing {args.pack} per request, {args.packed:,} contacts: {per_window:.0f} contacts per window"
            f" = {per_window / quota:.1f}x KxR; {requests} requests, {refused} answered 429."
            f" Goal >= {GOAL_PACKED:g}x KxR: {verdict(per_window / quota >= GOAL_PACKED)}"
        )
        per_window, requests, refused, _ = run(args.contacts, pack=1)
        print(
            f"one contact per request, {args.contacts:,} contacts: {per_window:.1f} analyses per window"
            f" = {per_window / quota:.1%} of KxR; {requests} requests, {refused} answered 429."
            f" Goal >= {GOAL_SHARE:.0%} and no 429: {verdict(per_window / quota >= GOAL_SHARE and refused == 0)}"
        )
        storm_contacts = 4 * quota
        _, _, refused, after = run(storm_contacts, pack=1, storm=True)
        ideal = storm_contacts / quota * args.window
        assert after is not None
        print(
            f"after a storm of 429s on every key for one window: {storm_contacts} contacts (4 windows of quota)"
            f" analysed {after:.1f} s after it ended (ideal {ideal:.1f} s, = {after * scale / 60:.1f} min at"
            f" Google's scale); {refused} 429s after the storm"
        )


def _populate(stack: ExitStack, pool: Pool, database_url: str, contacts: int) -> int:
    """A page whose `contacts` people are all stored, none analysed yet (the sync's Graph pass)."""
    page = SimPage(
        page_id="910000000000001", name="Bench Quota Page", token="bench-quota-token", messenger_count=contacts
    )
    sim = stack.enter_context(GraphSimulator(pages=[page]))
    settings = Settings(
        database_url=database_url,
        graph_url=sim.base_url,
        graph_calls_per_second=1000.0,
        encryption_keys=(TokenCipher.new_key(),),
    )
    with pool.connection() as conn, conn.transaction():
        stored = pages.add_page(
            conn,
            organization_id=pages.ensure_organization(conn, pages.LOCAL_TEAM_ID),
            page_id=page.page_id,
            name=page.name,
            token_ciphertext=TokenCipher.from_settings(settings).encrypt(page.token),
        )
    with pool.connection() as conn:
        job = jobs.create_job(conn, stored.id, stale_after_seconds=600)
    # A queue that is never worked: the Graph pass only stores.
    qualifier = Qualifier(RulesAnalyzer(), workers=1)
    try:
        SyncEngine(pool, settings, qualifier, request_analysis=lambda page_pk: None).run(job.id)
    finally:
        qualifier.close()
    return stored.id


def _reset(pool: Pool) -> None:
    with pool.connection() as conn:
        conn.execute("UPDATE conversation_contacts SET analyzed_at = NULL")
        conn.execute("UPDATE conversations SET analyzed_at = NULL")


def _keep_only(pool: Pool, contacts: int) -> None:
    with pool.connection() as conn:
        conn.execute("DELETE FROM contacts WHERE id > (SELECT min(id) FROM contacts) + %s - 1", (contacts,))


if __name__ == "__main__":
    main()
