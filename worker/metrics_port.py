"""A worker process type's own metrics endpoint, for machines that run no web process: with
FBSYNC_METRICS_PORT set, the dispatcher or an RQ worker serves what core/metrics.py serves on /metrics
(at any path) on that port, so that Prometheus scrapes every machine.

An RQ worker's jobs run in forked work horses that exit after each job: their counts reach the
endpoint only through a multiprocess directory, so one is made when none is set. That must happen
before prometheus_client is imported (it picks its value store then): this module imports it late,
and worker/preload.py calls it first.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Mapping

from core.webhook_store import InboxStatus

PORT_VARIABLE = "FBSYNC_METRICS_PORT"
_MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"  # core.metrics.MULTIPROC_VARIABLE, not imported yet

logger = logging.getLogger(__name__)


def serve_from_env(
    *,
    forks: bool,
    queue_depths: Callable[[], Mapping[str, int]] | None = None,
    inbox: Callable[[], InboxStatus | None] | None = None,
) -> int | None:
    """The port now served, or None when FBSYNC_METRICS_PORT is unset or taken (logged)."""
    port = os.environ.get(PORT_VARIABLE)
    if not port:
        return None
    if forks and not os.environ.get(_MULTIPROC_VARIABLE):
        os.environ[_MULTIPROC_VARIABLE] = tempfile.mkdtemp(prefix="fbsync-metrics-")
    from core import metrics

    try:
        metrics.serve(int(port), queue_depths, inbox)
    except OSError as exc:  # another process of this machine holds it: its endpoint serves the shared counts
        logger.warning("metrics port not served port=%s error=%s", port, type(exc).__name__)
        return None
    logger.info("metrics served port=%s", port)
    return int(port)
