"""Per-contact locks in Redis, so a webhook refresh and a sync never write one contact at once.

Held from before a contact's data is read until after the analysis is committed, so the later
writer always works from the earlier writer's result.

A lock dies with its holder: it expires `ttl_seconds` after it was last renewed, and a thread of
the holding process renews it every third of that while the holder is alive. A worker killed with
kill -9 (no `finally` runs) therefore blocks its contacts for at most `ttl_seconds`, not for as long
as its work could have taken. Each hold has a random token, so an expired holder that wakes up can
neither renew nor release a lock someone else has taken since.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import redis

logger = logging.getLogger(__name__)

# KEYS: the contacts' lock keys. ARGV[1]: the holder's token, ARGV[2]: expiry in ms,
# ARGV[3]: "all" to take none unless every one is free. Returns the 1-based positions taken.
_ACQUIRE = """
if ARGV[3] == 'all' then
  for _, key in ipairs(KEYS) do
    if redis.call('EXISTS', key) == 1 then return {} end
  end
end
local taken = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[1], 'NX', 'PX', ARGV[2]) then taken[#taken + 1] = i end
end
return taken
"""
# KEYS: lock keys. ARGV[1]: the holder's token, ARGV[2]: expiry in ms. Returns how many are still held.
_RENEW = """
local kept = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('PEXPIRE', key, ARGV[2]); kept = kept + 1 end
end
return kept
"""
# KEYS: lock keys. ARGV[1]: the holder's token. Deletes only the locks this holder still has.
_RELEASE = """
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 0
"""


class ContactBusy(RuntimeError):
    """The contact stayed locked by a live writer longer than we were willing to wait."""


class ContactLocks:
    def __init__(
        self,
        client: redis.Redis,
        *,
        ttl_seconds: float = 10.0,
        wait_seconds: float = 60.0,
        namespace: str = "fbsync:lock:contact",
    ) -> None:
        self._redis = client
        self.ttl_seconds = ttl_seconds
        self._wait = wait_seconds
        self._namespace = namespace
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    @contextmanager
    def hold(self, contact_ids: Iterable[int]) -> Iterator[None]:
        """Locks all the contacts or none, waiting up to `wait_seconds`; ContactBusy after that.

        All or nothing, so a waiter never holds some locks while waiting for others: no deadlock.
        """
        ids = sorted(set(contact_ids))
        deadline = time.monotonic() + self._wait
        pause = 0.05
        while True:
            with self._held(ids, all_or_none=True) as held:
                if held or not ids:
                    yield
                    return
            if time.monotonic() >= deadline:
                raise ContactBusy(f"{len(ids)} contact(s) locked by another writer")
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

    @contextmanager
    def hold_free(self, contact_ids: Iterable[int]) -> Iterator[frozenset[int]]:
        """Locks the contacts nobody else holds, without waiting, and yields those; the caller comes
        back for the others later."""
        with self._held(sorted(set(contact_ids)), all_or_none=False) as held:
            yield held

    @contextmanager
    def _held(self, ids: list[int], *, all_or_none: bool) -> Iterator[frozenset[int]]:
        if not ids:
            yield frozenset()
            return
        token = secrets.token_hex(16)
        ttl_ms = int(self.ttl_seconds * 1000)
        keys = [f"{self._namespace}:{contact_id}" for contact_id in ids]
        taken = self._acquire(keys=keys, args=[token, ttl_ms, "all" if all_or_none else "some"])
        held_keys = [keys[i - 1] for i in taken]
        if not held_keys:
            yield frozenset()
            return
        stop = threading.Event()
        renewal = threading.Thread(
            target=self._keep_alive, args=(held_keys, token, ttl_ms, stop), name="contact-lock-renewal", daemon=True
        )
        renewal.start()
        try:
            yield frozenset(ids[i - 1] for i in taken)
        finally:
            stop.set()
            renewal.join()
            self._release(keys=held_keys, args=[token])

    def _keep_alive(self, keys: list[str], token: str, ttl_ms: int, stop: threading.Event) -> None:
        while not stop.wait(self.ttl_seconds / 3):
            try:
                kept = self._renew(keys=keys, args=[token, ttl_ms])
            except redis.RedisError as exc:
                # The next renewal may get through before the locks expire.
                logger.warning("contact lock renewal failed error=%s", type(exc).__name__)
                continue
            if kept < len(keys):
                logger.warning("contact locks expired while held lost=%d", len(keys) - kept)
