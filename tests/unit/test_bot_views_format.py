"""Durations and times as the messages write them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import views
from support import NOW


@pytest.mark.parametrize(
    "seconds, expected",
    [(0, "0s"), (45, "45s"), (59.6, "1m00s"), (130, "2m10s"), (3600 + 125, "1h02m"), (-3, "0s")],
)
def test_format_duration(seconds, expected):
    assert views.format_duration(seconds) == expected


@pytest.mark.parametrize(
    "ago, expected",
    [
        (None, "never"),
        (timedelta(seconds=10), "just now"),
        (timedelta(minutes=3, seconds=20), "3 min ago"),
        (timedelta(hours=1), "1 hour ago"),
        (timedelta(hours=5), "5 hours ago"),
        (timedelta(days=2, hours=3), "2 days ago"),
        (timedelta(seconds=-30), "just now"),
    ],
)
def test_time_ago(ago, expected):
    assert views.time_ago(NOW - ago if ago is not None else None, NOW) == expected
