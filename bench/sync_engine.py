"""The sync engine against the Graph simulator, real PostgreSQL and the rules analyzer, in one run.

    python -m bench.sync_engine [--conversations 10000] [--paced 2000] [--rss-sizes 10000,100000]

1. Pacing lifted: a full sync of `--conversations` (the sync drains its analysis backlog itself, as
   the CLI does), in contacts/s, next to a bare loop that only fetches the same Graph pages.
2. At Meta's 2 calls/s: a full sync of `--paced` conversations while a second page syncs on the
   same process, as wall time over the call floor (calls / rate), and how often more than 2 calls
   of one page started within one second (what Meta would answer with a rate-limit error).
3. Peak RSS of a fresh process per size (`resource.getrusage`), and the ratio of the largest to the smallest.

Uses DATABASE_URL when set, else an embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from core import db, jobs, pages
from core.analysis import build_analyzer
from core.backlog import AnalysisBacklog
from core.config import Settings
from core.graph import GraphClient
from core.jobs import SyncJob
from core.qualify import Qualifier
from core.sync import SyncEngine
from core.tokens import TokenCipher
from sandbox.graph_sim import GraphSimulator, SimPage
from sandbox.services import embedded_postgres, scratch_database

PACED_RATE = 2.0


@dataclass
class Bench:
    pool: db.Pool
    sim: GraphSimulator
    database_url: str
    key: str
    page_pks: dict[str, int] = field(default_factory=dict)

    def settings(self, calls_per_second: float) -> Settings:
        return Settings(
            database_url=self.database_url,
            graph_url=self.sim.base_url,
            graph_calls_per_second=calls_per_second,
            graph_page_size=100,
            encryption_keys=(self.key,),
        )

    def add_page(self, number: int, conversations: int) -> SimPage:
        page = SimPage(
            page_id=f"9000000000{number:05d}",
            name=f"Bench Page {number}",
            token=f"bench-token-{number}",
            messenger_count=conversations,
        )
        self.sim.add_page(page)
        settings = self.settings(PACED_RATE)
        with self.pool.connection() as conn, conn.transaction():
            stored = pages.add_page(
                conn,
                organization_id=pages.ensure_organization(conn, pages.LOCAL_TEAM_ID),
                page_id=page.page_id,
                name=page.name,
                token_ciphertext=TokenCipher.from_settings(settings).encrypt(page.token),
            )
        self.page_pks[page.page_id] = stored.id
        return page

    def sync(self, page: SimPage, calls_per_second: float, http: requests.Session | None = None) -> SyncJob:
        """As a worker runs it: contacts are stored and the analysis is left to the analysis job."""
        settings = self.settings(calls_per_second)
        with self.pool.connection() as conn:
            job = jobs.create_job(conn, self.page_pks[page.page_id], full=True, stale_after_seconds=600)
        with self._qualifier(settings) as qualifier:
            engine = SyncEngine(self.pool, settings, qualifier, request_analysis=lambda page_pk: None, http=http)
            return engine.run(job.id)

    def analyse(self, page: SimPage) -> int:
        """The analysis job's work: drain the page's backlog with the rules analyzer."""
        settings = self.settings(1000.0)
        with self._qualifier(settings) as qualifier:
            backlog = AnalysisBacklog(self.pool, qualifier, rate_horizon=settings.gemini_window_seconds)
            return backlog.drain(self.page_pks[page.page_id]).analyzed

    @contextmanager
    def _qualifier(self, settings: Settings) -> Iterator[Qualifier]:
        qualifier = Qualifier(build_analyzer(settings), workers=settings.analysis_workers)
        try:
            yield qualifier
        finally:
            qualifier.close()


class _CallClock(requests.Session):
    """Records when each Graph call starts, to see whether the pacing would have provoked Meta."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: list[float] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        self.starts.append(time.monotonic())
        as_text = [part.decode() if isinstance(part, bytes) else part for part in (method, url)]
        return super().request(as_text[0], as_text[1], *args, **kwargs)


# A call started a little late (the scheduler, a busy core) brings the next slot closer by as much;
# Meta counts calls over far longer windows than this tolerance.
_JITTER = 0.05


