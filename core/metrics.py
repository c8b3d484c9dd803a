"""Prometheus instruments, all of them here; the rest of the code calls the small functions below.

With PROMETHEUS_MULTIPROC_DIR set (an empty directory shared by a machine's gunicorn workers, RQ
workers and their work horses), every process writes its values to files there and `GET /metrics`
adds them up; without it, values live in the process that counted them (fine for the CLI). A worker
process type on a machine of its own serves the same on FBSYNC_METRICS_PORT (worker/metrics_port.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from core.webhook_store import InboxStatus

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

SYNCS = Counter("fbsync_syncs", "Sync jobs finished, by final status", ["outcome"])
SYNC_SECONDS = Histogram(
    "fbsync_sync_duration_seconds",
    "Wall time of finished sync jobs, by final status",
    ["outcome"],
    buckets=(10, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600),
)
CONTACTS_SYNCED = Counter("fbsync_contacts_synced", "Contacts stored by syncs")
ANALYSES = Counter("fbsync_analyses", "Conversation analyses: done, or deferred for want of AI quota", ["result"])
GEMINI_RATE_LIMITED = Counter("fbsync_gemini_rate_limited", "Gemini answers 429 (a key out of quota)")
WEBHOOK_ITEMS = Counter(
    "fbsync_webhook_items",
    "Meta webhook items: accepted or rejected at acknowledgement; duplicate: accepted, but delivered before",
    ["outcome"],
)
WEBHOOK_REJECTED = Counter("fbsync_webhook_rejected", "Meta webhook deliveries refused, by reason", ["reason"])
REFRESH_LATENCY = Histogram(
    "fbsync_refresh_latency_seconds",
    "From the webhook that queued a contact's refresh (debounce included) to the refresh done",
    buckets=(1, 2, 5, 10, 20, 30, 60, 120, 300, 900),
)


def sync_finished(outcome: str, seconds: float | None, contacts: int) -> None:
    SYNCS.labels(outcome).inc()
    if seconds is not None:
        SYNC_SECONDS.labels(outcome).observe(seconds)
    CONTACTS_SYNCED.inc(contacts)


def analyses(done: int, deferred: int) -> None:
    ANALYSES.labels("done").inc(done)
    ANALYSES.labels("deferred").inc(deferred)


def gemini_rate_limited() -> None:
    GEMINI_RATE_LIMITED.inc()


def webhook_items(accepted: int, rejected: int) -> None:
    """At acknowledgement. Only what happened is counted: with PROMETHEUS_MULTIPROC_DIR each count
    is a write to a shared file, on the request's path."""
    if accepted:
        WEBHOOK_ITEMS.labels("accepted").inc(accepted)
    if rejected:
        WEBHOOK_ITEMS.labels("rejected").inc(rejected)


def webhook_duplicates(duplicates: int) -> None:
    """Found when the deliveries are expanded: accepted items Meta had delivered before."""
    if duplicates:
        WEBHOOK_ITEMS.labels("duplicate").inc(duplicates)


def webhook_rejected(reason: str) -> None:
    WEBHOOK_REJECTED.labels(reason).inc()


def refresh_done(latency_seconds: float) -> None:
    REFRESH_LATENCY.observe(max(latency_seconds, 0.0))


class _QueueDepth(Collector):
    """Read at scrape time, so every web process reports the same, current depths."""

    def __init__(self, depths: Callable[[], Mapping[str, int]]) -> None:
        self._depths = depths

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily("fbsync_queue_depth", "Jobs waiting in each RQ queue", labels=["queue"])
        for queue, depth in self._depths().items():
            gauge.add_metric([queue], depth)
        yield gauge


class _Inbox(Collector):
    """The webhook deliveries acknowledged and not yet expanded, read at scrape time."""

    def __init__(self, status: Callable[[], InboxStatus | None]) -> None:
        self._status = status

    def collect(self) -> Iterator[Metric]:
        status = self._status()
        if status is None:  # the database cannot tell: left out, as /healthz says why
            return
        yield GaugeMetricFamily(
            "fbsync_webhook_inbox_depth", "Webhook deliveries acknowledged, not yet expanded", value=status.depth
        )
        yield GaugeMetricFamily(
            "fbsync_webhook_inbox_oldest_seconds",
            "How long the oldest delivery not yet expanded has waited",
            value=status.oldest_seconds,
        )


class _ThisProcess(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def _registry(
    queue_depths: Callable[[], Mapping[str, int]] | None, inbox: Callable[[], InboxStatus | None] | None
) -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_VARIABLE):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    if queue_depths:
        registry.register(_QueueDepth(queue_depths))
    if inbox:
        registry.register(_Inbox(inbox))
    return registry


def exposition(
    queue_depths: Callable[[], Mapping[str, int]], inbox: Callable[[], InboxStatus | None]
) -> tuple[bytes, str]:
    """The /metrics body and its content type; `queue_depths` gives {} and `inbox` None when they cannot tell."""
    return generate_latest(_registry(queue_depths, inbox)), CONTENT_TYPE_LATEST


def serve(
    port: int,
    queue_depths: Callable[[], Mapping[str, int]] | None = None,
    inbox: Callable[[], InboxStatus | None] | None = None,
) -> None:
    """The same metrics on `port` (every interface, in a thread of this process), for a process with no
    web server: what this machine's processes counted, as `/metrics` serves it."""
    start_http_server(port, registry=_registry(queue_depths, inbox))
