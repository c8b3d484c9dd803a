"""End to end: with the Graph API unreachable (every refresh hangs in its call and its retries), the
dispatcher's drain still expands every delivery acknowledged meanwhile: the drain never waits behind
the refresh worker."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from conftest import APP_SECRET, TEAM_ID
from sandbox import meta_webhooks, processes
from sandbox.graph_sim import SimPage

SHOP = SimPage(page_id="940000000000001", name="Slow Lane Bikes", token="slow-lane-token-7", messenger_count=0)


@pytest.fixture
def black_hole() -> Iterator[tuple[str, list[socket.socket]]]:
    """A Graph API that accepts connections and never answers; yields its URL and what it accepted."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/v25.0", accepted
    listener.close()
    for conn in accepted:
        conn.close()


def test_deliveries_are_expanded_while_every_refresh_hangs_on_graph(
    deployment_env, connect_page, pool, start_process, black_hole
):
    graph_url, graph_calls = black_hole
    connect_page(SHOP, team=TEAM_ID)
    env = {**deployment_env, "FB_GRAPH_URL": graph_url, "FBSYNC_REFRESH_DEBOUNCE": "0.2"}
    port = processes.free_port()
    web = f"http://127.0.0.1:{port}"
    start_process(processes.gunicorn(port), {**env, "FBSYNC_PUBLIC_URL": web})
    processes.wait_for(lambda: processes.serving(f"{web}/healthz"), 60, "gunicorn")
    start_process(processes.rq_worker(env["REDIS_URL"], "refresh"), env)
    start_process(processes.dispatcher(), env)

    def deliver(n: int) -> int:
        item = meta_webhooks.messenger_message(SHOP.page_id, f"245112777700{n:02d}", "still open?", mid=f"m_slow{n}")
        return meta_webhooks.post(
            f"{web}/webhooks/facebook", meta_webhooks.delivery("page", [(SHOP.page_id, [item])]), APP_SECRET
        ).status_code

    assert deliver(0) == 200
    processes.wait_for(lambda: graph_calls, 60, "a refresh to call the Graph API and hang there")
    assert [deliver(n) for n in range(1, 30)] == [200] * 29

    with pool.connection() as conn:
        processes.wait_for(
            lambda: conn.execute("SELECT count(*) AS n FROM messages WHERE mid LIKE 'm_slow%%'").fetchone()["n"] == 30,
            30,
            "every delivery expanded",
        )
        waiting = conn.execute("SELECT count(*) AS n FROM webhook_inbox").fetchone()["n"]
        owed = conn.execute("SELECT count(*) AS n FROM pending_work WHERE kind = 'refresh'").fetchone()["n"]
    assert waiting == 0
    assert owed == 30  # none of the refreshes got through: the drain did not wait for them
