"""The README's production command (`make run`) starts every Procfile process, healthy, and stops them all."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from rq import Worker

from conftest import APP_ID, APP_SECRET, BOT_TOKEN, ENCRYPTION_KEY, SIGNING_SECRET, VERIFY_TOKEN
from core.redis_keys import DISPATCH_EPOCH
from sandbox import processes
from sandbox.run import RELEASE, procfile_processes
from sandbox.services import scratch_database

ROOT = Path(__file__).resolve().parents[2]
PROCFILE = procfile_processes(ROOT / "Procfile")


@pytest.fixture
def fresh_database(postgres_server: str) -> Iterator[str]:
    """Not migrated: only the release phase makes it usable."""
    with scratch_database(postgres_server, prefix="fbsync_run") as url:
        yield url


def test_make_run_starts_every_process_healthy_and_stops_them(
    tmp_path: Path, fresh_database: str, redis_url: str, sim: Any, slack: Any, sync_queue: Any
) -> None:
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": fresh_database,
        "REDIS_URL": redis_url,
        "FB_GRAPH_URL": sim.base_url,
        "FB_DIALOG_URL": f"{sim.base_url}/dialog/oauth",
        "FB_APP_ID": APP_ID,
        "FB_APP_SECRET": APP_SECRET,
        "FB_VERIFY_TOKEN": VERIFY_TOKEN,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
        "FBSYNC_PUBLIC_URL": base,
        "FBSYNC_ENCRYPTION_KEY": ENCRYPTION_KEY,
        # As from a shell where the venv is not activated: the command must find its own binaries.
        "PATH": "/usr/bin:/bin",
        "WEB_CONCURRENCY": "1",
    }
    env.pop("VIRTUAL_ENV", None)
    with processes.make_run(env, tmp_path / "run.log", set(PROCFILE) - {RELEASE}) as run:
        health = requests.get(f"{base}/healthz", timeout=5)
        assert health.json()["database"] == "ok" and health.json()["redis"] == "ok"
        assert re.search(
            r'^fbsync_queue_depth\{queue="refresh"\} \d', requests.get(f"{base}/metrics", timeout=5).text, re.M
        )

        connection = redis.Redis.from_url(redis_url)

        def listening() -> set[tuple[str, ...]] | None:
            queues = {tuple(worker.queue_names()) for worker in Worker.all(connection=connection)}
            return queues if {("sync",), ("refresh",), ("analysis",)} <= queues else None

        processes.wait_for(listening, 60, "a worker on each of sync, refresh and analysis")
        # The dispatcher marks the Redis it queues into at its first tick.
        processes.wait_for(lambda: connection.exists(DISPATCH_EPOCH), 60, "the dispatcher at work")
        assert {name: processes.alive(pid) for name, pid in run.pids.items()} == dict.fromkeys(run.pids, True)
        assert "stopped" not in run.log.read_text(), run.log.read_text()
    output = run.log.read_text()
    assert not [name for name, pid in run.pids.items() if processes.alive(pid)], output
    assert "release: fbsync migrate" in output
