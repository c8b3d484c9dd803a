"""Gemini analyzer (google-genai SDK): structured output, key rotation, a Redis-shared request budget.

The SDK's own retries are switched off: on 429 we move to the next key instead of retrying the same
one, and the shared limiter, not a fixed sleep, decides when a request may go.
"""
from __future__ import annotations

import hashlib
import itertools
import logging
import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import pydantic
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from core import metrics
from core.analysis.limiter import RedisRateLimiter
from core.analysis.model import (
    Analysis,
    AnalysisFailed,
    AnalysisUnavailable,
    LeadStatus,
    Transcript,
    clamp_score,
)
from core.analysis.prompt import Prompt, analysis_prompt, analysis_schema, summary_prompt

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gemini-2.5-flash"
# Used when a 429 carries no RetryInfo.
DEFAULT_REST_SECONDS = 60.0
# A key the API calls invalid is left alone this long: someone has to fix the configuration.
INVALID_KEY_REST_SECONDS = 3600.0
MAX_SERVER_RETRIES = 2


class SummaryOut(pydantic.BaseModel):
    summary: str


@dataclass(frozen=True)
class _Key:
    label: str  # what logs may name: "key#2"
    bucket: str  # what Redis may name: a hash, never the key
    client: genai.Client


class GeminiAnalyzer:
    name = "gemini"

    def __init__(
        self,
        api_keys: Sequence[str],
        limiter: RedisRateLimiter,
        *,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        char_budget: int = 12000,
        timeout_seconds: float = 60.0,
        max_wait_seconds: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_keys:
            raise ValueError("the Gemini analyzer needs at least one API key")
        options = types.HttpOptions(
            base_url=base_url,
            timeout=int(timeout_seconds * 1000),
            retry_options=types.HttpRetryOptions(attempts=1),
        )
        self._keys = [
            _Key(
                label=f"key#{number}",
                bucket=hashlib.sha256(key.encode()).hexdigest()[:16],
                client=genai.Client(api_key=key, http_options=options),
            )
            for number, key in enumerate(api_keys, start=1)
        ]
        self._limiter = limiter
        self._model = model
        self._char_budget = char_budget
        self._max_wait = max_wait_seconds
        self._sleep = sleep
        self._turn = itertools.count()
        self._turn_lock = threading.Lock()

    def summarize(self, transcript: Transcript) -> Analysis:
        out = self._generate(summary_prompt(transcript, self._char_budget), SummaryOut)
        return Analysis(summary=out.summary.strip())

    def analyze(
        self, transcript: Transcript, stages: Sequence[str], definitions: Mapping[str, str] | None = None
    ) -> Analysis:
        out: Any = self._generate(
            analysis_prompt(transcript, stages, self._char_budget, definitions), analysis_schema(tuple(stages))
        )
        return Analysis(
            summary=out.summary.strip(),
            recommended_stage=out.recommended_stage,
            lead_score=clamp_score(out.lead_score),
            lead_status=LeadStatus(out.lead_status),
            confidence=clamp_score(out.confidence),
            reasoning=out.reasoning.strip(),
            evidence=tuple(quote.strip() for quote in out.evidence if quote.strip()),
        )

    def _generate(self, prompt: Prompt, schema: type[pydantic.BaseModel]) -> Any:
        config = types.GenerateContentConfig(
            system_instruction=prompt.system,
            response_mime_type="application/json",
            response_schema=schema,
            temperature=0.2,
        )
        server_errors = 0
        while True:
            key = self._acquire_key()
            try:
                response = key.client.models.generate_content(model=self._model, contents=prompt.user, config=config)
            except genai_errors.ClientError as exc:
                self._on_client_error(key, exc)
                continue
            except genai_errors.APIError as exc:
                server_errors += 1
                if server_errors > MAX_SERVER_RETRIES:
                    raise AnalysisUnavailable(f"Gemini keeps failing ({exc.code} {exc.status})") from None
                self._sleep(random.uniform(0.5, 1.0) * 2**server_errors)
                continue
            except Exception as exc:
                # The SDK's transport (httpx, httpx2 or aiohttp, by what is installed) raises its own
                # connection and timeout types; to a sync they all mean "no AI now, retry later".
                log.warning("gemini call failed key=%s error=%s", key.label, type(exc).__name__)
                raise AnalysisUnavailable(f"Gemini unreachable ({type(exc).__name__})") from None
            return _parse(response, schema)

    def _on_client_error(self, key: _Key, exc: genai_errors.ClientError) -> None:
        if exc.code == 429:
            delay = _retry_delay(exc.details) or DEFAULT_REST_SECONDS
            self._limiter.rest(key.bucket, delay)
            metrics.gemini_rate_limited()
            log.warning("gemini key out of quota key=%s rest_s=%.0f", key.label, delay)
            return
        if _is_key_problem(exc):
            self._limiter.rest(key.bucket, INVALID_KEY_REST_SECONDS)
            log.error("gemini key rejected key=%s status=%s", key.label, exc.status)
            return
        raise AnalysisFailed(f"Gemini refused the request ({exc.code} {exc.status})") from None

    def _acquire_key(self) -> _Key:
        """The next key in turn that is not resting and has budget; waits (bounded) when all are busy."""
        waited = 0.0
        while True:
            with self._turn_lock:
                start = next(self._turn) % len(self._keys)
            rotation = self._keys[start:] + self._keys[:start]
            awake = [key for key in rotation if self._limiter.resting_for(key.bucket) <= 0]
            if not awake:
                raise AnalysisUnavailable("every Gemini API key is out of quota; analysis is deferred")
            waits = []
            for key in awake:
                wait = self._limiter.try_acquire(key.bucket)
                if wait <= 0:
                    return key
                waits.append(wait)
            pause = min(waits)
            if waited + pause > self._max_wait:
                raise AnalysisUnavailable("the Gemini request budget is used up for now; analysis is deferred")
            self._sleep(pause)
            waited += pause


def _parse(response: types.GenerateContentResponse, schema: type[pydantic.BaseModel]) -> Any:
    try:
        parsed = response.parsed
    except pydantic.ValidationError as exc:
        raise AnalysisFailed(f"model output does not fit the schema ({exc.error_count()} errors)") from None
    if isinstance(parsed, schema):
        return parsed
    text = response.text or ""
    try:
        return schema.model_validate_json(text)
    except pydantic.ValidationError as exc:
        kind = "is not JSON" if any(e["type"] == "json_invalid" for e in exc.errors()) else "does not fit the schema"
        raise AnalysisFailed(f"model output {kind}") from None


def _details(details: Any) -> list[dict[str, Any]]:
    error = details.get("error", details) if isinstance(details, dict) else {}
    items = error.get("details") if isinstance(error, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _retry_delay(details: Any) -> float | None:
    for item in _details(details):
        if item.get("@type", "").endswith("google.rpc.RetryInfo"):
            raw = str(item.get("retryDelay", "")).rstrip("s")
            try:
                return float(raw)
            except ValueError:
                return None
    return None


def _is_key_problem(exc: genai_errors.ClientError) -> bool:
    if exc.code in (401, 403):
        return True
    return any(
        item.get("@type", "").endswith("google.rpc.ErrorInfo") and item.get("reason") == "API_KEY_INVALID"
        for item in _details(exc.details)
    )
