"""The RQ queues: syncs (hours each), refreshes and short jobs, analysis slices."""

from __future__ import annotations

import redis
from rq import Queue

SYNC_QUEUE = "sync"
REFRESH_QUEUE = "refresh"
ANALYSIS_QUEUE = "analysis"


def sync_queue(connection: redis.Redis) -> Queue:
    return Queue(SYNC_QUEUE, connection=connection)


def refresh_queue(connection: redis.Redis) -> Queue:
    return Queue(REFRESH_QUEUE, connection=connection)


def analysis_queue(connection: redis.Redis) -> Queue:
    return Queue(ANALYSIS_QUEUE, connection=connection)
