"""The whole `fbsync sync --full` command, rules analysis included, as a user runs it.

    python -m bench.sync_cli [--sizes 10000[,100000]] [--paced 10000]

1. Pacing lifted: the wall clock of the command (a process of its own: start-up, the Graph pass, the
   analysis of every contact, the summary) in contacts/s, next to a bare loop doing the same Graph
   I/O (in a process of its own too). Goal: at least 5,000 contacts/s.
2. At Meta's 2 calls/s: the command's wall clock over the call floor (the simulator's count of the
   calls it answered, over the rate). Goal: 1.02x or less, that is, the analysis runs in the pacing
   gaps and the sync ends with its last page.

The Graph simulator and PostgreSQL run in other processes (this one and the server's), and each
page is generated once before anything is timed, so Meta's own work is not on the measured clock.
Printed first: the machine, since runs on a shared machine vary with what else runs on it.
Uses DATABASE_URL when set, else an embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from bench.report import machine, verdict
from bench.sync_engine import PACED_RATE, UNPACED_RATE, Bench, _bench
from sandbox.graph_sim import SimPage

GOAL_RATE = 5000.0  # contacts/s, pacing lifted
GOAL_PACED = 1.02  # wall / call floor at 2 calls/s


def run_cli(bench: Bench, page: SimPage, rate: float) -> tuple[float, int, str]:
    """`fbsync sync --full PAGE` in a process of its own: (wall seconds, contacts synced, its last line)."""
    env = {
        **os.environ,
        "DATABASE_URL": bench.database_url,
        "FB_GRAPH_URL": bench.sim.base_url,
        "FBSYNC_ENCRYPTION_KEY": bench.key,
        "FBSYNC_GRAPH_CALLS_PER_SECOND": str(rate),
        "FBSYNC_GRAPH_PAGE_SIZE": "100",
        "FBSYNC_LOG_LEVEL": "WARNING",
    }
    for unused in ("REDIS_URL", "GEMINI_API_KEYS"):  # the rules analyzer, with no budget kept in Redis
        env.pop(unused, None)
    began = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "core", "sync", "--full", page.page_id],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    took = time.perf_counter() - began
    with bench.pool.connection() as conn:
        row = conn.execute(
            "SELECT synced_contacts, analyzed_contacts FROM sync_jobs WHERE facebook_page_id = %s"
            " ORDER BY id DESC LIMIT 1",
            (bench.page_pks[page.page_id],),
        ).fetchone()
    assert row is not None
    if row["analyzed_contacts"] < row["synced_contacts"]:
        raise SystemExit(f"the sync left contacts unanalysed: {out}")
    return took, int(row["synced_contacts"]), out.strip().splitlines()[-1]


def unpaced(bench: Bench, number: int, size: int) -> None:
    page = bench.add_page(number, size)
    bench.warm(page)
    bare = bench.measure("fetch", token=page.token, page_id=page.page_id)
    took, synced, _ = run_cli(bench, page, UNPACED_RATE)
    rate = synced / took
    print(
        f"`fbsync sync --full` of {size:,} conversations, pacing lifted, rules analysis included:"
        f" {rate:,.0f} contacts/s ({synced:,} in {took:.1f}s); {took / bare['seconds']:.1f}x a bare loop"
        f" fetching the same pages ({bare['seconds']:.1f}s). Goal >= {GOAL_RATE:,.0f} contacts/s"
        f" ({size:,} in {size / GOAL_RATE:.0f}s or less): {verdict(rate >= GOAL_RATE)}",
        flush=True,
    )


def paced(bench: Bench, number: int, size: int) -> None:
    page = bench.add_page(number, size)
    bench.warm(page)
    bench.sim.reset_requests()
    took, synced, _ = run_cli(bench, page, PACED_RATE)
    calls = sum(1 for request in bench.sim.requests if request["page_id"] == page.page_id)
    floor = calls / PACED_RATE
    ratio = took / floor
    print(
        f"`fbsync sync --full` of {size:,} conversations at {PACED_RATE:g} calls/s, rules analysis included:"
        f" {synced:,} contacts, {calls} calls in {took:.1f}s, call floor {floor:.1f}s: {ratio:.3f}x the floor."
        f" Goal <= {GOAL_PACED:.2f}x (the analysis in the pacing gaps): {verdict(ratio <= GOAL_PACED)}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes", default="10000", help="conversations per unpaced run, comma-separated (100000: about 3 minutes more)"
    )
    parser.add_argument("--paced", type=int, default=10000, help="conversations synced at 2 calls/s; 0 to skip")
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    with _bench() as bench:
        number = 1
        for size in (int(size) for size in args.sizes.split(",") if size):
            unpaced(bench, number, size)
            number += 1
        if args.paced:
            paced(bench, number, args.paced)
    print(f"after the runs: load average {', '.join(f'{value:.2f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
