"""Settings from the environment, read in one place (see ARCHITECTURE.md, configuration contract)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping

DEFAULT_GRAPH_URL = "https://graph.facebook.com/v25.0"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable, never its value."""


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number") from None
    if value <= 0:
        raise ConfigError(f"{name} must be greater than zero")
    return value


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = _float(env, name, default)
    if value != int(value):
        raise ConfigError(f"{name} must be a whole number")
    return int(value)


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    redis_url: str | None = None
    graph_url: str = DEFAULT_GRAPH_URL
    # Meta documents 2 calls per second per page for the conversations edge.
    graph_calls_per_second: float = 2.0
    graph_page_size: int = 100
    graph_max_retries: int = 4
    # Longest wait we accept when Meta says "regain access in N minutes"; beyond it the sync fails clearly.
    graph_max_rate_limit_wait: float = 300.0
    graph_timeout: float = 30.0
    # A job whose heartbeat is older than this is taken as abandoned by a dead worker.
    job_stale_after: float = 600.0
    # No keys: the offline rules analyzer. Keys are secrets: kept out of repr and so out of logs.
    gemini_api_keys: tuple[str, ...] = field(default=(), repr=False)
    gemini_model: str = "gemini-2.5-flash"
    gemini_base_url: str | None = None
    # Requests per minute allowed per key, shared by all workers (free tier: 10-15).
    gemini_requests_per_minute: int = 10
    analysis_workers: int = 4
    # How much of a conversation (newest end) goes into a prompt.
    analysis_char_budget: int = 12000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            redis_url=env.get("REDIS_URL") or None,
            graph_url=(env.get("FB_GRAPH_URL") or DEFAULT_GRAPH_URL).rstrip("/"),
            graph_calls_per_second=_float(env, "FBSYNC_GRAPH_CALLS_PER_SECOND", cls.graph_calls_per_second),
            graph_page_size=_int(env, "FBSYNC_GRAPH_PAGE_SIZE", cls.graph_page_size),
            graph_max_retries=_int(env, "FBSYNC_GRAPH_MAX_RETRIES", cls.graph_max_retries),
            graph_max_rate_limit_wait=_float(env, "FBSYNC_GRAPH_MAX_RATE_LIMIT_WAIT", cls.graph_max_rate_limit_wait),
            graph_timeout=_float(env, "FBSYNC_GRAPH_TIMEOUT", cls.graph_timeout),
            job_stale_after=_float(env, "FBSYNC_JOB_STALE_AFTER", cls.job_stale_after),
            gemini_api_keys=tuple(k.strip() for k in (env.get("GEMINI_API_KEYS") or "").split(",") if k.strip()),
            gemini_model=env.get("GEMINI_MODEL") or cls.gemini_model,
            gemini_base_url=env.get("GEMINI_BASE_URL") or None,
            gemini_requests_per_minute=_int(env, "FBSYNC_GEMINI_RPM", cls.gemini_requests_per_minute),
            analysis_workers=_int(env, "FBSYNC_ANALYSIS_WORKERS", cls.analysis_workers),
            analysis_char_budget=_int(env, "FBSYNC_ANALYSIS_CHAR_BUDGET", cls.analysis_char_budget),
        )
