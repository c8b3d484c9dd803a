"""Settings from the environment, read in one place (the README's Configuration table documents each).

Not pydantic-settings: its BaseSettings reads the environment whenever one is built, while the tests
and benchmarks build Settings by keyword and derive them with dataclasses.replace. Our names share no
prefix, lists are comma-separated, an empty value means the default and errors must not echo values,
so each field would need an alias, a validator or an option: no simpler than the readers below.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_GRAPH_URL = "https://graph.facebook.com/v25.0"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DIALOG_URL = "https://www.facebook.com/v25.0/dialog/oauth"
_ENV_NAMES = {
    "database_url": "DATABASE_URL",
    "redis_url": "REDIS_URL",
    "fb_app_id": "FB_APP_ID",
    "fb_app_secret": "FB_APP_SECRET",
    "public_url": "FBSYNC_PUBLIC_URL",
    "encryption_keys": "FBSYNC_ENCRYPTION_KEY",
    "fb_verify_token": "FB_VERIFY_TOKEN",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_client_id": "SLACK_CLIENT_ID",
    "slack_client_secret": "SLACK_CLIENT_SECRET",
}


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


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw in ("", "0", "off", "false", "no"):
        return False
    if raw in ("1", "on", "true", "yes"):
        return True
    raise ConfigError(f"{name} must be on or off (1/0), got {raw!r}")


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in (env.get(name) or "").split(",") if item.strip())


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
    # A burst of webhook messages from one person becomes one refresh, this long after the last.
    refresh_debounce: float = 5.0
    # Work queued this long ago that no worker has started is queued again (core/work.py).
    refresh_requeue_after: float = 120.0
    # No keys: the offline rules analyzer. Keys are secrets: kept out of repr and so out of logs.
    gemini_api_keys: tuple[str, ...] = field(default=(), repr=False)
    gemini_model: str = "gemini-2.5-flash"
    gemini_base_url: str | None = None
    # Requests per minute allowed per key, shared by all workers (free tier: 10-15).
    gemini_requests_per_minute: int = 10
    # The length of the server's quota window that FBSYNC_GEMINI_RPM counts in (Google's: a minute);
    # shorter only for tests and benchmarks against the stand-in.
    gemini_window_seconds: float = 60.0
    # Longest wait for a key to come back (budget, retry delay) before analysis is deferred.
    gemini_max_wait: float = 120.0
    # Contacts per generateContent request, and characters of transcripts per request.
    gemini_pack_size: int = 10
    gemini_pack_chars: int = 60000
    # A full sync of at least gemini_batch_min contacts is analysed through Gemini's Batch API (half
    # the price, results within 24 h) when gemini_batch is on; its batches are polled this often.
    gemini_batch: bool = False
    gemini_batch_min: int = 2000
    gemini_batch_poll: float = 60.0
    analysis_workers: int = 4
    # How much of a conversation (newest end) goes into a prompt.
    analysis_char_budget: int = 12000
    # Fernet keys for page tokens at rest; the first encrypts, all decrypt (rotation).
    encryption_keys: tuple[str, ...] = field(default=(), repr=False)
    fb_app_id: str | None = None
    # Facebook Login's dialog; overridable so that the simulator can stand in for it.
    fb_dialog_url: str = DEFAULT_DIALOG_URL
    # Where people's browsers reach the web app (links from Slack, the OAuth redirect).
    public_url: str | None = None
    fb_app_secret: str | None = field(default=None, repr=False)
    fb_verify_token: str | None = field(default=None, repr=False)
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    # Set both for "Add to Slack" (any number of workspaces, each with its own bot token); without them
    # fbsync serves the one workspace of SLACK_BOT_TOKEN.
    slack_client_id: str | None = None
    slack_client_secret: str | None = field(default=None, repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    # Who may start, cancel and configure besides workspace admins and owners (Slack user ids).
    slack_allowed_users: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
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
            refresh_debounce=_float(env, "FBSYNC_REFRESH_DEBOUNCE", cls.refresh_debounce),
            refresh_requeue_after=_float(env, "FBSYNC_REFRESH_REQUEUE_AFTER", cls.refresh_requeue_after),
            gemini_api_keys=_list(env, "GEMINI_API_KEYS"),
            gemini_model=env.get("GEMINI_MODEL") or cls.gemini_model,
            gemini_base_url=env.get("GEMINI_BASE_URL") or None,
            gemini_requests_per_minute=_int(env, "FBSYNC_GEMINI_RPM", cls.gemini_requests_per_minute),
            gemini_window_seconds=_float(env, "FBSYNC_GEMINI_WINDOW_SECONDS", cls.gemini_window_seconds),
            gemini_max_wait=_float(env, "FBSYNC_GEMINI_MAX_WAIT", cls.gemini_max_wait),
            gemini_pack_size=_int(env, "FBSYNC_GEMINI_PACK_SIZE", cls.gemini_pack_size),
            gemini_pack_chars=_int(env, "FBSYNC_GEMINI_PACK_CHARS", cls.gemini_pack_chars),
            gemini_batch=_flag(env, "FBSYNC_GEMINI_BATCH"),
            gemini_batch_min=_int(env, "FBSYNC_GEMINI_BATCH_MIN", cls.gemini_batch_min),
            gemini_batch_poll=_float(env, "FBSYNC_GEMINI_BATCH_POLL", cls.gemini_batch_poll),
            analysis_workers=_int(env, "FBSYNC_ANALYSIS_WORKERS", cls.analysis_workers),
            analysis_char_budget=_int(env, "FBSYNC_ANALYSIS_CHAR_BUDGET", cls.analysis_char_budget),
            encryption_keys=_list(env, "FBSYNC_ENCRYPTION_KEY"),
            fb_app_id=env.get("FB_APP_ID") or None,
            fb_dialog_url=env.get("FB_DIALOG_URL") or DEFAULT_DIALOG_URL,
            public_url=(env.get("FBSYNC_PUBLIC_URL") or "").rstrip("/") or None,
            fb_app_secret=env.get("FB_APP_SECRET") or None,
            fb_verify_token=env.get("FB_VERIFY_TOKEN") or None,
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            slack_client_id=env.get("SLACK_CLIENT_ID") or None,
            slack_client_secret=env.get("SLACK_CLIENT_SECRET") or None,
            # slack_sdk appends method names to the base URL, so it must end with a slash.
            slack_api_url=(env.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL).rstrip("/") + "/",
            slack_allowed_users=_list(env, "FBSYNC_SLACK_ALLOWED_USERS"),
        )

    @property
    def slack_multi_workspace(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def slack_enabled(self) -> bool:
        return self.slack_multi_workspace or bool(self.slack_bot_token)

    def require(self, *names: str) -> None:
        """Fail with the names of the missing settings (never their values)."""
        missing = [name for name in names if not getattr(self, name)]
        if missing:
            raise ConfigError("missing configuration: " + ", ".join(_ENV_NAMES.get(n, n) for n in missing))
