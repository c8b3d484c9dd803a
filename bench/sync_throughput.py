"""Sync throughput: contacts per second through the engine, simulator and PostgreSQL.

    python -m bench.sync_throughput [--conversations 20000] [--page-size 100]

Pacing is lifted (Meta's 2 calls/s would measure Meta, not us). Uses DATABASE_URL when set.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from core import db, jobs, pages
from core.analysis import build_analyzer
from core.config import Settings
from core.qualify import Qualifier
from core.sync import SyncEngine
from core.tokens import TokenCipher
from sandbox.graph_sim import GraphSimulator, SimPage
from sandbox.services import embedded_postgres, scratch_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=20000)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()

    page = SimPage(
        page_id="900000000000001", name="Bench Page", token="bench-token", messenger_count=args.conversations
    )
    with ExitStack() as stack:
        server = os.environ.get("DATABASE_URL") or stack.enter_context(
            embedded_postgres(Path(tempfile.mkdtemp(prefix="fbsync-bench-")))
        )
        database_url = stack.enter_context(scratch_database(server, prefix="fbsync_bench"))
        sim = stack.enter_context(GraphSimulator(pages=[page]))
        pool = db.open_pool(database_url)
        stack.callback(pool.close)
        db.migrate(pool)
        settings = Settings(
            database_url=database_url,
            graph_url=sim.base_url,
            graph_calls_per_second=1000.0,
            graph_page_size=args.page_size,
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
            job = jobs.create_job(conn, stored.id, full=True, stale_after_seconds=600)

        began = time.perf_counter()
        qualifier = Qualifier(build_analyzer(settings), workers=settings.analysis_workers)
        stack.callback(qualifier.close)
        result = SyncEngine(pool, settings, qualifier).run(job.id)
        took = time.perf_counter() - began

    print(
        f"{result.status.value}: {result.synced_contacts} contacts in {took:.1f}s "
        f"= {result.synced_contacts / took:.0f} contacts/s (page size {args.page_size})"
    )


if __name__ == "__main__":
    main()
