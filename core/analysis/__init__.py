"""Conversation analyzers: Gemini when keys are configured, the offline rules analyzer otherwise."""
from __future__ import annotations

import redis

from core.analysis.model import Analysis, AnalysisFailed, AnalysisUnavailable, Analyzer, LeadStatus, Line, Transcript
from core.config import ConfigError, Settings


def build_analyzer(settings: Settings) -> Analyzer:
    if not settings.gemini_api_keys:
        from core.analysis.rules import RulesAnalyzer

        return RulesAnalyzer()
    if not settings.redis_url:
        raise ConfigError("GEMINI_API_KEYS needs REDIS_URL: the request budget is shared through Redis")
    # google-genai takes a while to import; only deployments with keys pay for it.
    from core.analysis.gemini import GeminiAnalyzer
    from core.analysis.limiter import RedisRateLimiter

    limiter = RedisRateLimiter(
        redis.Redis.from_url(settings.redis_url), settings.gemini_requests_per_minute, namespace="fbsync:gemini"
    )
    return GeminiAnalyzer(
        settings.gemini_api_keys,
        limiter,
        model=settings.gemini_model,
        base_url=settings.gemini_base_url,
        char_budget=settings.analysis_char_budget,
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
