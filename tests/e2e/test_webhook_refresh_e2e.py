"""End to end: Meta webhooks into gunicorn, debounced refreshes queued by the dispatcher from PostgreSQL
and run by an `rq worker`, analysed by the real google-genai SDK against the Gemini stand-in."""

from __future__ import annotations

import pytest

from conftest import APP_SECRET, SALES_CHANNEL, TEAM_ID
from core import pages
from sandbox import meta_webhooks, processes
from sandbox.gemini_stub import GeminiStub
from sandbox.graph_sim import SimPage

SHOP = SimPage(
    page_id="920000000000001", name="Corner Florist", token="florist-e2e-token-5", messenger_count=10, seed=17
)
SENDER = "24511288880001"


@pytest.fixture
def gemini():
    with GeminiStub() as stub:
        yield stub


@pytest.fixture
def env(deployment_env, sim, pool, gemini, connect_page):
    sim.add_page(SHOP)
    page = connect_page(SHOP, team=TEAM_ID)
    with pool.connection() as conn:
        pages.set_notify_channel(conn, page.id, SALES_CHANNEL)
    return {
        **deployment_env,
        "GEMINI_API_KEYS": "AIzaSy-e2e-key-1",
        "GEMINI_BASE_URL": gemini.base_url,
        "FBSYNC_GEMINI_RPM": "1000",
        "FBSYNC_REFRESH_DEBOUNCE": "1",
    }


def test_a_burst_of_messages_makes_one_refresh(env, sim, pool, gemini, slack, start_process):
    port = processes.free_port()
    web = f"http://127.0.0.1:{port}"
    start_process(processes.gunicorn(port), {**env, "FBSYNC_PUBLIC_URL": web})
    processes.wait_for(lambda: processes.serving(f"{web}/healthz"), 60, "gunicorn")

    first = sim.new_sender(SHOP.page_id, "messenger", SENDER, "Hi there", name="Rosa Parks")
    texts = [
        "are you open today?",
        "I need 40 roses for a wedding",
        "how much would that be?",
        "can you deliver on saturday?",
    ]
    sent = [first] + [sim.touch(SHOP.page_id, "messenger", first["index"], text) for text in texts]
    for message, text in zip(sent, ["Hi there", *texts], strict=True):
        item = meta_webhooks.messenger_message(
            SHOP.page_id, SENDER, text, mid=message["mid"], timestamp_ms=message["timestamp_ms"]
        )
        delivered = meta_webhooks.post(
            f"{web}/webhooks/facebook", meta_webhooks.delivery("page", [(SHOP.page_id, [item])]), APP_SECRET
        )
        assert delivered.status_code == 200

    worker = start_process(processes.rq_worker(env["REDIS_URL"], "refresh"), env)
    start_process(processes.dispatcher(), env)
    with pool.connection() as conn:
        processes.wait_for(
            lambda: (  # the contact appears once the dispatcher has expanded the deliveries
                (row := conn.execute("SELECT ai_context FROM contacts WHERE messenger_psid = %s", (SENDER,)).fetchone())
                and row["ai_context"]
            ),
            60,
            "the refresh to analyse the contact",
        )
        rosa = conn.execute("SELECT * FROM contacts WHERE messenger_psid = %s", (SENDER,)).fetchone()
        stored = conn.execute("SELECT count(*) AS n FROM messages WHERE contact_id = %s", (rosa["id"],)).fetchone()

    assert gemini.count() == 1  # five messages, one analysis
    assert "I need 40 roses for a wedding" in gemini.requests[0]["prompt"]
    assert (rosa["first_name"], rosa["last_name"]) == ("Rosa", "Parks")
    assert stored["n"] == 5
    notice = processes.wait_for(lambda: slack.messages(SALES_CHANNEL), 10, "the stage notice")
    assert len(notice) == 1 and notice[0]["text"].startswith("Rosa Parks -> ")
    assert worker.poll() is None  # still serving
