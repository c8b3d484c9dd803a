"""Redis: how the service connects to it, and every key it writes there, in one place.

Redis holds nothing that would be lost with it: the RQ queues (PostgreSQL's pending work queues
them again, core/work.py), the AI rate limiter's windows, and single-use nonces of Facebook Login
states (a state whose nonce is gone is refused, and the person asks for a new link). `redis-cli
--scan --pattern 'fbsync:*'` shows ours; RQ's own keys are under `rq:`.
"""

from __future__ import annotations

import redis

from core.config import Settings

# The dispatcher's mark that this Redis still holds what it queued: gone means Redis restarted
# empty or was flushed, so every job it queued and no worker started is queued again.
DISPATCH_EPOCH = "fbsync:dispatch:epoch"
# Facebook Login states not used yet: fbsync:connect-state:<nonce>.
CONNECT_STATE = "fbsync:connect-state"
# The Gemini limiter's windows and rests per key: fbsync:gemini:window:<key hash>, ...:rest:<key hash>.
GEMINI_LIMITER = "fbsync:gemini"


def redis_connection(settings: Settings) -> redis.Redis:
    settings.require("redis_url")
    assert settings.redis_url
    return redis.Redis.from_url(settings.redis_url, socket_connect_timeout=5, socket_timeout=30)
