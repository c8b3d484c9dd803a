"""Webhook acknowledgement speed under gunicorn (the Procfile's settings: 2 workers of 4 threads),
next to a bare Flask app under the same gunicorn settings, from one run:

- req/s of signed single-message deliveries, closed loop, against the bare app's req/s (goal >= 50%);
- p50/p99 latency at a steady 200 req/s, open loop (latency counted from each request's planned
  send time, so a receiver that falls behind shows it; goal p99 < 50 ms);
- every delivery answered 200 is checked to be durably stored: in the inbox the moment it was
  acknowledged, and expanded into events and messages by the drain, run as production runs it
  (`rq cron` ticking every 2 s on an `rq worker`, alongside the web app throughout), with how long
  after the last 200 every delivery was expanded.

    python -m bench.webhook_delivery

Uses DATABASE_URL / REDIS_URL when set, else embedded servers. The web app logs at INFO, as in
production. Refreshes are left owed (a debounce of an hour): they call the Graph API, not measured here.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from multiprocessing import Pool
from pathlib import Path

import requests

from bench import wrk
from bench.report import machine, verdict
from core import db, pages
from core.tokens import TokenCipher
from sandbox import processes
from sandbox.services import embedded_postgres, embedded_redis, scratch_database

PAGE_ID, APP_SECRET = "100000000000777", "bench-app-secret"
CLIENT_PROCESSES, CONNECTIONS_PER_PROCESS = 2, 4
THROUGHPUT_SECONDS, STEADY_RATE, STEADY_SECONDS = 5.0, 200, 10.0
WRK_SECONDS, WRK_REQUESTS = 10.0, 40000
# One message item, as Meta sends it (compact JSON, escaped "/").
BODY = (
    '{"object":"page","entry":[{"id":"%s","time":%d,"messaging":[{"sender":{"id":"%s"},'
    '"recipient":{"id":"%s"},"timestamp":%d,"message":{"mid":"m_%s","text":"Is the 1kg bag of the house'
    ' blend back in stock? I would need %d."}}]}]}'
)


def request_bytes(port: int, tag: str, n: int) -> bytes:
    now = time.time_ns() // 1_000_000
    body = (BODY % (PAGE_ID, now, 24511230000000 + n % 500, PAGE_ID, now, f"bench{tag}x{n}", n)).encode()
    signature = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return (
        f"POST /webhooks/facebook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"X-Hub-Signature-256: sha256={signature}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


def signed_body(n: int, tag: str = "wrk") -> tuple[str, str]:
    """For wrk: the signature's hex digest and the body of the n-th distinct delivery."""
    body = request_bytes(0, tag, n).split(b"\r\n\r\n", 1)[1]
    return hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest(), body.decode()


