"""Gemini analyzer (google-genai SDK): several contacts per request, structured output, key rotation,
and a Redis-shared request budget.

One `generateContent` call carries a pack of contacts' transcripts, each under an id we give, and the
schema asks for one result per id. A result that is missing, duplicated, keyed to an id we did not
give, under the wrong name or off-schema is asked again on its own, so a confused model can cost a
request but never gives a contact someone else's analysis.

The SDK's own retries are switched off: on 429 we rest that key for the server's retry delay and use
another; when every key is busy or resting we wait for the first to come back, up to `max_wait`, and
beyond that the analysis is deferred (AnalysisUnavailable says why and for how long).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pydantic
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from core import metrics
from core.analysis.limiter import RedisRateLimiter, Refusal
from core.analysis.model import (
    Analysis,
    AnalysisFailed,
    AnalysisUnavailable,
    LeadStatus,
    Transcript,
)
from core.analysis.prompt import Prompt, analysis_schema, pack_prompt

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "gemini-2.5-flash"
# Used when a 429 carries no RetryInfo.
DEFAULT_REST_SECONDS = 60.0
# A daily quota that says nothing of when it comes back: try again in an hour.
DAILY_REST_SECONDS = 3600.0
# A key the API calls invalid is left alone this long: someone has to fix the configuration.
INVALID_KEY_REST_SECONDS = 3600.0
MAX_SERVER_RETRIES = 2
# Waits for a key are cut into slices this long, so the injected sleep can beat a heartbeat.
WAIT_SLICE = 1.0


@lru_cache(maxsize=64)
def result_schema(stages: tuple[str, ...] | None) -> type[pydantic.BaseModel]:
    """One result of a pack: the id and customer name we gave, then the answer the prompt asks for
    (analysis_schema: evidence and reasoning before the stage, scores bounded). `stages` None: a summary."""
    answer: dict[str, Any] = (
        {"summary": (str, ...)}
        if stages is None
        else {name: (field.annotation, field) for name, field in analysis_schema(stages).model_fields.items()}
    )
    return pydantic.create_model("ContactResult", id=(str, ...), contact_name=(str, ...), **answer)


@lru_cache(maxsize=64)
def pack_schema(stages: tuple[str, ...] | None) -> type[pydantic.BaseModel]:
    return pydantic.create_model("PackResults", results=(list[result_schema(stages)], ...))  # type: ignore[arg-type,misc]


@dataclass(frozen=True)
class GeminiKey:
    label: str  # what logs may name: "key#2"
    bucket: str  # what Redis and the database may name: a hash, never the key
    client: genai.Client


def gemini_keys(api_keys: Sequence[str], *, base_url: str | None, timeout_seconds: float) -> list[GeminiKey]:
    """A client per key (project), each failing fast: the limiter and the job decide about retries."""
    if not api_keys:
        raise ValueError("Gemini needs at least one API key")
    options = types.HttpOptions(
        base_url=base_url,
        timeout=int(timeout_seconds * 1000),
        retry_options=types.HttpRetryOptions(attempts=1),
    )
    return [
        GeminiKey(
            label=f"key#{number}",
            bucket=hashlib.sha256(key.encode()).hexdigest()[:16],
            client=genai.Client(api_key=key, http_options=options),
        )
        for number, key in enumerate(api_keys, start=1)
    ]


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
        pack_size: int = 10,
        pack_chars: int = 60000,
        timeout_seconds: float = 60.0,
        max_wait_seconds: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._keys = gemini_keys(api_keys, base_url=base_url, timeout_seconds=timeout_seconds)
        self._limiter = limiter
        self._model = model
        self.char_budget = char_budget
        self.pack_size = pack_size
        self.pack_chars = pack_chars
        self._max_wait = max_wait_seconds
        self.sleep = sleep
        self._turn = itertools.count()
        self._turn_lock = threading.Lock()

    def summarize(self, transcript: Transcript) -> Analysis:
        return _one(self.analyze_pack([transcript], None))

    def analyze(
        self, transcript: Transcript, stages: Sequence[str], definitions: Mapping[str, str] | None = None
    ) -> Analysis:
        return _one(self.analyze_pack([transcript], stages, definitions))

    def analyze_pack(
        self,
        transcripts: Sequence[Transcript],
        stages: Sequence[str] | None,
        definitions: Mapping[str, str] | None = None,
    ) -> list[Analysis | AnalysisFailed | AnalysisUnavailable]:
        """One request for all of `transcripts`; one result per transcript, in order. Raises
        AnalysisUnavailable when no analysis can be had now (the whole pack is deferred); a contact
        asked again alone can come back deferred on its own."""
        stage_names = tuple(stages) if stages else None
        refs = [f"C{number}" for number in range(1, len(transcripts) + 1)]
        prompt = pack_prompt(list(zip(refs, transcripts, strict=True)), stage_names, self.char_budget, definitions)
        try:
            items = self._generate(prompt, stage_names)
        except AnalysisFailed as failure:
            if len(transcripts) == 1:
                return [failure]
            items = []  # the answer as a whole was unusable: every contact is asked again alone
        results: list[Analysis | AnalysisFailed | AnalysisUnavailable] = []
        for ref, transcript in zip(refs, transcripts, strict=True):
            found: Analysis | AnalysisFailed | AnalysisUnavailable | None = result_for(
                items, ref, transcript.contact_name, stage_names
            )
            if found is None and len(transcripts) == 1:
                found = AnalysisFailed("model output does not fit the schema")
            elif found is None:
                try:
                    found = self.analyze_pack([transcript], stages, definitions)[0]
                except AnalysisUnavailable as exc:
                    found = exc
            results.append(found)
        return results

    def _generate(self, prompt: Prompt, stages: tuple[str, ...] | None) -> list[Any]:
        config = types.GenerateContentConfig(
            system_instruction=prompt.system,
            response_mime_type="application/json",
            response_schema=pack_schema(stages),
            temperature=0.2,
        )
        server_errors = 0
        while True:
            key, slot = self._acquire_key()
            try:
                response = key.client.models.generate_content(model=self._model, contents=prompt.user, config=config)
            except genai_errors.ClientError as exc:
                self._on_client_error(key, exc)
                continue
            except genai_errors.APIError as exc:
                server_errors += 1
                if server_errors > MAX_SERVER_RETRIES:
                    raise AnalysisUnavailable(f"Gemini keeps failing ({exc.code} {exc.status})", 60.0) from None
                self.sleep(random.uniform(0.5, 1.0) * 2**server_errors)
                continue
            except Exception as exc:
                # The SDK's transport (httpx, httpx2 or aiohttp, by what is installed) raises its own
                # connection and timeout types; to a sync they all mean "no AI now, retry later".
                logger.warning("gemini call failed key=%s error=%s", key.label, type(exc).__name__)
                raise AnalysisUnavailable(f"Gemini unreachable ({type(exc).__name__})", 60.0) from None
            finally:
                self._limiter.settle(key.bucket, slot)
            return pack_items(response.text or "")

    def _on_client_error(self, key: GeminiKey, exc: genai_errors.ClientError) -> None:
        if exc.code == 429:
            daily = _is_daily_quota(exc.details)
            delay = _retry_delay(exc.details) or (DAILY_REST_SECONDS if daily else DEFAULT_REST_SECONDS)
            self._limiter.rest(key.bucket, delay, "daily quota" if daily else "rate limit")
            metrics.gemini_rate_limited()
            logger.warning("gemini key out of quota key=%s daily=%s rest_s=%.1f", key.label, daily, delay)
            return
        if _is_key_problem(exc):
            self._limiter.rest(key.bucket, INVALID_KEY_REST_SECONDS, "key rejected")
            logger.error("gemini key rejected key=%s status=%s", key.label, exc.status)
            return
        raise AnalysisFailed(f"Gemini refused the request ({exc.code} {exc.status})") from None

    def _acquire_key(self) -> tuple[GeminiKey, str]:
        """The next key in turn with budget, and its slot. When every key is busy or resting, waits for
        the first to come back; when every key rests longer than max_wait, defers (says why)."""
        while True:
            with self._turn_lock:
                start = next(self._turn) % len(self._keys)
            refusals: list[Refusal] = []
            for key in self._keys[start:] + self._keys[:start]:
                granted = self._limiter.try_acquire(key.bucket)
                if isinstance(granted, str):
                    return key, granted
                refusals.append(granted)
            soonest = min(refusals, key=lambda refusal: refusal.wait_seconds)
            # Our own budget always frees up within a window; only the server's rests can be long.
            if all(refusal.resting and refusal.wait_seconds > self._max_wait for refusal in refusals):
                reasons = sorted({refusal.why for refusal in refusals})
                raise AnalysisUnavailable(
                    f"every Gemini API key is out of quota ({', '.join(reasons)}) for"
                    f" {soonest.wait_seconds:.0f}s more; analysis is deferred",
                    soonest.wait_seconds,
                )
            self.sleep(min(soonest.wait_seconds, WAIT_SLICE))


def _one(results: list[Analysis | AnalysisFailed | AnalysisUnavailable]) -> Analysis:
    [result] = results
    if isinstance(result, Exception):
        raise result
    return result


def pack_items(text: str) -> list[Any]:
    """The answer's `results`, each still to be checked on its own."""
    try:
        answer = json.loads(text)
    except ValueError:
        raise AnalysisFailed("model output is not JSON") from None
    results = answer.get("results") if isinstance(answer, dict) else None
    if not isinstance(results, list):
        raise AnalysisFailed("model output does not fit the schema")
    return results


