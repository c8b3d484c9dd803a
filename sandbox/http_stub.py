"""The HTTP scaffolding of the sandbox's stand-ins (graph_sim, gemini_stub, slack_stub): a threaded
server on 127.0.0.1 that hands every request to the stand-in's `_respond` and writes back the
Response it returns, the start/stop lifecycle around it, and the standalone `python -m` loop.
Each stand-in keeps only what is specific to the API it imitates.
"""

from __future__ import annotations

import signal
import socket
import socketserver
import sys
import threading
import traceback
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self, TypeAlias

__all__ = ["HOST", "HttpStub", "RequestHeaders", "Response", "StubHandler", "StubServer", "serve_until_stopped"]

HOST = "127.0.0.1"

# What http.server parses a request's headers into: lookups are case-insensitive, unlike a Mapping.
RequestHeaders: TypeAlias = Message


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class HttpStub(ABC):
    """A stand-in served over HTTP from a background thread. Subclasses set the class attributes
    below, guard their state with `self._lock`, answer requests in `_respond` (called from server
    threads; a bug of theirs is answered in the imitated API's format and kept with `_record_error()`)
    and say where they are served in `base_url`."""

    # The handler class, which declares the HTTP methods the stand-in answers.
    _handler: ClassVar[type[StubHandler]]
    _thread_name: ClassVar[str]
    # What lifecycle errors call the stand-in.
    _noun: ClassVar[str] = "stub"

    def __init__(self, port: int) -> None:
        self._requested_port = port
        # Guards all the stand-in's state, which server threads share with the caller.
        self._lock = threading.RLock()
        self._errors: list[str] = []
        self._server: StubServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError(f"{self._noun} already started")
        self._server = StubServer((HOST, self._requested_port), self)
        # A short poll interval keeps stop() quick; tests start and stop many stand-ins.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=self._thread_name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{self._noun} not started")
        return int(self._server.server_address[1])

    @property
    def errors(self) -> list[str]:
        """Tracebacks of the stand-in's own bugs (or of code it calls back, such as a Gemini responder),
        which are answered in the imitated API's error format instead of printed."""
        with self._lock:
            return list(self._errors)

    def _record_error(self) -> None:
        """Keep the traceback of the exception being handled, for `errors`."""
        with self._lock:
            self._errors.append(traceback.format_exc())

    @property
    @abstractmethod
    def base_url(self) -> str:
        """What a client of the imitated API is pointed at."""

    @abstractmethod
    def _respond(self, method: str, target: str, headers: RequestHeaders, body: bytes) -> Response:
        """The answer to one request; `target` is the request line's path and query."""


class StubHandler(BaseHTTPRequestHandler):
    """Subclasses declare the methods they answer as `do_GET = do_POST = StubHandler.dispatch`;
    other methods get http.server's 501."""

    # Keep-alive, as the stand-ins' clients (requests.Session, httpx, urllib) expect of the real APIs;
    # every response carries Content-Length.
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; with Nagle on, each response would stall ~40 ms.
    disable_nagle_algorithm = True
    # Idle keep-alive connections of a long-running standalone server must not pin threads forever.
    timeout = 60
    server: StubServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        response = self.server.stub._respond(self.command, self.path, self.headers, body)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature fixed by the base class
        # One stderr line per request would drown the demo's and the tests' output (and a request line
        # can carry a credential: Gemini's ?key=, Slack's ?token=).
        return


class StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], stub: HttpStub) -> None:
        self.stub = stub
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, stub._handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn), which can stall for seconds.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        """Hang up keep-alive connections, or their threads would keep answering after stop()."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # the client already hung up

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-response are routine; a stand-in's own bugs are caught and answered
        # inside its _respond already.
        return


def serve_until_stopped(stub: HttpStub) -> int:
    """The standalone `python -m sandbox.<name>` loop: serve, print the base URL, and stop cleanly on
    SIGTERM or Ctrl-C. Returns the exit status."""
    # SIGTERM is how supervisors and tests stop us; as SystemExit it runs the cleanup below.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    stub.start()
    print(stub.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        stub.stop()
    return 0
