"""End to end: with FBSYNC_METRICS_PORT, the dispatcher and an RQ worker (each as on a machine of its
own: no shared multiprocess directory) serve their own metrics for Prometheus to scrape."""

from __future__ import annotations

import requests
from prometheus_client.parser import text_string_to_metric_families

from conftest import APP_SECRET, TEAM_ID
from sandbox import meta_webhooks, processes
from sandbox.graph_sim import SimPage

SHOP = SimPage(page_id="950000000000001", name="Far Shore Kayaks", token="far-shore-token-8", messenger_count=0)


def scrape(port: int) -> dict[str, float] | None:
    try:
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
    except requests.ConnectionError:  # not serving yet
        return None
    return {
        sample.name + str(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_the_dispatcher_and_an_rq_worker_serve_their_own_metrics(web, deployment_env, connect_page, start_process):
    connect_page(SHOP, team=TEAM_ID)
    item = meta_webhooks.messenger_message(SHOP.page_id, "24511266660001", "a double?", mid="m_twice")
    delivery = meta_webhooks.delivery("page", [(SHOP.page_id, [item])])
    for _ in range(2):  # Meta delivers at least once: the drain finds the second a duplicate
        assert meta_webhooks.post(f"{web}/webhooks/facebook", delivery, APP_SECRET).status_code == 200

    dispatcher_port, worker_port = processes.free_port(), processes.free_port()
    start_process(processes.dispatcher(), {**deployment_env, "FBSYNC_METRICS_PORT": str(dispatcher_port)})
    start_process(
        processes.rq_worker(deployment_env["REDIS_URL"], "refresh"),
        {**deployment_env, "FBSYNC_METRICS_PORT": str(worker_port)},
    )

    duplicate = "fbsync_webhook_items_total[('outcome', 'duplicate')]"
    dispatcher = processes.wait_for(
        lambda: (m := scrape(dispatcher_port)) and m.get(duplicate) and m, 60, "the dispatcher's metrics"
    )
    worker = processes.wait_for(lambda: scrape(worker_port) is not None, 60, "the worker's metrics")

    assert dispatcher[duplicate] == 1
    assert dispatcher["fbsync_webhook_inbox_depth[]"] == 0
    assert worker
