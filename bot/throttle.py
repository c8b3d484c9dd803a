"""At most one rewrite of a Slack message every MIN_UPDATE_INTERVAL seconds: what the sync progress,
the analysis progress and the export's DM all follow."""

from __future__ import annotations

import time
from collections.abc import Callable

# Slack allows about one update per second per message; every two seconds keeps well clear of it.
MIN_UPDATE_INTERVAL = 2.0


class Throttle:
    def __init__(self, clock: Callable[[], float] = time.monotonic, min_interval: float = MIN_UPDATE_INTERVAL) -> None:
        self._clock = clock
        self._min_interval = min_interval
        self._last = float("-inf")

    @property
    def due(self) -> bool:
        """The interval has passed since the last rewrite (or there was none)."""
        return self._clock() - self._last >= self._min_interval

    def mark(self) -> None:
        """A rewrite happened now."""
        self._last = self._clock()
