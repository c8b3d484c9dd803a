"""The RQ queues and the Redis connection behind them."""

from __future__ import annotations

import redis
from rq import Queue

from core.config import Settings

SYNC_QUEUE = "sync"
REFRESH_QUEUE = "refresh"
ANALYSIS_QUEUE = "analysis"


def redis_connection(settings: Settings) -> redis.Redis:
    settings.require("redis_url")
    assert settings.redis_url
    return redis.Redis.from_url(settings.redis_url, socket_connect_timeout=5, socket_timeout=30)


def sync_queue(connection: redis.Redis) -> Queue:
    return Queue(SYNC_QUEUE, connection=connection)


def refresh_queue(connection: redis.Redis) -> Queue:
    return Queue(REFRESH_QUEUE, connection=connection)


def analysis_queue(connection: redis.Redis) -> Queue:
    return Queue(ANALYSIS_QUEUE, connection=connection)