def send(port: int, payload: bytes) -> int:
    """One request on its own connection (gunicorn's sync workers close after each); the status."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(payload)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    return int(received.split(b" ", 2)[1]) if received.startswith(b"HTTP/") else 0


def closed_loop(args: tuple[int, str, float]) -> tuple[int, int]:
    """A client process: CONNECTIONS_PER_PROCESS threads sending back to back until the deadline."""
    port, tag, seconds = args
    deadline = time.monotonic() + seconds
    counts = [0, 0]  # ok, other
    lock = threading.Lock()

    def run(thread: int) -> None:
        n = 0
        while time.monotonic() < deadline:
            status = send(port, request_bytes(port, f"{tag}t{thread}", n))
            n += 1
            with lock:
                counts[0 if status == 200 else 1] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CONNECTIONS_PER_PROCESS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts[0], counts[1]


def throughput(port: int, tag: str) -> tuple[float, int, int]:
    with Pool(CLIENT_PROCESSES) as pool:
        results = pool.map(closed_loop, [(port, f"{tag}p{i}", THROUGHPUT_SECONDS) for i in range(CLIENT_PROCESSES)])
    ok, other = sum(r[0] for r in results), sum(r[1] for r in results)
    return ok / THROUGHPUT_SECONDS, ok, other


def steady(port: int, tag: str) -> tuple[list[float], int, int]:
    """Open loop at STEADY_RATE: request i is due at start + i/rate; latency is measured from then."""
    total = int(STEADY_RATE * STEADY_SECONDS)
    payloads = [request_bytes(port, tag, n) for n in range(total)]
    start = time.perf_counter() + 0.2
    latencies: list[float] = []
    statuses: list[int] = []

    def one(n: int) -> None:
        due = start + n / STEADY_RATE
        time.sleep(max(0.0, due - time.perf_counter()))
        status = send(port, payloads[n])
        latencies.append(time.perf_counter() - due)
        statuses.append(status)

    with ThreadPoolExecutor(max_workers=64) as executor:
        list(executor.map(one, range(total)))
    ok = statuses.count(200)
    return latencies, ok, total - ok


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def serve(stack: ExitStack, app: str, env: dict[str, str], log: Path) -> int:
    port = processes.free_port()
    command = processes.gunicorn(port, app)
    output = stack.enter_context(log.open("w"))
    stack.callback(processes.stop, processes.start(command, env, output))
    processes.wait_for(lambda: processes.serving(f"http://127.0.0.1:{port}/healthz"), 60, f"gunicorn {app}")
    return port


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="fbsync-bench-"))
    with ExitStack() as stack:
        server_url = os.environ.get("DATABASE_URL") or stack.enter_context(embedded_postgres(workdir / "pg"))
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(embedded_redis(workdir))
        database_url = stack.enter_context(scratch_database(server_url, prefix="fbsync_bench"))
        pool = db.open_pool(database_url)
        stack.callback(pool.close)
        db.migrate(pool)
        key = TokenCipher.new_key()
        with pool.connection() as conn, conn.transaction():
            pages.add_page(
                conn,
                organization_id=pages.ensure_organization(conn, "T0BENCH"),
                page_id=PAGE_ID,
                name="Bench Page",
                token_ciphertext=TokenCipher((key,)).encrypt("bench-token"),
            )
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "bench",
            "FB_APP_ID": "1",
            "FB_APP_SECRET": APP_SECRET,
            "FB_VERIFY_TOKEN": "bench",
            "FBSYNC_PUBLIC_URL": "http://127.0.0.1",
            "FBSYNC_ENCRYPTION_KEY": key,
            "FBSYNC_LOG_LEVEL": "INFO",
            "SLACK_API_URL": "http://127.0.0.1:9/",
            "FB_GRAPH_URL": "http://127.0.0.1:9/v25.0",  # the worker's daily token check, refused at once
        }
        env["FBSYNC_REFRESH_DEBOUNCE"] = "3600"
        bare_port = serve(stack, "bench.bare_app:app", env, workdir / "bare.log")
        fbsync_port = serve(stack, "webhooks.app:create_app()", env, workdir / "web.log")
        output = stack.enter_context((workdir / "worker.log").open("w"))
        stack.callback(processes.stop, processes.start(processes.rq_worker(redis_url, "refresh"), env, output))
        dispatcher = start_dispatcher(stack, env, workdir)

        settings = " ".join(processes.GUNICORN_SETTINGS)
        print(f"webhook ack bench on {machine()}; gunicorn {settings}, both apps; logs in {workdir}")
        bare_rps, _, _ = throughput(bare_port, "warm")
        bare_rps, _, bare_bad = throughput(bare_port, "bare")
        _, warm_ok, _ = throughput(fbsync_port, "warm")
        fbsync_rps, fbsync_ok, fbsync_bad = throughput(fbsync_port, "tput")
        print(
            f"  closed loop, {CLIENT_PROCESSES * CONNECTIONS_PER_PROCESS} connections, {THROUGHPUT_SECONDS:.0f} s:"
            f" bare Flask {bare_rps:.0f} req/s, fbsync {fbsync_rps:.0f} req/s"
            f" = {fbsync_rps / bare_rps:.0%} of bare (goal >= 50%: {verdict(fbsync_rps >= bare_rps / 2)});"
            f" non-200: {bare_bad} bare, {fbsync_bad} fbsync"
        )
        if wrk.available():
            script = wrk.write_script(workdir, WRK_REQUESTS, signed_body)
            wrk_bare = wrk.run(bare_port, script, WRK_SECONDS)
            wrk_ours = wrk.run(fbsync_port, script, WRK_SECONDS)
            ratio = wrk_ours.requests_per_second / wrk_bare.requests_per_second
            print(
                f"  wrk, {wrk.CONNECTIONS} connections, {WRK_SECONDS:.0f} s: bare Flask"
                f" {wrk_bare.requests_per_second:.0f} req/s, fbsync {wrk_ours.requests_per_second:.0f} req/s"
                f" = {ratio:.0%} of bare (goal >= 50%: {verdict(ratio >= 0.5)});"
                f" non-2xx: {wrk_bare.non_2xx} bare, {wrk_ours.non_2xx} fbsync; load {os.getloadavg()[0]:.1f}"
            )
            warm_ok += wrk_ours.requests - wrk_ours.non_2xx
        else:
            print("  wrk: not installed (make bench installs it: apt-get install -y wrk)")
        bare_lat, _, _ = steady(bare_port, "sbare")
        fbsync_lat, steady_ok, steady_bad = steady(fbsync_port, "steady")
        print(
            f"  open loop at {STEADY_RATE} req/s for {STEADY_SECONDS:.0f} s:"
            f" fbsync p50 {percentile(fbsync_lat, 0.5):.1f} ms,"
            f" p99 {percentile(fbsync_lat, 0.99):.1f} ms (goal < 50 ms: {verdict(percentile(fbsync_lat, 0.99) < 50)}),"
            f" max {max(fbsync_lat) * 1000:.0f} ms;"
            f" bare p50 {percentile(bare_lat, 0.5):.1f} ms, p99 {percentile(bare_lat, 0.99):.1f} ms;"
            f" non-200: {steady_bad}"
        )
        last_ack = time.monotonic()
        acked = warm_ok + fbsync_ok + steady_ok
        stored = durably_stored(pool)
        held = stored["waiting"] + stored["events"]
        # wrk counts only the answers it read before its clock ran out: the requests then in flight
        # were stored too, so more can be held than were counted, never fewer.
        print(
            f"  durability: {acked} deliveries answered 200; at the last 200, {stored['waiting']} waited in the"
            f" inbox and {stored['events']} were expanded; acknowledged but in neither: {max(0, acked - held)}"
            f" (and {max(0, held - acked)} stored that wrk sent as its time ran out, not counted as answered)"
        )
        while (stored := durably_stored(pool))["waiting"] and time.monotonic() - last_ack < 120:
            time.sleep(0.05)
        lag = time.monotonic() - last_ack
        missing = max(0, acked - min(stored["events"], stored["messages"]))
        print(
            f"  expansion by the dispatcher's drain (twice a second): every delivery expanded {lag:.1f} s"
            " after the last 200;"
            f" {stored['events']} events, {stored['messages']} messages; acknowledged but not expanded: {missing}"
        )
        if wrk.available():
            processes.stop(dispatcher)
            drain_after_burst(stack, env, workdir, pool, fbsync_port)


def start_dispatcher(stack: ExitStack, env: dict[str, str], workdir: Path) -> subprocess.Popen:
    output = stack.enter_context((workdir / "dispatcher.log").open("a"))
    dispatcher = processes.start(processes.dispatcher(), env, output)
    stack.callback(processes.stop, dispatcher)
    return dispatcher


def drain_after_burst(stack: ExitStack, env: dict[str, str], workdir: Path, pool: db.Pool, port: int) -> None:
    """The drain's own rate: a wrk burst of distinct deliveries acknowledged with the dispatcher
    stopped (so nothing is expanded meanwhile), what /healthz and /metrics say of the inbox it left,
    then the dispatcher started and timed, its start-up included, until the inbox is empty."""
    folder = workdir / "burst"
    folder.mkdir()
    script = wrk.write_script(folder, WRK_REQUESTS, lambda n: signed_body(n, "burst"))
    burst = wrk.run(port, script, WRK_SECONDS)
    waiting = durably_stored(pool)["waiting"]
    health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json().get("webhook_inbox", {})
    exposition = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    shown = dict(re.findall(r"^(fbsync_webhook_inbox_\w+) ([\d.e+]+)$", exposition, re.MULTILINE))
    began = time.monotonic()
    start_dispatcher(stack, env, workdir)
    while durably_stored(pool)["waiting"] and time.monotonic() - began < 300:
        time.sleep(0.05)
    took = time.monotonic() - began
    left = durably_stored(pool)["waiting"]
    rate = (waiting - left) / took
    print(
        f"  drain after a {WRK_SECONDS:.0f} s wrk burst of distinct deliveries ({burst.requests_per_second:.0f} req/s"
        f" acknowledged, dispatcher stopped): {waiting} waited (/healthz depth {health.get('depth')}, oldest"
        f" {health.get('oldest_seconds')} s; /metrics {shown.get('fbsync_webhook_inbox_depth')} and"
        f" {shown.get('fbsync_webhook_inbox_oldest_seconds')} s); the dispatcher, started then, left {left} after"
        f" {took:.1f} s, its start-up included: {rate:.0f} deliveries/s ="
        f" {rate / burst.requests_per_second:.1f}x the acknowledgement rate"
        f" (goal >= 1x: {verdict(rate >= burst.requests_per_second and not left)})"
    )


def durably_stored(pool: db.Pool) -> dict[str, int]:
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM webhook_inbox) AS waiting,"
            " (SELECT count(*) FROM webhook_events WHERE mid LIKE 'm_bench%%') AS events,"
            " (SELECT count(*) FROM messages WHERE mid LIKE 'm_bench%%') AS messages"
        ).fetchone()
    assert row is not None
    return dict(row)


if __name__ == "__main__":
    main()
