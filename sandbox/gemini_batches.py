"""The Gemini stand-in's Batch API, as Google documents it (ai.google.dev/api/batch-api) and as the
google-genai SDK (3.6.1, `client.batches`) speaks it:

    POST   /{version}/models/{model}:batchGenerateContent   {"batch": {"displayName", "inputConfig":
           {"requests": {"requests": [{"request": GenerateContentRequest, "metadata": {...}}]}}}}
    GET    /{version}/batches/{id}          the Operation: name, metadata (@type GenerateContentBatch:
           model, displayName, state, batchStats, createTime, updateTime, endTime, output), done, response
    GET    /{version}/batches?pageSize=&pageToken=   {"operations": [...], "nextPageToken"}
    POST   /{version}/batches/{id}:cancel   {}
    DELETE /{version}/batches/{id}          {}

Batches belong to the key that created them (Google: the project). Inlined requests over 20 MB,
a missing displayName or inputConfig, and file input (no Files API here) are refused as Google does.
The batch quota is its own, not generateContent's: a limit on concurrent batches and on enqueued
tokens (about 4 characters a token) of the batches not finished, per key; past it, 429
RESOURCE_EXHAUSTED.

Batches stay BATCH_STATE_PENDING until the test (or demo) finishes them with `complete()`: succeeded,
with answers made as generateContent makes them (responder and failure injection included), some
requests failed or left out; or failed, expired or cancelled without output.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from sandbox.http_stub import Response

if TYPE_CHECKING:
    from sandbox.gemini_stub import GeminiStub

_BATCH_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch"
_OUTPUT_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput"
_CREATE = re.compile(r"^/(v1|v1beta|v1alpha)/models/([A-Za-z0-9._-]+):batchGenerateContent$")
_ONE = re.compile(r"^/(v1|v1beta|v1alpha)/batches/([A-Za-z0-9_-]+)(:cancel)?$")
_LIST = re.compile(r"^/(v1|v1beta|v1alpha)/batches$")
INLINE_LIMIT_BYTES = 20 * 1024 * 1024
RUNNING = ("BATCH_STATE_PENDING", "BATCH_STATE_RUNNING")
ENDINGS = ("BATCH_STATE_SUCCEEDED", "BATCH_STATE_FAILED", "BATCH_STATE_CANCELLED", "BATCH_STATE_EXPIRED")


@dataclass
class Batch:
    name: str
    key: str
    model: str
    display_name: str
    requests: list[dict[str, Any]]  # {"request": ..., "metadata": ...} as sent
    tokens: int
    state: str = "BATCH_STATE_PENDING"
    created: str = field(default_factory=lambda: _now())
    updated: str = field(default_factory=lambda: _now())
    ended: str | None = None
    output: list[dict[str, Any]] | None = None  # inlined responses, once succeeded


class BatchService:
    def __init__(self, stub: GeminiStub, max_concurrent: int = 100, max_enqueued_tokens: int = 3_000_000) -> None:
        self._stub = stub
        # Google's Tier 1 figures for Gemini 2.5 Flash: 100 concurrent batches, 3M enqueued tokens.
        self.max_concurrent = max_concurrent
        self.max_enqueued_tokens = max_enqueued_tokens
        self._batches: dict[str, Batch] = {}
        self._ids = itertools.count(1)

    # -- scenario control and inspection (tests, demo)

    @property
    def jobs(self) -> list[Batch]:
        with self._stub._lock:
            return list(self._batches.values())

    def complete(
        self,
        state: str = "BATCH_STATE_SUCCEEDED",
        *,
        failed_requests: Collection[int] = (),
        missing_requests: Collection[int] = (),
        count: int | None = None,
    ) -> int:
        """Finish the batches still pending or running (the `count` oldest, or all), as `state`; a
        succeeded one answers each request (by index) except those failed (an error status in its place)
        or missing (no entry at all). Returns how many batches were finished."""
        if state not in ENDINGS:
            raise ValueError(f"state must be one of {', '.join(ENDINGS)}")
        with self._stub._lock:
            due = [batch for batch in self._batches.values() if batch.state in RUNNING][:count]
        for batch in due:
            output = None
            if state == "BATCH_STATE_SUCCEEDED":
                output = [
                    self._inlined(batch, index, entry, index in failed_requests)
                    for index, entry in enumerate(batch.requests)
                    if index not in missing_requests
                ]
            with self._stub._lock:
                batch.state, batch.output, batch.ended = state, output, _now()
                batch.updated = batch.ended
        return len(due)

    # -- HTTP

    def serves(self, method: str, path: str) -> bool:
        return bool(
            (method == "POST" and (_CREATE.match(path) or _ONE.match(path)))
            or (method in ("GET", "DELETE") and _ONE.match(path))
            or (method == "GET" and _LIST.match(path))
        )

    def respond(self, method: str, path: str, query: str, key: str, body: bytes) -> Response:
        from sandbox.gemini_stub import _ApiError, _json_response, _key_invalid

        if not key or (self._stub._keys is not None and key not in self._stub._keys):
            raise _key_invalid()
        create = _CREATE.match(path)
        if create and method == "POST":
            return _json_response(200, self._operation(self._create(key, create.group(2), body)))
        if _LIST.match(path):
            return _json_response(200, self._list(key, dict(parse_qsl(query))))
        one = _ONE.match(path)
        assert one is not None
        with self._stub._lock:
            batch = self._batches.get(f"batches/{one.group(2)}")
            if batch is None or batch.key != key:
                raise _ApiError(404, "Requested entity was not found.", "NOT_FOUND")
            if method == "GET":
                return _json_response(200, self._operation(batch))
            if method == "DELETE":
                del self._batches[batch.name]
                return _json_response(200, {})
            if one.group(3) is None:
                raise _ApiError(404, "Requested entity was not found.", "NOT_FOUND")
            if batch.state in RUNNING:
                batch.state, batch.ended = "BATCH_STATE_CANCELLED", _now()
                batch.updated = batch.ended
            return _json_response(200, {})

    def _create(self, key: str, model: str, body: bytes) -> Batch:
        from sandbox.gemini_stub import _ApiError, _parse_request, _prompt_of, _quota_exceeded

        if len(body) > INLINE_LIMIT_BYTES:
            raise _ApiError(400, "Request payload size exceeds the limit: 20971520 bytes.", "INVALID_ARGUMENT")
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            raise _ApiError(400, "Invalid JSON payload received.", "INVALID_ARGUMENT") from None
        batch = payload.get("batch") if isinstance(payload, dict) else None
        if not isinstance(batch, dict) or not batch.get("displayName"):
            raise _ApiError(400, "* batch.display_name: display_name is required", "INVALID_ARGUMENT")
        source = batch.get("inputConfig")
        if not isinstance(source, dict) or ("requests" in source) == ("fileName" in source):
            raise _ApiError(400, "* batch.input_config: exactly one source is required", "INVALID_ARGUMENT")
        if "fileName" in source:
            raise _ApiError(404, f"File {source['fileName']} not found.", "NOT_FOUND")
        requests = (source.get("requests") or {}).get("requests")
        if not isinstance(requests, list) or not requests:
            raise _ApiError(400, "* batch.input_config.requests: requests are required", "INVALID_ARGUMENT")
        tokens = 0
        for index, entry in enumerate(requests):
            raw = entry.get("request") if isinstance(entry, dict) else None
            request, problem = _parse_request(json.dumps(raw).encode()) if raw is not None else ({}, "missing")
            if problem:
                raise _ApiError(400, f"* requests[{index}].request: {problem.strip()}", "INVALID_ARGUMENT")
            tokens += max(1, len(_prompt_of(request)) // 4)
        with self._stub._lock:
            open_batches = [b for b in self._batches.values() if b.key == key and b.state in RUNNING]
            if len(open_batches) >= self.max_concurrent:
                raise _quota_exceeded(model, self.max_concurrent, None, "BatchConcurrentRequestsPerProject")
            if sum(b.tokens for b in open_batches if b.model == model) + tokens > self.max_enqueued_tokens:
                raise _quota_exceeded(model, self.max_enqueued_tokens, None, "BatchEnqueuedTokensPerProjectPerModel")
            created = Batch(f"batches/fbstub{next(self._ids):06d}", key, model, batch["displayName"], requests, tokens)
            self._batches[created.name] = created
        return created

    def _list(self, key: str, query: dict[str, str]) -> dict[str, Any]:
        size = max(1, min(int(query.get("pageSize") or 50), 1000))
        start = int(query.get("pageToken") or 0)
        with self._stub._lock:
            mine = [batch for batch in self._batches.values() if batch.key == key]
            page = [self._operation(batch) for batch in mine[start : start + size]]
        answer: dict[str, Any] = {"operations": page}
        if start + size < len(mine):
            answer["nextPageToken"] = str(start + size)
        return answer

    def _operation(self, batch: Batch) -> dict[str, Any]:
        done = batch.state in ENDINGS
        answered = batch.output or []
        failed = sum(1 for item in answered if "error" in item)
        stats = {"requestCount": str(len(batch.requests))}
        if done:
            stats |= {"successfulRequestCount": str(len(answered) - failed), "failedRequestCount": str(failed)}
        else:
            stats["pendingRequestCount"] = str(len(batch.requests))
        metadata: dict[str, Any] = {
            "@type": _BATCH_TYPE,
            "model": f"models/{batch.model}",
            "displayName": batch.display_name,
            "createTime": batch.created,
            "updateTime": batch.updated,
            "batchStats": stats,
            "state": batch.state,
            "name": batch.name,
        }
        if batch.ended:
            metadata["endTime"] = batch.ended
        operation: dict[str, Any] = {"name": batch.name, "metadata": metadata}
        if batch.output is not None:
            output = {"inlinedResponses": {"inlinedResponses": batch.output}}
            metadata["output"] = output
            operation["response"] = {"@type": _OUTPUT_TYPE, **output}
        if done:
            operation["done"] = True
        if batch.state == "BATCH_STATE_FAILED":
            operation["error"] = {"code": 13, "message": "Batch processing failed.", "status": "INTERNAL"}
        return operation

    def _inlined(self, batch: Batch, index: int, entry: dict[str, Any], failed: bool) -> dict[str, Any]:
        from sandbox.gemini_stub import _ApiError

        item: dict[str, Any] = {"metadata": entry["metadata"]} if "metadata" in entry else {}
        if failed:
            # A google.rpc.Status, as the docs give for a failed request.
            return {**item, "error": {"code": 13, "message": "Internal error encountered."}}
        try:
            return {**item, "response": self._stub._answer(batch.model, entry["request"])}
        except _ApiError as exc:
            return {**item, "error": exc.error}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
