"""Per-contact locks in Redis, so a webhook refresh and a sync never write one contact at once.

Held from before a contact's data is read until after the analysis is committed, so the later
writer always works from the earlier writer's result.
"""
from __future__ import annotations

from contextlib import ExitStack, contextmanager
from typing import Iterable, Iterator

import redis
from redis.lock import Lock


class ContactBusy(RuntimeError):
    """The contact stayed locked longer than we were willing to wait."""


class ContactLocks:
    def __init__(self, client: redis.Redis, *, hold_seconds: float = 300.0, wait_seconds: float = 120.0,
                 namespace: str = "fbsync:lock:contact") -> None:
        self._redis = client
        self._hold = hold_seconds  # expiry, should the holder die without releasing
        self._wait = wait_seconds
        self._namespace = namespace

    @contextmanager
    def hold(self, contact_ids: Iterable[int]) -> Iterator[None]:
        """Locks all the contacts, in id order so that two holders cannot deadlock."""
        with ExitStack() as stack:
            for contact_id in sorted(set(contact_ids)):
                lock = Lock(self._redis, f"{self._namespace}:{contact_id}", timeout=self._hold,
                            blocking_timeout=self._wait)
                if not lock.acquire():
                    raise ContactBusy(f"contact {contact_id} is locked by another writer")
                stack.callback(lock.release)
            yield
