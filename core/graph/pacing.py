"""Spacing of calls to one Graph edge, so a sync stays inside Meta's per-page call rate."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """Lets at most `calls_per_second` calls start per second, evenly spaced.

    Waiting only as long as the next slot needs replaces the seeds' fixed sleep after every call.
    """

    def __init__(
        self,
        calls_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if calls_per_second <= 0:
            raise ValueError("calls_per_second must be greater than zero")
        self._interval = 1.0 / calls_per_second
        self._clock = clock
        self._sleep = sleep
        self._next_slot = float("-inf")
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next_slot)
            self._next_slot = start + self._interval
        if start > now:
            self._sleep(start - now)
