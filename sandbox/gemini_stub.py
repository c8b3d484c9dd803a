"""Gemini API stand-in: a real HTTP server on 127.0.0.1 answering the Generative Language API's
`generateContent` in its wire format, so the real `google-genai` SDK (its own HTTP stack) can be
pointed at it with `HttpOptions(base_url=stub.base_url)`.

What the SDK (google-genai 3.6.1) sends, and so what this serves:
    POST /{v1|v1beta|v1alpha}/models/{model}:generateContent   (3.6.1 defaults to v1)
    x-goog-api-key: <key>                                        (`?key=` is accepted too, as by Google)
    {"contents": [{"parts": [{"text": ...}], "role": "user"}], "systemInstruction": {...},
     "generationConfig": {"responseMimeType": "application/json", "responseSchema": {...}}}
A pydantic `response_schema` arrives as `responseSchema` in Gemini's OpenAPI dialect (upper-case
types, Literal/Enum as `{"type": "STRING", "enum": [...]}`, Optional as `nullable`, unions as
`any_of`); `response_json_schema` arrives as `responseJsonSchema` in plain JSON Schema ($defs/$ref,
anyOf with null). Default answers are built from either.

The Batch API (`batchGenerateContent`, `batches/…` get, list, cancel, delete) is served too, under
its own quota: sandbox/gemini_batches.py.

Quota (429 RESOURCE_EXHAUSTED with RetryInfo), bad keys (400 API_KEY_INVALID), 500 INTERNAL and
malformed / off-schema model output can be injected; every request is logged for assertions.

    python -m sandbox.gemini_stub --port 8766
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import json
import math
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from sandbox.http_stub import HOST, HttpStub, RequestHeaders, Response, StubHandler, serve_until_stopped

if TYPE_CHECKING:
    from sandbox.gemini_batches import BatchService

__all__ = ["FAILURE_KINDS", "PACK_FAILURE_KINDS", "WINDOW_KINDS", "GeminiStub", "Responder", "default_answer"]

# The last five act on packed answers (one result per conversation, keyed by the ids the request gave):
# results in another order, one left out, one twice (the copy changed), one under an id that was not
# asked for, two with their ids swapped, one off its schema.
PACK_FAILURE_KINDS = ("shuffle", "drop", "duplicate", "wrong_key", "swap_ids", "corrupt_item")
FAILURE_KINDS = ("server_error", "malformed", "off_schema", *PACK_FAILURE_KINDS)
WINDOW_KINDS = ("sliding", "fixed")

# fn(prompt, response schema or None) -> the JSON value the model "answers".
Responder = Callable[[str, dict[str, Any] | None], Any]

_GENERATE_PATH = re.compile(r"^/(v1|v1beta|v1alpha)/models/([A-Za-z0-9._-]+):generateContent$")
_JSON_TYPE = "application/json; charset=UTF-8"
_SERVICE = "generativelanguage.googleapis.com"
_QUOTA_METRIC = f"{_SERVICE}/generate_content_free_tier_requests"
_PER_MINUTE_QUOTA = "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"
_PER_DAY_QUOTA = "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
_FREE_TIER_RPD = 250
_FREE_TIER_RPM = 15  # Gemini 2.5 Flash free tier; quoted in 429s when no rpm_per_key is set
_MAX_DEPTH = 8  # recursive models: past this, objects get required properties only, arrays minItems

_KEY_INVALID_MESSAGE = "API key not valid. Please pass a valid API key."
_INTERNAL_MESSAGE = (
    "An internal error has occurred. Please retry or report in "
    "https://developers.generativeai.google/guide/troubleshooting"
)


class _ApiError(Exception):
    """A Google API error response: {"error": {"code", "message", "status", "details"?}}."""

    def __init__(self, code: int, message: str, status: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.error: dict[str, Any] = {"code": code, "message": message, "status": status}
        if details:
            self.error["details"] = details


def _key_invalid() -> _ApiError:
    return _ApiError(
        400,
        _KEY_INVALID_MESSAGE,
        "INVALID_ARGUMENT",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": _SERVICE},
            }
        ],
    )


def _quota_exceeded(
    model: str, limit: int, retry_delay_s: float | None, quota_id: str = _PER_MINUTE_QUOTA
) -> _ApiError:
    """Google's 429: the QuotaFailure names the quota (per minute, per day), RetryInfo says when to
    come back; a daily quota often gives no RetryInfo at all (retry_delay_s None)."""
    delay = _duration(retry_delay_s) if retry_delay_s is not None else None
    retry = f"\nPlease retry in {delay}." if delay else ""
    message = (
        "You exceeded your current quota, please check your plan and billing details. For more information "
        "on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current "
        f"usage, head to: https://ai.dev/usage?tab=rate-limit. \n* Quota exceeded for metric: {_QUOTA_METRIC}, "
        f"limit: {limit}, model: {model}{retry}"
    )
    retry_info = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}] if delay else []
    return _ApiError(
        429,
        message,
        "RESOURCE_EXHAUSTED",
        [
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [
                    {
                        "quotaMetric": _QUOTA_METRIC,
                        "quotaId": quota_id,
                        "quotaDimensions": {"location": "global", "model": model},
                        "quotaValue": str(limit),
                    }
                ],
            },
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [
                    {
                        "description": "Learn more about Gemini API quotas",
                        "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
                    }
                ],
            },
            *retry_info,
        ],
    )


def _duration(seconds: float) -> str:
    """protobuf Duration JSON: "17s", "0.5s"."""
    return f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"


@dataclass
class _Exhaustion:
    retry_delay_s: float | None
    remaining: int | None  # None: until restore()
    daily: bool = False


# --- Default answers ---------------------------------------------------------------------------

# Customer intent keyword -> stage-name fragments it points to; checked in this order, so a customer
# who is "not interested" in the "price" lands on a lost stage, not a qualified one.
_STAGE_HINTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("not interested", "no thanks", "too expensive", "cancel", "unsubscribe"),
        ("lost", "closed lost", "unqualified", "disqualified"),
    ),
    (("paid", "payment", "purchased", "bought", "order placed"), ("won", "closed won", "customer", "paid")),
    (("quote", "proposal", "invoice", "estimate", "contract"), ("proposal", "quote", "negotiat")),
    (
        ("price", "pricing", "how much", "cost", "budget", "interested", "available"),
        ("qualified", "interested", "contacted", "engaged"),
    ),
)
# A transcript line spoken by the customer: "Customer: hi", "[10:02] contact: hi", "Ana (contact): hi",
# "[2026-11-24 10:02] Customer (Ana Lima): hi" (fbsync's own prompt).
_CUSTOMER_LINE = re.compile(
    r"^\s*(?:\[[^\]\n]*\]\s*)?(?:[\w .'-]{0,40}\()?(?:customer|contact|client|buyer)\)?"
    r"(?:\s*\([^)\n]{0,60}\))?\s*:\s*(\S.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_GREETING = re.compile(r"^(?:hi|hello|hey|good (?:morning|afternoon|evening))\b[\s,!.]*", re.IGNORECASE)
_FIXED_DATE = "2026-01-15"
_SHAPING_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "properties",
        "items",
        "anyOf",
        "any_of",
        "oneOf",
        "one_of",
        "allOf",
        "format",
    }
)


def default_answer(prompt: str, schema: Mapping[str, Any] | None) -> Any:
    """The stub's own answer: deterministic in (prompt, schema) and valid against `schema`, in either
    of the dialects the SDK sends. Public so a responder can start from it and change one field."""
    if schema is None:
        return {"summary": _Answer(prompt, {}).summary()}
    return _Answer(prompt, schema).value(schema, "", 0)


class _Answer:
    def __init__(self, prompt: str, root: Mapping[str, Any]) -> None:
        self._prompt = prompt
        self._root = root
        self._customer_lines = [_unquoted(match.strip()) for match in _CUSTOMER_LINE.findall(prompt)]
        if not self._customer_lines:
            # Unlabelled transcript: the prompt's last line is the best guess at what was said last.
            self._customer_lines = [line.strip() for line in prompt.splitlines() if line.strip()][-1:]

    def summary(self) -> str:
        topic = self._topic()
        first = topic.split(" ", 1)[0]
        # Mid-sentence now: "How much ..." -> "how much ..."; "I" and acronyms ("EUR") keep their case.
        if first != "I" and first[1:].islower():
            topic = topic[:1].lower() + topic[1:]
        return f"Customer asked about {topic}."

    def value(self, schema: Mapping[str, Any], path: str, depth: int) -> Any:
        schema = self._resolve(schema)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return self._choose(list(schema["enum"]), path)
        alternatives = _get(schema, "anyOf") or _get(schema, "oneOf")
        if alternatives:
            typed = [alt for alt in alternatives if _type_of(self._resolve(alt)) != "null"]
            return self.value((typed or alternatives)[0], path, depth)
        if schema.get("allOf"):
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                merged.update(self._resolve(part))
            return self.value(merged, path, depth)
        kind = _type_of(schema)
        if kind == "object":
            return self._object(schema, path, depth)
        if kind == "array":
            return self._array(schema, path, depth)
        if kind == "integer":
            return self._integer(schema, path)
        if kind == "number":
            return self._number(schema, path)
        if kind == "boolean":
            return self._hash(path) % 2 == 0
        if kind == "null":
            return None
        return self._string(schema, path)

    def _object(self, schema: Mapping[str, Any], path: str, depth: int) -> dict[str, Any]:
        properties: Mapping[str, Any] = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        order = [name for name in _get(schema, "propertyOrdering") or () if name in properties]
        order += [name for name in properties if name not in order]
        # Optional properties are left out where guessing could be wrong: past the depth limit, and where
        # the schema says nothing (the SDK sends a recursive model's self-reference as {}).
        order = [
            name for name in order if name in required or (depth < _MAX_DEPTH and not self._opaque(properties[name]))
        ]
        return {name: self.value(properties[name], f"{path}.{name}" if path else name, depth + 1) for name in order}

    def _array(self, schema: Mapping[str, Any], path: str, depth: int) -> list[Any]:
        low = int(_get(schema, "minItems") or 0)
        high = _get(schema, "maxItems")
        items = schema.get("items") or {}
        count = low if depth >= _MAX_DEPTH or self._opaque(items) else max(low, 1)
        if high is not None:
            count = min(count, int(high))
        return [self.value(items, f"{path}[{index}]", depth + 1) for index in range(count)]

    def _integer(self, schema: Mapping[str, Any], path: str) -> int:
        low, high = _bounds(schema, integer=True)
        return low + self._hash(path) % (high - low + 1)

    def _number(self, schema: Mapping[str, Any], path: str) -> float:
        low, high = _bounds(schema, integer=False)
        return round(low + (high - low) * (self._hash(path) % 1001) / 1000, 3)

    def _string(self, schema: Mapping[str, Any], path: str) -> str:
        name = _leaf(path)
        text_format = schema.get("format")
        if text_format == "date-time":
            text = f"{_FIXED_DATE}T10:30:00Z"
        elif text_format == "date":
            text = _FIXED_DATE
        elif "summary" in name:
            text = self.summary()
        elif "reason" in name:
            text = f'The customer wrote "{self._topic()}", which shows where the conversation stands.'
        else:
            topic = self._topic()
            text = topic[:1].upper() + topic[1:]
        min_length = int(_get(schema, "minLength") or 0)
        max_length = _get(schema, "maxLength")
        text = text.ljust(min_length, ".")
        return text if max_length is None else text[: int(max_length)]

    def _choose(self, members: list[Any], path: str) -> Any:
        name = _leaf(path)
        if "stage" in name or "status" in name:
            for line in reversed(self._customer_lines):
                said = line.lower()
                for keywords, fragments in _STAGE_HINTS:
                    if not any(re.search(rf"\b{re.escape(keyword)}\b", said) for keyword in keywords):
                        continue
                    for member in members:
                        label = re.sub(r"[_\-]+", " ", str(member)).lower()
                        if any(re.search(rf"\b{fragment}", label) for fragment in fragments):
                            return member
        return members[self._hash(path) % len(members)]

    def _topic(self) -> str:
        said = _GREETING.sub("", self._customer_lines[-1]) if self._customer_lines else ""
        words = said.split()[:6]
        return " ".join(words).rstrip(".,!?;:") or "the conversation"

    def _opaque(self, schema: Mapping[str, Any]) -> bool:
        """True for a schema that allows anything, so no particular value is safer than another."""
        return not _SHAPING_KEYWORDS.intersection(self._resolve(schema))

    def _hash(self, path: str) -> int:
        # Salted by the property path, so lead_score and confidence differ but never change.
        return int.from_bytes(hashlib.sha256(f"{self._prompt}\0{path}".encode()).digest()[:8], "big")

    def _resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        seen = 0
        while isinstance(schema.get("$ref"), str) and seen < _MAX_DEPTH:
            target: Any = self._root
            for part in schema["$ref"].lstrip("#").strip("/").split("/"):
                target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if part else target
            schema, seen = target, seen + 1
        return schema


def _unquoted(said: str) -> str:
    """A message written as a JSON string (as fbsync quotes customers' words) read back as text."""
    if len(said) >= 2 and said[0] == said[-1] == '"':
        try:
            text = json.loads(said)
        except ValueError:
            return said
        return text if isinstance(text, str) else said
    return said


def _get(schema: Mapping[str, Any], camel: str) -> Any:
    """A schema keyword in either spelling: the SDK sends some in snake_case (any_of, property_ordering)."""
    if camel in schema:
        return schema[camel]
    return schema.get(re.sub(r"([A-Z])", lambda match: "_" + match.group(1).lower(), camel))


def _type_of(schema: Mapping[str, Any]) -> str:
    declared = schema.get("type")
    if isinstance(declared, list):
        declared = next((kind for kind in declared if str(kind).lower() != "null"), "null")
    if isinstance(declared, str):
        return declared.lower()
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _bounds(schema: Mapping[str, Any], *, integer: bool) -> tuple[Any, Any]:
    """[low, high] from minimum/maximum (or JSON Schema's exclusive forms); 0-100 where unbounded."""
    step = 1 if integer else 0.001
    low = schema.get("minimum")
    high = schema.get("maximum")
    exclusive_low, exclusive_high = _get(schema, "exclusiveMinimum"), _get(schema, "exclusiveMaximum")
    if isinstance(exclusive_low, (int, float)):
        low = exclusive_low + step
    if isinstance(exclusive_high, (int, float)):
        high = exclusive_high - step
    if low is None:
        low = 0 if high is None else high - 100
    if high is None:
        high = low + 100
    if integer:
        return math.ceil(low), math.floor(high)
    return float(low), float(high)


def _leaf(path: str) -> str:
    return re.sub(r"\[\d+\]$", "", path).rsplit(".", 1)[-1].lower()


def _off_schema(valid: Any, schema: Mapping[str, Any] | None) -> dict[str, Any]:
    """Valid JSON that breaks the schema the way a confused model does: numbers as words ("high"),
    enum values that are not members, and required text/list/object fields left out."""
    properties: Mapping[str, Any] = (schema or {}).get("properties") or {}
    if not isinstance(valid, dict) or not properties:
        return {"lead_score": "high", "recommended_stage": "Maybe Later"}
    required = set((schema or {}).get("required") or ())
    answer = dict(valid)
    for name, prop in properties.items():
        kind = _type_of(prop)
        if prop.get("enum") or "$ref" in prop or _get(prop, "anyOf"):
            answer[name] = "Maybe Later"
        elif kind in ("integer", "number"):
            answer[name] = "high"
        elif kind == "boolean":
            answer[name] = "maybe"
        elif name in required:
            answer.pop(name, None)
    return answer


# --- Packed requests ---------------------------------------------------------------------------
# A request can carry several conversations as data (the user turn is a JSON document with a
# `conversations` list, each with an `id`) and ask, through its schema, for a list of results each
# naming its `id`. The model reads each conversation on its own and answers for each.


def _pack_of(schema: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """(name of the results list, schema of one result) when the schema asks for one result per id."""
    resolver = _Answer("", schema)
    for name, prop in (schema.get("properties") or {}).items():
        prop = resolver._resolve(prop)
        if _type_of(prop) == "array":
            item = resolver._resolve(prop.get("items") or {})
            if "id" in (item.get("properties") or {}):
                return name, item
    return None


_FENCED = re.compile(r"<conversation>\n(.*?)\n</conversation>", re.DOTALL)
_FIELD = re.compile(r'^(conversation id|customer name): ("(?:[^"\\]|\\.)*")$', re.MULTILINE)


def _conversations_of(request: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The conversations given as data in the user turn, each fenced as <conversation>...</conversation>
    with a `conversation id:` line (fbsync's packed requests); None when it holds no such conversation."""
    conversations = []
    for block in _FENCED.findall(_contents_of(request)):
        fields = {name: json.loads(value) for name, value in _FIELD.findall(block)}
        if isinstance(fields.get("conversation id"), str):
            conversations.append(
                {"id": fields["conversation id"], "contact_name": fields.get("customer name"), "transcript": block}
            )
    return conversations or None


def _pack_answer(conversations: list[dict[str, Any]], schema: Mapping[str, Any]) -> dict[str, Any]:
    pack = _pack_of(schema)
    assert pack is not None
    name, item_schema = pack
    results = []
    for conversation in conversations:
        transcript = str(conversation.get("transcript") or "")
        result = _Answer(transcript, schema).value(item_schema, "", 1)
        result["id"] = conversation["id"]
        if "contact_name" in result and isinstance(conversation.get("contact_name"), str):
            result["contact_name"] = conversation["contact_name"]
        results.append(result)
    return {name: results}


def _mangle_pack(answer: Any, schema: Mapping[str, Any], kind: str) -> Any:
    """A packed answer spoiled the way `kind` says (PACK_FAILURE_KINDS); other answers are left alone."""
    pack = _pack_of(schema)
    if pack is None or not isinstance(answer, dict) or not isinstance(answer.get(pack[0]), list):
        return answer
    name, item_schema = pack
    results = [dict(result) for result in answer[name]]
    if kind == "shuffle":
        results.reverse()
    elif kind == "drop" and results:
        results.pop(0)
    elif kind == "duplicate" and results:
        properties = item_schema.get("properties") or {}
        copy = {
            field: f"{value} (said again, differently)"
            if isinstance(value, str)
            and field not in ("id", "contact_name")
            and not properties.get(field, {}).get("enum")
            else value
            for field, value in results[0].items()
        }
        results.append(copy)
    elif kind == "wrong_key" and results:
        results[0]["id"] = "not-an-id-we-were-given"
    elif kind == "swap_ids" and len(results) >= 2:
        results[0]["id"], results[1]["id"] = results[1]["id"], results[0]["id"]
    elif kind == "corrupt_item" and results:
        results[0] = _off_schema(results[0], item_schema)
    return {**answer, name: results}


# --- The server --------------------------------------------------------------------------------


class _Handler(StubHandler):
    do_GET = do_POST = do_PUT = do_DELETE = StubHandler.dispatch


class GeminiStub(HttpStub):
    """A Gemini API server for tests, the demo and benchmarks. See the module docstring."""

    _handler = _Handler
    _thread_name = "gemini-stub"

    def __init__(
        self,
        keys: Iterable[str] | None = None,
        port: int = 0,
        rpm_per_key: int | None = None,
        quota_window_s: float = 60.0,
        window: str = "sliding",
    ) -> None:
        if window not in WINDOW_KINDS:
            raise ValueError(f"window must be one of {', '.join(WINDOW_KINDS)}")
        if rpm_per_key is not None and rpm_per_key < 1:
            raise ValueError("rpm_per_key must be >= 1 (or None for no per-minute quota)")
        if quota_window_s <= 0:
            raise ValueError("quota_window_s must be positive")
        self._keys = None if keys is None else frozenset(keys)
        super().__init__(port)
        self.rpm_per_key = rpm_per_key
        # 60 s is Google's window; tests shrink it to watch a window roll over without sleeping a minute.
        self.quota_window_s = quota_window_s
        # "sliding": no more than rpm_per_key in any quota_window_s; "fixed": per window aligned on the
        # wall clock (00:00-00:59, 01:00-01:59, ... for a minute), so a burst either side of a boundary passes.
        self.window = window
        self._fixed: dict[str, tuple[int, int]] = {}  # key -> (window number, requests in it)
        self._requests: list[dict[str, Any]] = []
        self._exhausted: dict[str, _Exhaustion] = {}
        self._windows: dict[str, deque[float]] = {}
        self._failures: deque[str] = deque()
        self._responder: Responder | None = None
        self._response_seq = itertools.count(1)
        # The Batch API, under its own quota; imported here as it builds on this module's helpers.
        from sandbox.gemini_batches import BatchService

        self._batches = BatchService(self)

    # -- lifecycle: start(), stop(), port, errors and the context manager come from HttpStub

    @property
    def base_url(self) -> str:
        # No version: the SDK appends /{api_version}/models/...
        return f"http://{HOST}:{self.port}"

    # -- scenario control

    def exhaust(
        self, key: str, retry_delay_s: float | None = 17, times: int | None = None, *, daily: bool = False
    ) -> None:
        """`key` answers 429 RESOURCE_EXHAUSTED (RetryInfo `retry_delay_s`, none when None) for its next
        `times` requests, or until restore(key) when times is None. `daily`: the per-day quota is the
        one named as exceeded."""
        if times is not None and (not isinstance(times, int) or times < 1):
            raise ValueError("times must be an integer >= 1, or None for until restore()")
        if retry_delay_s is not None and retry_delay_s < 0:
            raise ValueError("retry_delay_s must be >= 0")
        with self._lock:
            self._exhausted[key] = _Exhaustion(None if retry_delay_s is None else float(retry_delay_s), times, daily)

    def restore(self, key: str) -> None:
        with self._lock:
            self._exhausted.pop(key, None)

    def fail_next(self, n: int, kind: str) -> None:
        """The next `n` requests that get past the key and quota checks (any key) fail as `kind`;
        calls queue up in order. The PACK_FAILURE_KINDS wait for requests carrying several
        conversations."""
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}; expected one of {', '.join(FAILURE_KINDS)}")
        if not isinstance(n, int) or n < 1:
            raise ValueError("n must be an integer >= 1")
        with self._lock:
            self._failures.extend([kind] * n)

    def set_responder(self, fn: Responder | None) -> None:
        """fn(prompt, schema) -> the JSON value answered; None restores default_answer."""
        with self._lock:
            self._responder = fn

    # -- inspection

    @property
    def batches(self) -> BatchService:
        """The Batch API's state and scenario control (`complete()`), sandbox/gemini_batches.py."""
        return self._batches

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request, oldest first: key, model (None off the generateContent route), path,
        status, prompt (system instruction and contents), system, contents, schema, at (time.monotonic())."""
        with self._lock:
            return [dict(entry) for entry in self._requests]

    def count(self, key: str | None = None) -> int:
        """generateContent requests, whatever their outcome, for `key` or in all."""
        with self._lock:
            return sum(
                1 for entry in self._requests if entry["model"] is not None and (key is None or entry["key"] == key)
            )

    # -- request handling (called from server threads)

    def _respond(self, method: str, target: str, headers: RequestHeaders, body: bytes) -> Response:
        parts = urlsplit(target)
        route = _GENERATE_PATH.match(parts.path) if method == "POST" else None
        key = headers.get("x-goog-api-key") or dict(parse_qsl(parts.query)).get("key") or ""
        entry: dict[str, Any] = {
            "key": key,
            "model": route.group(2) if route else None,
            "path": parts.path,
            "status": 0,
            "prompt": "",
            "system": "",
            "contents": "",
            "schema": None,
            "at": time.monotonic(),
        }
        try:
            if route is None and self._batches.serves(method, parts.path):
                response = self._batches.respond(method, parts.path, parts.query, key, body)
            elif route is None:
                raise _ApiError(404, "Requested entity was not found.", "NOT_FOUND")
            else:
                response = self._generate(entry, body)
        except _ApiError as exc:
            response = _json_response(exc.code, {"error": exc.error})
        except Exception:  # noqa: BLE001 - a stub bug must not kill the connection or spam stderr
            self._record_error()
            response = _json_response(500, {"error": {"code": 500, "message": _INTERNAL_MESSAGE, "status": "INTERNAL"}})
        entry["status"] = response.status
        # Logged before the response is sent, so a caller sees its request as soon as it has the answer.
        with self._lock:
            self._requests.append(entry)
        return response

    def _generate(self, entry: dict[str, Any], body: bytes) -> Response:
        request, problem = _parse_request(body)
        entry["prompt"], entry["schema"] = _prompt_of(request), _schema_of(request)
        entry["system"], entry["contents"] = _system_of(request), _contents_of(request)
        key, model = entry["key"], entry["model"]
        if not key or (self._keys is not None and key not in self._keys):
            raise _key_invalid()
        if problem:
            raise _ApiError(400, problem, "INVALID_ARGUMENT")
        with self._lock:
            self._check_quota(key, model, entry["at"])
        return _json_response(200, self._answer(model, request))

    def _answer(self, model: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """The GenerateContentResponse to a valid request (online or in a batch), failures injected."""
        conversations = _conversations_of(request)
        packed = conversations is not None and len(conversations) > 1
        with self._lock:
            # Spoiling a pack needs a pack: a conversation asked again alone is not taken for one.
            due = self._failures and (packed or self._failures[0] not in PACK_FAILURE_KINDS)
            failure = self._failures.popleft() if due else None
            responder = self._responder
        if failure == "server_error":
            raise _ApiError(500, _INTERNAL_MESSAGE, "INTERNAL")
        prompt, schema = _prompt_of(request), _schema_of(request)
        if responder is None and conversations is not None and schema is not None and _pack_of(schema):
            answer = _pack_answer(conversations, schema)
        else:
            answer = (responder or default_answer)(prompt, schema)
        finish = "STOP"
        if failure == "off_schema":
            answer = _off_schema(answer, schema)
        elif failure in PACK_FAILURE_KINDS and schema is not None:
            answer = _mangle_pack(answer, schema, failure)
        text = json.dumps(answer, ensure_ascii=False, indent=2)
        if failure == "malformed":
            # What a model cut off by its output budget sends: half a JSON document.
            text, finish = text[: len(text) // 2], "MAX_TOKENS"
        return self._candidate(model, prompt, text, finish)

    def _check_quota(self, key: str, model: str, now: float) -> None:
        """Raises the 429 for an exhausted key or a full per-minute window; else takes a slot in it.
        Rejected requests take no slot, as Google does not bill them."""
        exhaustion = self._exhausted.get(key)
        if exhaustion is not None:
            if exhaustion.remaining is not None:
                exhaustion.remaining -= 1
                if exhaustion.remaining == 0:
                    del self._exhausted[key]
            if exhaustion.daily:
                raise _quota_exceeded(model, _FREE_TIER_RPD, exhaustion.retry_delay_s, _PER_DAY_QUOTA)
            raise _quota_exceeded(model, self.rpm_per_key or _FREE_TIER_RPM, exhaustion.retry_delay_s)
        if self.rpm_per_key is None:
            return
        if self.window == "fixed":
            wall = time.time()
            number = int(wall // self.quota_window_s)
            seen_number, used = self._fixed.get(key, (number, 0))
            used = used if seen_number == number else 0
            if used >= self.rpm_per_key:
                wait = max(1, math.ceil((number + 1) * self.quota_window_s - wall))
                raise _quota_exceeded(model, self.rpm_per_key, wait)
            self._fixed[key] = (number, used + 1)
            return
        window = self._windows.setdefault(key, deque())
        while window and now - window[0] >= self.quota_window_s:
            window.popleft()
        if len(window) >= self.rpm_per_key:
            wait = max(1, math.ceil(window[0] + self.quota_window_s - now))
            raise _quota_exceeded(model, self.rpm_per_key, wait)
        window.append(now)

    def _candidate(self, model: str, prompt: str, text: str, finish: str) -> dict[str, Any]:
        # Roughly Gemini's 4 characters per token; callers log these, nobody bills them.
        prompt_tokens, answer_tokens = max(1, len(prompt) // 4), max(1, len(text) // 4)
        with self._lock:
            seq = next(self._response_seq)
        digest = hashlib.sha256(f"{id(self)}:{seq}".encode()).digest()
        return {
            "candidates": [
                {
                    "content": {"parts": [{"text": text}], "role": "model"},
                    "finishReason": finish,
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": prompt_tokens,
                "candidatesTokenCount": answer_tokens,
                "totalTokenCount": prompt_tokens + answer_tokens,
                "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}],
            },
            "modelVersion": model,
            "responseId": base64.urlsafe_b64encode(digest).decode()[:22],
        }


def _parse_request(body: bytes) -> tuple[dict[str, Any], str | None]:
    """The request object, and Google's complaint about it if it is unusable."""
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return {}, "Invalid JSON payload received. Unexpected token."
    if not isinstance(request, dict):
        return {}, "Invalid JSON payload received. Expected an object."
    if not request.get("contents"):
        return request, "* GenerateContentRequest.contents: contents is not specified\n"
    return request, None


def _prompt_of(request: Mapping[str, Any]) -> str:
    """Text of every part, system instruction first, one part per line."""
    return "\n".join(text for text in (_system_of(request), _contents_of(request)) if text)


def _system_of(request: Mapping[str, Any]) -> str:
    return _texts([request.get("systemInstruction") or request.get("system_instruction")])


def _contents_of(request: Mapping[str, Any]) -> str:
    contents = request.get("contents")
    return _texts(contents if isinstance(contents, list) else [contents])


def _texts(blocks: list[Any]) -> str:
    return "\n".join(
        part["text"]
        for block in blocks
        if isinstance(block, dict)
        for part in block.get("parts") or ()
        if isinstance(part, dict) and isinstance(part.get("text"), str)
    )


def _schema_of(request: Mapping[str, Any]) -> dict[str, Any] | None:
    config = request.get("generationConfig") or request.get("generation_config") or {}
    if not isinstance(config, dict):
        return None
    for name in ("responseSchema", "response_schema", "responseJsonSchema", "response_json_schema"):
        if isinstance(config.get(name), dict):
            return config[name]
    return None


def _json_response(status: int, payload: Any) -> Response:
    # Google pretty-prints its REST answers.
    body = json.dumps(payload, ensure_ascii=False, indent=2).encode()
    return Response(status, body, {"Content-Type": _JSON_TYPE, "Server": "scaffolding on HTTPServer2"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.gemini_stub", description="Gemini API stand-in")
    parser.add_argument("--port", type=int, default=8766, help="0 picks a free port (default 8766)")
    parser.add_argument(
        "--key", action="append", dest="keys", help="an accepted API key (repeatable); default: any non-empty key"
    )
    parser.add_argument("--rpm-per-key", type=int, default=None, help="per-key requests per window before 429")
    parser.add_argument("--window-seconds", type=float, default=60.0, help="length of the quota window (default 60)")
    parser.add_argument("--window", choices=WINDOW_KINDS, default="sliding", help="how the window is counted")
    args = parser.parse_args(argv)
    stub = GeminiStub(
        keys=args.keys,
        port=args.port,
        rpm_per_key=args.rpm_per_key,
        quota_window_s=args.window_seconds,
        window=args.window,
    )
    return serve_until_stopped(stub)


if __name__ == "__main__":
    sys.exit(main())
