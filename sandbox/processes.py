"""Running fbsync's own processes (gunicorn, rq worker) on 127.0.0.1, for the demo and the e2e tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import requests

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll until `predicate` gives something truthy; a readable failure after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def serving(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except (requests.ConnectionError, requests.Timeout):  # a server still booting (a loaded machine) may not answer yet
        return False


def start(args: list[str], env: dict[str, str], output: IO[Any] | int = subprocess.DEVNULL) -> subprocess.Popen:
    """In a session of its own, so that stop() ends it with everything it started."""
    return subprocess.Popen(args, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def gunicorn(port: int) -> list[str]:
    return [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2", "webhooks.app:create_app()"]


def rq_worker(redis_url: str, *queues: str, burst: bool = False) -> list[str]:
    """A worker with RQ's scheduler, which moves debounced refreshes onto the queue when due."""
    return [str(BIN / "rq"), "worker", "--with-scheduler", "--url", redis_url, *(["--burst"] if burst else []), *queues]


def rq_cron(redis_url: str) -> list[str]:
    """The Procfile's `cron`: it queues the webhook refreshes that PostgreSQL holds as due."""
    return [str(BIN / "rq"), "cron", "--url", redis_url, "worker/cron.py"]


def children_of(parent: int) -> list[int]:
    """Process ids whose parent is `parent` (RQ's work horse runs in a session of its own)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found
