"""A per-window request budget per API key, shared by every worker through Redis.

The server counts a request when it arrives, which is somewhere between the moment we take a slot
and the moment its answer is back. So a slot is held from when it is taken until one window after
the answer (plus a small margin): whatever window the server uses, fixed or sliding, it can never
see more than the budget. Until the answer is back the slot counts as "in flight"; a worker that
dies mid-request leaves a slot that frees itself after the request timeout.

Keys the server said are out of quota carry a "resting" mark (with why: the per-minute window, or
the daily quota) that every worker sees. All times are Redis' clock, so machines agree.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import redis

# KEYS[1]: the bucket's window (zset of slot -> time it stops counting, ms); KEYS[2]: its rest mark.
# ARGV: limit, window_ms, in_flight_ms, slot id.
# Returns {0, ""} when a slot was taken, else {ms until one might free up, "rest:<why>" | "budget"}.
_ACQUIRE = """
local window, rest = KEYS[1], KEYS[2]
local limit, window_ms, in_flight_ms, slot = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local resting = redis.call('PTTL', rest)
if resting > 0 then
  return {resting, 'rest:' .. (redis.call('GET', rest) or '')}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', window, '-inf', now)
if redis.call('ZCARD', window) < limit then
  redis.call('ZADD', window, now + in_flight_ms + window_ms, slot)
  redis.call('PEXPIRE', window, in_flight_ms + window_ms)
  return {0, ''}
end
local soonest = tonumber(redis.call('ZRANGE', window, 0, 0, 'WITHSCORES')[2]) - now
-- A slot still in flight frees one window after its answer, at the earliest a window from now.
return {math.max(1, math.min(soonest, window_ms)), 'budget'}
"""

# KEYS[1]: the bucket's window; ARGV: window_ms, slot id. The answer is back: the slot counts one
# window from now (XX: a slot that already expired is not brought back).
_SETTLE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
return 0
"""


@dataclass(frozen=True)
class Refusal:
    """No slot now: how long until one might free up, and whether the key is resting (and why)."""

    wait_seconds: float
    resting: bool
    why: str  # "budget", or the reason given to rest(): "rate", "daily", "invalid key"


class RedisRateLimiter:
    def __init__(
        self,
        client: redis.Redis,
        per_window: int,
        *,
        window_seconds: float = 60.0,
        margin_seconds: float | None = None,
        in_flight_seconds: float = 60.0,
        namespace: str = "fbsync:ratelimit",
    ) -> None:
        if per_window < 1:
            raise ValueError("per_window must be at least 1")
        if window_seconds <= 0:
            raise ValueError("window_seconds must be positive")
        self._redis = client
        self._per_window = per_window
        # The slot already outlasts the request's arrival; the margin covers the server's and Redis'
        # clocks ticking at slightly different rates, and rounding.
        margin = window_seconds * 0.01 if margin_seconds is None else margin_seconds
        self._window_ms = int((window_seconds + margin) * 1000)
        self._in_flight_ms = int(in_flight_seconds * 1000)
        self._namespace = namespace
        self._acquire = client.register_script(_ACQUIRE)
        self._settle = client.register_script(_SETTLE)

    def try_acquire(self, bucket: str) -> str | Refusal:
        """A slot id when a request may be sent now (call settle() with it when the answer is back)."""
        slot = uuid.uuid4().hex
        wait_ms, why = self._acquire(
            keys=[self._window_key(bucket), self._rest_key(bucket)],
            args=[self._per_window, self._window_ms, self._in_flight_ms, slot],
        )
        if int(wait_ms) == 0:
            return slot
        reason = why.decode() if isinstance(why, bytes) else str(why)
        resting = reason.startswith("rest:")
        return Refusal(int(wait_ms) / 1000, resting, reason.removeprefix("rest:") if resting else reason)

    def settle(self, bucket: str, slot: str) -> None:
        """The request's answer (or error) is back: its slot counts for one more window from now."""
        self._settle(keys=[self._window_key(bucket)], args=[self._window_ms, slot])

    def rest(self, bucket: str, seconds: float, why: str = "rate") -> None:
        """Keep the bucket out of use for `seconds` (the server's retry delay), across all workers."""
        self._redis.set(self._rest_key(bucket), why, px=max(1, int(seconds * 1000)))

    def _window_key(self, bucket: str) -> str:
        return f"{self._namespace}:window:{bucket}"

    def _rest_key(self, bucket: str) -> str:
        return f"{self._namespace}:rest:{bucket}"
