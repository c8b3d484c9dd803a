"""The sync engine against the Graph simulator, real PostgreSQL and the rules analyzer, in one run.

    python -m bench.sync_engine [--conversations 10000] [--paced 10000] [--rss-sizes 10000,100000]

1. Pacing lifted: a full sync of `--conversations` (contacts stored, their analysis left to the
   analysis job, as a worker runs it), in contacts/s, next to a bare loop that only fetches the same
   Graph pages; then the analysis job drains that backlog with the rules analyzer.
2. At Meta's 2 calls/s: a full sync of `--paced` conversations while a second page syncs on the
   same process, as wall time over the call floor (calls / rate), and how often more than 2 calls
   of one page started within one second (what Meta would answer with a rate-limit error).
3. Peak RSS of the syncing process per size (its VmHWM), and the ratio of the largest to the smallest.

Each measurement runs in a process of its own, as a worker would, while the Graph simulator and
PostgreSQL run in this one and the server's: Meta's work is not on the measured process's clock.
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

from bench.report import machine, verdict
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
UNPACED_RATE = 1000.0
# The README's goals for the engine: contacts/s and wall over the bare fetch loop unpaced; wall over
# the call floor at 2 calls/s beside another page; peak RSS of the largest size over the smallest.
GOAL_RATE, GOAL_OVER_FETCH, GOAL_PACED, GOAL_RSS_RATIO = 3000.0, 5.0, 1.05, 1.2


def _settings(database_url: str, graph_url: str, key: str, calls_per_second: float) -> Settings:
    return Settings(
        database_url=database_url,
        graph_url=graph_url,
        graph_calls_per_second=calls_per_second,
        graph_page_size=100,
        encryption_keys=(key,),
    )


@contextmanager
def _qualifier(settings: Settings) -> Iterator[Qualifier]:
    qualifier = Qualifier(build_analyzer(settings), workers=settings.analysis_workers)
    try:
        yield qualifier
    finally:
        qualifier.close()


@dataclass
class Bench:
    pool: db.Pool
    sim: GraphSimulator
    database_url: str
    key: str
    page_pks: dict[str, int] = field(default_factory=dict)

    def settings(self, calls_per_second: float) -> Settings:
        return _settings(self.database_url, self.sim.base_url, self.key, calls_per_second)

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

    def warm(self, page: SimPage) -> None:
        """Have the simulator generate the page's conversations once, so that neither the bare loop
        nor the engine pays for generating them (Meta's own work is not what is measured)."""
        client = GraphClient.for_page(self.settings(UNPACED_RATE), page.token)
        for _ in client.conversations(page.page_id):
            pass

    def measure(self, task: str, **spec: Any) -> dict[str, Any]:
        """Run `task` in a fresh process (see `_measure`) and return what it printed."""
        where = {"database_url": self.database_url, "graph_url": self.sim.base_url, "key": self.key}
        spec = {"task": task, **where, **spec}
        out = subprocess.run(
            [sys.executable, "-m", "bench.sync_engine", "--measure", json.dumps(spec)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        return result

    def analyse(self, page: SimPage) -> int:
        """The analysis job's work: drain the page's backlog with the rules analyzer."""
        settings = self.settings(1000.0)
        with _qualifier(settings) as qualifier:
            backlog = AnalysisBacklog(self.pool, qualifier, rate_horizon=settings.gemini_window_seconds)
            return backlog.drain(self.page_pks[page.page_id]).analyzed


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


def _measure(spec: dict[str, Any]) -> dict[str, Any]:
    """One measurement in this process: "fetch" (the bare loop), "sync" (one page, pacing lifted),
    "paced" (one page at 2 calls/s while another syncs alongside)."""
    settings = _settings(spec["database_url"], spec["graph_url"], spec["key"], spec.get("rate", UNPACED_RATE))
    if spec["task"] == "fetch":
        began = time.perf_counter()
        client = GraphClient.for_page(settings, spec["token"])
        fetched = sum(len(batch) for batch in client.conversations(spec["page_id"]))
        return {"seconds": time.perf_counter() - began, "fetched": fetched}
    pool = db.open_pool(spec["database_url"])
    try:
        # Built before the clock starts: importing the analyzer is not the sync's work.
        with _qualifier(settings) as qualifier:
            engine = SyncEngine(pool, settings, qualifier, request_analysis=lambda page_pk: None)
            if spec["task"] == "sync":
                began = time.perf_counter()
                job = _sync(pool, engine, spec["page_pk"])
                return {**_job_result(job, time.perf_counter() - began), "max_rss_kb": peak_rss_kb()}
            clock, load_clock = _CallClock(), _CallClock()
            paced = SyncEngine(pool, settings, qualifier, request_analysis=lambda page_pk: None, http=clock)
            loaded = SyncEngine(pool, settings, qualifier, request_analysis=lambda page_pk: None, http=load_clock)
            loader = threading.Thread(target=_sync, args=(pool, loaded, spec["load_page_pk"]), daemon=True)
            loader.start()
            time.sleep(1.0)  # the loading page is well under way
            began = time.perf_counter()
            job = _sync(pool, paced, spec["page_pk"])
            took = time.perf_counter() - began
            loader.join()
            over = _over_rate(clock.starts, PACED_RATE) + _over_rate(load_clock.starts, PACED_RATE)
            return {**_job_result(job, took), "calls": len(clock.starts), "over_rate": over}
    finally:
        pool.close()


def _sync(pool: db.Pool, engine: SyncEngine, page_pk: int) -> SyncJob:
    with pool.connection() as conn:
        job = jobs.create_job(conn, page_pk, full=True, stale_after_seconds=600)
    return engine.run(job.id)


def _job_result(job: SyncJob, seconds: float) -> dict[str, Any]:
    return {"seconds": seconds, "status": job.status.value, "synced": job.synced_contacts}


def peak_rss_kb() -> int:
    """This process's peak resident set. Linux's VmHWM belongs to the process image, while
    getrusage's ru_maxrss also remembers the parent's size at the fork (the simulator's, here)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=10000)
    parser.add_argument("--paced", type=int, default=10000, help="conversations synced at 2 calls/s")
    parser.add_argument("--rss-sizes", default="10000,100000", help="comma-separated; empty to skip")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(_measure(json.loads(args.measure))))
        return

    print(f"machine: {machine()}", flush=True)
    with _bench() as bench:
        unpaced = bench.add_page(1, args.conversations)
        bench.warm(unpaced)
        bare = bench.measure("fetch", token=unpaced.token, page_id=unpaced.page_id)
        run = bench.measure("sync", page_pk=bench.page_pks[unpaced.page_id])
        print(
            f"engine, pacing lifted: {run['status']}, {run['synced']} contacts in {run['seconds']:.2f}s"
            f" = {run['synced'] / run['seconds']:,.0f} contacts/s; bare fetch of the same {bare['fetched']}"
            f" conversations {bare['seconds']:.2f}s; engine / fetch = {run['seconds'] / bare['seconds']:.2f}x."
            f" Goals >= {GOAL_RATE:,.0f} contacts/s: {verdict(run['synced'] / run['seconds'] >= GOAL_RATE)};"
            f" <= {GOAL_OVER_FETCH:g}x the fetch: {verdict(run['seconds'] / bare['seconds'] <= GOAL_OVER_FETCH)}",
            flush=True,
        )
        began = time.perf_counter()
        analysed = bench.analyse(unpaced)
        took = time.perf_counter() - began
        print(f"analysis job, rules analyzer: {analysed} contacts in {took:.2f}s = {analysed / took:,.0f} contacts/s")

        # The second page is a little larger, so that it is still syncing when the measured one ends.
        paced, load = bench.add_page(2, args.paced), bench.add_page(3, args.paced * 6 // 5)
        run = bench.measure(
            "paced", rate=PACED_RATE, page_pk=bench.page_pks[paced.page_id], load_page_pk=bench.page_pks[load.page_id]
        )
        floor = run["calls"] / PACED_RATE
        print(
            f"engine at {PACED_RATE:g} calls/s, second page syncing alongside: {run['status']},"
            f" {run['synced']} contacts, {run['calls']} calls in {run['seconds']:.2f}s, floor {floor:.1f}s,"
            f" wall / floor = {run['seconds'] / floor:.3f}x;"
            f" calls over {PACED_RATE:g}/s in any second: {run['over_rate']}."
            f" Goal <= {GOAL_PACED:g}x and none over:"
            f" {verdict(run['seconds'] / floor <= GOAL_PACED and run['over_rate'] == 0)}",
            flush=True,
        )

        sizes = [int(size) for size in args.rss_sizes.split(",") if size]
        peaks: dict[int, int] = {}
        for number, size in enumerate(sizes, start=4):
            page = bench.add_page(number, size)
            run = bench.measure("sync", page_pk=bench.page_pks[page.page_id])
            peaks[size] = run["max_rss_kb"]
            print(
                f"peak RSS of the syncing process, {size:,} conversations ({run['synced']} contacts,"
                f" {run['seconds']:.0f}s): {peaks[size] / 1024:.0f} MB"
            )
        if len(peaks) > 1:
            ratio = peaks[max(sizes)] / peaks[min(sizes)]
            print(
                f"peak RSS ratio {max(sizes):,} / {min(sizes):,}: {ratio:.2f}x."
                f" Goal <= {GOAL_RSS_RATIO:g}x: {verdict(ratio <= GOAL_RSS_RATIO)}"
            )


if __name__ == "__main__":
    main()