def _over_rate(starts: list[float], rate: float) -> int:
    """Calls that started while `rate` others had already started within the second before them."""
    return sum(1 for i, start in enumerate(starts) if i - bisect.bisect_left(starts, start - 1.0 + _JITTER) >= rate)


@contextmanager
def _bench() -> Iterator[Bench]:
    with ExitStack() as stack:
        server = os.environ.get("DATABASE_URL") or stack.enter_context(
            embedded_postgres(Path(tempfile.mkdtemp(prefix="fbsync-bench-")))
        )
        database_url = stack.enter_context(scratch_database(server, prefix="fbsync_bench"))
        sim = stack.enter_context(GraphSimulator())
        pool = db.open_pool(database_url)
        stack.callback(pool.close)
        db.migrate(pool)
        yield Bench(pool, sim, database_url, TokenCipher.new_key())


def _bare_fetch(bench: Bench, page: SimPage) -> tuple[float, int]:
    began = time.perf_counter()
    client = GraphClient.for_page(bench.settings(1000.0), page.token)
    fetched = sum(len(batch) for batch in client.conversations(page.page_id))
    return time.perf_counter() - began, fetched


def _rss_probe(conversations: int) -> None:
    with _bench() as bench:
        job = bench.sync(bench.add_page(1, conversations), 1000.0)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"conversations": conversations, "synced": job.synced_contacts, "max_rss_kb": peak_kb}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=10000)
    parser.add_argument("--paced", type=int, default=2000, help="conversations synced at 2 calls/s")
    parser.add_argument("--rss-sizes", default="10000,100000", help="comma-separated; empty to skip")
    parser.add_argument("--rss-probe", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_probe:
        _rss_probe(args.rss_probe)
        return

    with _bench() as bench:
        unpaced = bench.add_page(1, args.conversations)
        bare_seconds, fetched = _bare_fetch(bench, unpaced)
        began = time.perf_counter()
        job = bench.sync(unpaced, 1000.0)
        took = time.perf_counter() - began
        print(
            f"engine, pacing lifted: {job.status.value}, {job.synced_contacts} contacts in {took:.2f}s"
            f" = {job.synced_contacts / took:,.0f} contacts/s; bare fetch of the same {fetched}"
            f" conversations {bare_seconds:.2f}s; engine / fetch = {took / bare_seconds:.1f}x"
        )
        began = time.perf_counter()
        analysed = bench.analyse(unpaced)
        took = time.perf_counter() - began
        print(f"analysis job, rules analyzer: {analysed} contacts in {took:.2f}s = {analysed / took:,.0f} contacts/s")

        paced, load = bench.add_page(2, args.paced), bench.add_page(3, args.paced * 2)
        clock, load_clock = _CallClock(), _CallClock()
        loader = threading.Thread(target=bench.sync, args=(load, PACED_RATE, load_clock), daemon=True)
        loader.start()
        time.sleep(1.0)  # the loading page is well under way
        began = time.perf_counter()
        job = bench.sync(paced, PACED_RATE, clock)
        took = time.perf_counter() - began
        loader.join()
        calls = len(clock.starts)
        floor = calls / PACED_RATE
        over = _over_rate(clock.starts, PACED_RATE) + _over_rate(load_clock.starts, PACED_RATE)
        print(
            f"engine at {PACED_RATE:g} calls/s, second page syncing alongside: {job.status.value},"
            f" {job.synced_contacts} contacts, {calls} calls in {took:.2f}s, floor {floor:.1f}s,"
            f" wall / floor = {took / floor:.3f}x; calls over {PACED_RATE:g}/s in any second: {over}"
        )

    sizes = [int(size) for size in args.rss_sizes.split(",") if size]
    peaks: dict[int, int] = {}
    for size in sizes:
        began = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "bench.sync_engine", "--rss-probe", str(size)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        probe = json.loads(out.strip().splitlines()[-1])
        peaks[size] = probe["max_rss_kb"]
        print(
            f"peak RSS, {size:,} conversations ({probe['synced']} contacts, {time.perf_counter() - began:.0f}s):"
            f" {peaks[size] / 1024:.0f} MB"
        )
    if len(peaks) > 1:
        print(f"peak RSS ratio {max(sizes):,} / {min(sizes):,}: {peaks[max(sizes)] / peaks[min(sizes)]:.2f}x")


if __name__ == "__main__":
    main()
