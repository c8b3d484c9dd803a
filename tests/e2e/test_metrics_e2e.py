"""End to end: after a sync and a webhook refresh, run by gunicorn and an `rq worker` in multiprocess
mode, `GET /metrics` serves what they did."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from conftest import ADMIN, APP_SECRET, SALES_CHANNEL, TEAM_ID, signed_slack_post
from core.metrics import MULTIPROC_VARIABLE
from sandbox import meta_webhooks, processes
from sandbox.gemini_stub import GeminiStub
from sandbox.graph_sim import SimPage

SHOP = SimPage(
    page_id="930000000000001", name="Crumb Bakery", token="crumb-metrics-token-3", messenger_count=30, seed=23
)
SENDER = "24511299990001"


@pytest.fixture
def gemini() -> Iterator[GeminiStub]:
    with GeminiStub() as stub:
        yield stub


def scrape(web: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = requests.get(f"{web}/metrics", timeout=10).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_count_syncs_analyses_quota_webhooks_and_refreshes(
    tmp_path: Path,
    deployment_env: dict[str, str],
    sim: Any,
    slack: Any,
    pool: Any,
    gemini: GeminiStub,
    connect_page: Any,
    start_process: Any,
) -> None:
    sim.add_page(SHOP)
    connect_page(SHOP, team=TEAM_ID)
    # Keys of this test only: the limiter remembers resting keys in the shared Redis.
    first, second = (f"AIzaSy-metrics-{uuid.uuid4().hex[:10]}-{n}" for n in (1, 2))
    gemini.exhaust(first, retry_delay_s=600)
    (tmp_path / "metrics").mkdir()
    env = {
        **deployment_env,
        "GEMINI_API_KEYS": f"{first},{second}",
        "GEMINI_BASE_URL": gemini.base_url,
        "FBSYNC_GEMINI_RPM": "1000",
        "FBSYNC_REFRESH_DEBOUNCE": "0.5",
        MULTIPROC_VARIABLE: str(tmp_path / "metrics"),
    }
    port = processes.free_port()
    web = f"http://127.0.0.1:{port}"
    start_process(processes.gunicorn(port), {**env, "FBSYNC_PUBLIC_URL": web})
    processes.wait_for(lambda: processes.serving(f"{web}/healthz"), 60, "gunicorn")
    start_process(processes.rq_worker(env["REDIS_URL"], "sync", "refresh", "analysis"), env)
    start_process(processes.dispatcher(), env)

    ack = signed_slack_post(
        web,
        {
            "team_id": TEAM_ID,
            "team_domain": "fbsync-test",
            "channel_id": SALES_CHANNEL,
            "user_id": ADMIN,
            "command": "/fbsync",
            "text": "sync crumb",
            "response_url": slack.response_url(),
        },
    )
    assert ack.status_code == 200
    with pool.connection() as conn:
        job = processes.wait_for(
            lambda: conn.execute(
                "SELECT * FROM sync_jobs WHERE status = 'COMPLETED' AND analysis_completed_at IS NOT NULL"
            ).fetchone(),
            120,
            "the sync and its analysis",
        )

    gemini.exhaust(second, retry_delay_s=600)  # now every key is out of quota: the refresh's analysis waits
    said = sim.new_sender(SHOP.page_id, "messenger", SENDER, "Do you bake wedding cakes?", name="Ada Byron")
    item = meta_webhooks.messenger_message(
        SHOP.page_id, SENDER, "Do you bake wedding cakes?", mid=said["mid"], timestamp_ms=said["timestamp_ms"]
    )
    delivery = meta_webhooks.delivery("page", [(SHOP.page_id, [item])])
    assert meta_webhooks.post(f"{web}/webhooks/facebook", delivery, APP_SECRET).status_code == 200
    assert meta_webhooks.post(f"{web}/webhooks/facebook", delivery, "not-the-app-secret").status_code == 403

    refreshed = ("fbsync_refresh_latency_seconds_count", ())
    values = processes.wait_for(lambda: (m := scrape(web)).get(refreshed) and m, 60, "the refresh in /metrics")
    assert values[("fbsync_syncs_total", (("outcome", "COMPLETED"),))] == 1
    assert values[("fbsync_sync_duration_seconds_count", (("outcome", "COMPLETED"),))] == 1
    assert values[("fbsync_contacts_synced_total", ())] == job["synced_contacts"] == SHOP.messenger_count
    assert values[("fbsync_analyses_total", (("result", "done"),))] == job["analyzed_contacts"] > 0
    assert values[("fbsync_analyses_total", (("result", "deferred"),))] == 1
    # Each key at least once (analyses running in parallel may all try a key before it rests).
    assert values[("fbsync_gemini_rate_limited_total", ())] >= 2
    assert values[("fbsync_webhook_items_total", (("outcome", "accepted"),))] == 1
    assert values[("fbsync_webhook_rejected_total", (("reason", "signature"),))] == 1
    assert values[refreshed] == 1 and values[("fbsync_refresh_latency_seconds_sum", ())] > 0.5
    assert values[("fbsync_queue_depth", (("queue", "sync"),))] == 0
