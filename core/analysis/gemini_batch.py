"""Gemini's Batch API through the google-genai SDK (`client.batches`): many packed requests at half the
price, answered within 24 hours, under a quota of its own (enqueued tokens, concurrent batches).

Each inlined request is one pack exactly as the online analyzer sends it (core/analysis/gemini.py:
the instructions once, each conversation under an id we give, one result per id), carrying its index
as metadata, so an answer is matched to its request by key, not by position. This module only talks
to Google; what is submitted, and what is done with the answers, is core/gemini_backfill.py's.

Not to be confused with core/analysis/batch.py, which packs several contacts into one request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from core.analysis.gemini import gemini_keys, pack_items, pack_schema
from core.analysis.model import AnalysisFailed
from core.analysis.prompt import Prompt
from core.config import Settings

# Google's batch states, as its REST API names them (the SDK says JOB_STATE_…).
RUNNING_STATES = frozenset({"BATCH_STATE_PENDING", "BATCH_STATE_RUNNING"})
SUCCEEDED = "BATCH_STATE_SUCCEEDED"
_PAGE_SIZE = 100


class BatchError(Exception):
    """Google refused or lost something. `transient`: worth asking again later (5xx, network)."""

    def __init__(self, message: str, *, transient: bool = False, quota: bool = False, lost: bool = False) -> None:
        super().__init__(message)
        self.transient = transient
        self.quota = quota  # the batch quota (enqueued tokens, concurrent batches) is full: 429
        self.lost = lost  # no such batch (404): deleted, or never created


@dataclass(frozen=True)
class BatchStatus:
    state: str  # BATCH_STATE_…
    # Per inlined request, in submission order: the answer's results (each still to be checked), or why
    # it has none. Empty until the batch succeeded.
    answers: tuple[list[Any] | AnalysisFailed, ...] = ()


class GeminiBatches:
    """Batches are resources of the key (project) that created it: each is polled with that key."""

    def __init__(
        self, api_keys: Sequence[str], *, model: str, base_url: str | None = None, timeout_seconds: float = 60.0
    ) -> None:
        self._keys = gemini_keys(api_keys, base_url=base_url, timeout_seconds=timeout_seconds)
        self._model = model

    @classmethod
    def from_settings(cls, settings: Settings) -> GeminiBatches:
        return cls(settings.gemini_api_keys, model=settings.gemini_model, base_url=settings.gemini_base_url)

    def submit(self, display_name: str, prompts: Sequence[Prompt], stages: tuple[str, ...] | None) -> tuple[str, str]:
        """Create the batch: (its name, the bucket of the key that owns it). A key whose batch quota is
        full is passed over for the next; BatchError(quota=True) when every key's is."""
        requests = [_inlined(index, prompt, stages) for index, prompt in enumerate(prompts)]
        refusal: BatchError | None = None
        for key in self._keys:
            try:
                job = key.client.batches.create(
                    model=self._model, src=requests, config=types.CreateBatchJobConfig(display_name=display_name)
                )
            except Exception as exc:
                refusal = _error(exc)
                if refusal.quota:
                    continue
                raise refusal from None
            if not job.name:
                raise BatchError("Gemini created a batch without a name")
            return job.name, key.bucket
        assert refusal is not None
        raise refusal

    def find(self, display_name: str) -> tuple[str, str] | None:
        """A batch created under `display_name` by any of our keys (name, bucket): a worker may have been
        killed after creating it and before recording its name."""
        for key in self._keys:
            try:
                for job in key.client.batches.list(config=types.ListBatchJobsConfig(page_size=_PAGE_SIZE)):
                    if job.display_name == display_name and job.name:
                        return job.name, key.bucket
            except Exception as exc:
                raise _error(exc) from None
        return None

    def status(self, bucket: str, name: str) -> BatchStatus:
        try:
            job = self._client(bucket).batches.get(name=name)
        except Exception as exc:
            raise _error(exc) from None
        state = _state(job.state)
        if state != SUCCEEDED:
            return BatchStatus(state)
        responses = list(job.dest.inlined_responses or []) if job.dest else []
        return BatchStatus(state, _answers(responses))

    def cancel(self, bucket: str, name: str) -> None:
        try:
            self._client(bucket).batches.cancel(name=name)
        except Exception as exc:
            raise _error(exc) from None

    def delete(self, bucket: str, name: str) -> None:
        """Its results are applied: Google need not keep them."""
        try:
            self._client(bucket).batches.delete(name=name)
        except Exception as exc:
            raise _error(exc) from None

    def _client(self, bucket: str) -> genai.Client:
        for key in self._keys:
            if key.bucket == bucket:
                return key.client
        raise BatchError("the API key that created this batch is no longer configured", lost=True)


def _inlined(index: int, prompt: Prompt, stages: tuple[str, ...] | None) -> types.InlinedRequest:
    return types.InlinedRequest(
        contents=[types.Content(role="user", parts=[types.Part(text=prompt.user)])],
        metadata={"key": str(index)},
        config=types.GenerateContentConfig(
            system_instruction=prompt.system,
            response_mime_type="application/json",
            response_schema=pack_schema(stages),
            temperature=0.2,
        ),
    )


def _answers(responses: list[types.InlinedResponse]) -> tuple[list[Any] | AnalysisFailed, ...]:
    """Each request's results by its key; a request answered with an error, twice or not at all has none."""
    by_key: dict[int, list[types.InlinedResponse]] = {}
    for position, response in enumerate(responses):
        key = (response.metadata or {}).get("key")
        index = int(key) if isinstance(key, str) and key.isdigit() else position
        by_key.setdefault(index, []).append(response)
    count = max(by_key, default=-1) + 1
    answers: list[list[Any] | AnalysisFailed] = []
    for index in range(count):
        found = by_key.get(index, [])
        if len(found) != 1:
            answers.append(AnalysisFailed("the batch returned no single answer for this request"))
        elif found[0].error is not None or found[0].response is None:
            message = getattr(found[0].error, "message", None) or "no response"
            answers.append(AnalysisFailed(f"the batch failed this request: {message}"))
        else:
            try:
                answers.append(pack_items(found[0].response.text or ""))
            except AnalysisFailed as failure:
                answers.append(failure)
    return tuple(answers)


def _state(state: Any) -> str:
    raw = str(getattr(state, "value", state) or "JOB_STATE_UNSPECIFIED")
    return raw.replace("JOB_STATE_", "BATCH_STATE_")


def _error(exc: Exception) -> BatchError:
    if isinstance(exc, BatchError):
        return exc
    if isinstance(exc, genai_errors.ClientError):
        return BatchError(f"Gemini refused ({exc.code} {exc.status})", quota=exc.code == 429, lost=exc.code == 404)
    if isinstance(exc, genai_errors.APIError):
        return BatchError(f"Gemini failed ({exc.code} {exc.status})", transient=True)
    # The SDK's transport raises its own connection and timeout types.
    return BatchError(f"Gemini unreachable ({type(exc).__name__})", transient=True)
