"""Conversation analyzers: Gemini when keys are configured, the offline rules analyzer otherwise."""

from __future__ import annotations

import time
from collections.abc import Callable

import redis

from core.analysis.model import Analysis, AnalysisFailed, AnalysisUnavailable, Analyzer, LeadStatus, Line, Transcript
from core.config import ConfigError, Settings


def build_analyzer(settings: Settings, sleep: Callable[[float], None] = time.sleep) -> Analyzer:
    """`sleep` is how the Gemini analyzer waits for quota: a job passes one that keeps its heartbeat."""
    if not settings.gemini_api_keys:
        from core.analysis.rules import RulesAnalyzer

        return RulesAnalyzer()
    if not settings.redis_url:
        raise ConfigError("GEMINI_API_KEYS needs REDIS_URL: the request budget is shared through Redis")
    # google-genai takes a while to import; only deployments with keys pay for it.
    from core.analysis.gemini import GeminiAnalyzer
    from core.analysis.limiter import RedisRateLimiter
    from core.redis_keys import GEMINI_LIMITER

    limiter = RedisRateLimiter(
        redis.Redis.from_url(settings.redis_url),
        settings.gemini_requests_per_minute,
        window_seconds=settings.gemini_window_seconds,
        namespace=GEMINI_LIMITER,
    )
    return GeminiAnalyzer(
        settings.gemini_api_keys,
        limiter,
        model=settings.gemini_model,
        base_url=settings.gemini_base_url,
        char_budget=settings.analysis_char_budget,
        pack_size=settings.gemini_pack_size,
        pack_chars=settings.gemini_pack_chars,
        max_wait_seconds=settings.gemini_max_wait,
        sleep=sleep,
    )


__all__ = [
    "Analysis",
    "AnalysisFailed",
    "AnalysisUnavailable",
    "Analyzer",
    "LeadStatus",
    "Line",
    "Transcript",
    "build_analyzer",
]