def result_for(items: list[Any], ref: str, contact_name: str, stages: tuple[str, ...] | None) -> Analysis | None:
    """The one valid result for `ref`; None when it is missing, duplicated, names someone else or is
    off-schema."""
    mine = [item for item in items if isinstance(item, dict) and item.get("id") == ref]
    if len(mine) != 1:
        return None
    try:
        out: Any = result_schema(stages).model_validate(mine[0])
    except pydantic.ValidationError:
        return None
    if out.contact_name.strip().casefold() != contact_name.strip().casefold():
        return None
    if stages is None:
        return Analysis(summary=out.summary.strip())
    return Analysis(
        summary=out.summary.strip(),
        recommended_stage=out.recommended_stage,
        lead_score=out.lead_score,
        lead_status=LeadStatus(out.lead_status),
        confidence=out.confidence,
        reasoning=out.reasoning.strip(),
        evidence=tuple(quote.strip() for quote in out.evidence if quote.strip()),
    )


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


def _is_daily_quota(details: Any) -> bool:
    """Google names the quota that ran out: `GenerateRequestsPerDayPerProjectPerModel-FreeTier`."""
    return any(
        "PerDay" in str(violation.get("quotaId", ""))
        for item in _details(details)
        if item.get("@type", "").endswith("google.rpc.QuotaFailure")
        for violation in item.get("violations") or ()
        if isinstance(violation, dict)
    )


def _is_key_problem(exc: genai_errors.ClientError) -> bool:
    if exc.code in (401, 403):
        return True
    return any(
        item.get("@type", "").endswith("google.rpc.ErrorInfo") and item.get("reason") == "API_KEY_INVALID"
        for item in _details(exc.details)
    )
