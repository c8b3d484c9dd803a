"""A per-minute request budget per API key, shared by every worker through Redis.

A sliding one-minute window per bucket (a sorted set of request times, on Redis' clock so that
workers on different machines agree), plus a "resting" mark for keys the server said are out of quota.
"""
from __future__ import annotations

import uuid

import redis

_ACQUIRE = """
local key, limit, window_ms, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window_ms)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window_ms)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window_ms - now)
"""

WINDOW_SECONDS = 60


class RedisRateLimiter:
    def __init__(self, client: redis.Redis, per_minute: int, namespace: str = "fbsync:ratelimit") -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self._redis = client
        self._per_minute = per_minute
        self._namespace = namespace
        self._acquire = client.register_script(_ACQUIRE)

    def try_acquire(self, bucket: str) -> float:
        """Take one request from the bucket's budget: 0 when granted, else seconds until one frees up."""
        wait_ms = self._acquire(
            keys=[f"{self._namespace}:window:{bucket}"],
            args=[self._per_minute, WINDOW_SECONDS * 1000, uuid.uuid4().hex],
        )
        return int(wait_ms) / 1000

    def rest(self, bucket: str, seconds: float) -> None:
        """Keep the bucket out of use for `seconds` (the server's retry delay), across all workers."""
        self._redis.set(f"{self._namespace}:rest:{bucket}", "1", px=max(1, int(seconds * 1000)))

    def resting_for(self, bucket: str) -> float:
        remaining_ms = self._redis.pttl(f"{self._namespace}:rest:{bucket}")
        return max(0, int(remaining_ms)) / 1000
