"""Numbers, durations and times as people read them. Pure: times are relative to a `now` passed in."""

from __future__ import annotations

from datetime import datetime

_PLATFORMS = {"messenger": "Messenger", "instagram": "Instagram"}


def format_duration(seconds: float) -> str:
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def eta(seconds: float) -> str:
    """An estimate, so in round figures: "under a minute", "31 min", "2h05m"."""
    if seconds < 60:
        return "under a minute"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return format_duration(round(seconds / 60) * 60)


def time_ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "just now"  # also absorbs small clock differences between machines
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return plural(int(seconds // 3600), "hour") + " ago"
    return plural(int(seconds // 86400), "day") + " ago"


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def slack_date(when: datetime, tokens: str) -> str:
    """A date Slack renders in each reader's time zone; for messages built without a `now`."""
    fallback = when.strftime("%Y-%m-%d %H:%M %Z").strip()
    return f"<!date^{int(when.timestamp())}^{tokens}|{fallback}>"


def per_minute(contacts: int, seconds: float) -> str:
    if seconds <= 0:
        return "—"
    rate = contacts * 60 / seconds
    return f"{rate:.1f}" if rate < 10 else f"{rate:,.0f}"


def platform_name(name: str | None) -> str:
    return _PLATFORMS.get(name or "", (name or "unknown").title())
