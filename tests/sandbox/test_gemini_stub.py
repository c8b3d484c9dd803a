"""The Gemini stand-in, driven by the real google-genai SDK over HTTP the way production calls it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, get_args

import pytest
import requests
from google import genai
from google.genai import errors, types
from pydantic import BaseModel, Field, ValidationError

from sandbox.gemini_stub import GeminiStub, default_answer

MODEL = "gemini-2.5-flash"
KEY = "test-key-alpha"
OTHER_KEY = "test-key-beta"
REPO_ROOT = Path(__file__).resolve().parents[2]

Stage = Literal["New Lead", "Qualified", "Proposal Sent", "Won", "Lost"]


class LeadStatus(StrEnum):
    NEW = "NEW"
    QUALIFIED = "QUALIFIED"
    WON = "WON"
    LOST = "LOST"
    UNQUALIFIED = "UNQUALIFIED"


class LeadAnalysis(BaseModel):
    """Shaped like the analyzer's model: a Literal stage, a StrEnum status, bounded ints."""

    summary: str
    recommended_stage: Stage
    lead_score: int = Field(ge=0, le=100)
    lead_status: LeadStatus
    confidence: int = Field(ge=0, le=100)
    reasoning: str


PROMPT = (
    "Pipeline stages: New Lead, Qualified, Proposal Sent, Won, Lost\n"
    "[2026-01-10 09:12] Customer: Hello! How much is the 1kg bag of Ethiopia Guji?\n"
    "[2026-01-10 09:20] Page: 24 EUR, shipping included.\n"
)


@pytest.fixture
def stub() -> Iterator[GeminiStub]:
    with GeminiStub() as server:
        yield server
        assert server.errors == []


def client_for(stub: GeminiStub, key: str = KEY, api_version: str | None = None) -> genai.Client:
    # attempts=1: the SDK must not retry, so each call is exactly one request the stub can count.
    options = types.HttpOptions(
        base_url=stub.base_url, api_version=api_version, retry_options=types.HttpRetryOptions(attempts=1)
    )
    return genai.Client(api_key=key, http_options=options)


def generate(
    client: genai.Client, prompt: str | list[str] = PROMPT, schema: Any = LeadAnalysis, **config: Any
) -> types.GenerateContentResponse:
    return client.models.generate_content(
        model=MODEL,
        contents=prompt,
        config=types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=schema, temperature=0.2, **config
        ),
    )


def error_details(exc: errors.APIError) -> dict[str, dict[str, Any]]:
    """google.rpc details by their @type suffix; the SDK keeps the whole body in `.details`."""
    return {detail["@type"].rsplit(".", 1)[-1]: detail for detail in exc.details["error"].get("details", [])}


# --- Structured output ---------------------------------------------------------------------------


def test_default_answer_parses_into_the_pydantic_model(stub: GeminiStub) -> None:
    response = generate(client_for(stub))

    parsed = response.parsed
    assert isinstance(parsed, LeadAnalysis)
    assert parsed.recommended_stage in get_args(Stage)
    assert isinstance(parsed.lead_status, LeadStatus)
    assert 0 <= parsed.lead_score <= 100 and 0 <= parsed.confidence <= 100
    # Derived from the last customer line, greeting dropped.
    assert parsed.summary == "Customer asked about how much is the 1kg bag."
    assert "How much is the 1kg bag" in parsed.reasoning
    assert response.candidates
    assert response.candidates[0].finish_reason == types.FinishReason.STOP
    usage = response.usage_metadata
    assert usage is not None and usage.prompt_token_count is not None and usage.candidates_token_count is not None
    assert usage.total_token_count == (usage.prompt_token_count + usage.candidates_token_count)
    assert response.model_version == MODEL and response.response_id


def test_default_answer_is_deterministic_per_prompt(stub: GeminiStub) -> None:
    client = client_for(stub)

    first, again = generate(client).parsed, generate(client).parsed
    other = generate(client, PROMPT.replace("1kg", "250g")).parsed

    assert first == again
    assert isinstance(first, LeadAnalysis) and isinstance(other, LeadAnalysis)
    assert other.summary != first.summary


@pytest.mark.parametrize(
    ("customer_says", "stage", "status"),
    [
        ("How much is the 1kg bag?", "Qualified", LeadStatus.QUALIFIED),
        ("Could you send me a quote for 20 bags?", "Proposal Sent", None),
        ("Paid just now, thanks!", "Won", LeadStatus.WON),
        ("Sorry, not interested in the price anymore.", "Lost", LeadStatus.LOST),
    ],
)
def test_stage_and_status_follow_what_the_customer_said_last(
    stub: GeminiStub, customer_says: str, stage: str, status: LeadStatus | None
) -> None:
    prompt = f"Stages: New Lead, Qualified, Proposal Sent, Won, Lost\nContact: Hi there\nContact: {customer_says}"

    parsed = generate(client_for(stub), prompt).parsed

    assert isinstance(parsed, LeadAnalysis)
    assert parsed.recommended_stage == stage
    if status is not None:  # no LeadStatus member names a proposal
        assert parsed.lead_status == status


class Item(BaseModel):
    name: str
    qty: int = Field(ge=1, le=5)


class Node(BaseModel):
    label: str
    children: list[Node] = []


class Everything(BaseModel):
    items: list[Item]
    maybe_stage: Stage | None = None
    when: datetime
    day: date
    flag: bool
    ratio: float = Field(ge=0, le=1)
    either: int | str
    tree: Node  # recursive: the answer must still be finite


def test_default_answer_satisfies_rich_and_recursive_schemas(stub: GeminiStub) -> None:
    assert isinstance(generate(client_for(stub), schema=Everything).parsed, Everything)
    items = generate(client_for(stub), schema=list[Item]).parsed
    assert isinstance(items, list) and isinstance(items[0], Item)


def test_json_schema_dialect_is_answered_too(stub: GeminiStub) -> None:
    # response_json_schema sends plain JSON Schema ($defs/$ref, anyOf with null) as responseJsonSchema.
    client = client_for(stub)  # kept in a variable: a collected genai.Client closes its HTTP client
    response = client.models.generate_content(
        model=MODEL,
        contents=PROMPT,
        config=types.GenerateContentConfig(
            response_mime_type="application/json", response_json_schema=Everything.model_json_schema()
        ),
    )

    assert "$defs" in stub.requests[-1]["schema"]
    Everything.model_validate(response.parsed)


# --- What the SDK sends ----------------------------------------------------------------------------


def test_request_log_records_the_wire_request(stub: GeminiStub) -> None:
    generate(client_for(stub), ["Part one.", "Part two."], system_instruction="You qualify leads.")

    (entry,) = stub.requests
    # google-genai 3.6.1 defaults to api_version v1 (not v1beta) for the Developer API.
    assert entry["path"] == f"/v1/models/{MODEL}:generateContent"
    assert entry["key"] == KEY and entry["model"] == MODEL and entry["status"] == 200
    assert entry["prompt"] == "You qualify leads.\nPart one.\nPart two."
    # A pydantic response_schema goes out as responseSchema in Gemini's dialect: upper-case types,
    # Literal and StrEnum both as a STRING enum, bounds as floats.
    properties = entry["schema"]["properties"]
    assert properties["recommended_stage"] == {
        "enum": list(get_args(Stage)),
        "title": "Recommended Stage",
        "type": "STRING",
    }
    assert properties["lead_status"]["enum"] == [status.value for status in LeadStatus]
    assert properties["lead_score"] == {"maximum": 100.0, "minimum": 0.0, "title": "Lead Score", "type": "INTEGER"}
    assert isinstance(entry["at"], float) and entry["at"] <= time.monotonic()
    assert stub.count() == stub.count(KEY) == 1 and stub.count(OTHER_KEY) == 0


def test_v1beta_path_is_served(stub: GeminiStub) -> None:
    assert isinstance(generate(client_for(stub, api_version="v1beta")).parsed, LeadAnalysis)
    assert stub.requests[-1]["path"] == f"/v1beta/models/{MODEL}:generateContent"


def test_concurrent_requests_are_all_answered_and_logged(stub: GeminiStub) -> None:
    client = client_for(stub)
    results: list[Any] = []
    threads = [threading.Thread(target=lambda: results.append(generate(client).parsed)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 8 and all(isinstance(result, LeadAnalysis) for result in results)
    assert stub.count(KEY) == 8


# --- Quota -----------------------------------------------------------------------------------------


def test_exhausted_key_raises_resource_exhausted_with_retry_info(stub: GeminiStub) -> None:
    stub.exhaust(KEY, retry_delay_s=17)

    with pytest.raises(errors.ClientError) as caught:
        generate(client_for(stub))

    exc = caught.value
    assert (exc.code, exc.status) == (429, "RESOURCE_EXHAUSTED")
    assert (exc.message or "").startswith("You exceeded your current quota")
    details = error_details(exc)
    assert details["RetryInfo"]["retryDelay"] == "17s"
    assert details["QuotaFailure"]["violations"][0]["quotaDimensions"]["model"] == MODEL
    # Quota is per key: another key is still served.
    assert isinstance(generate(client_for(stub, OTHER_KEY)).parsed, LeadAnalysis)
    assert [entry["status"] for entry in stub.requests] == [429, 200]


def test_restore_ends_an_open_ended_exhaustion(stub: GeminiStub) -> None:
    stub.exhaust(KEY)
    for _ in range(2):
        with pytest.raises(errors.ClientError):
            generate(client_for(stub))

    stub.restore(KEY)

    assert isinstance(generate(client_for(stub)).parsed, LeadAnalysis)


def test_exhaust_times_restores_by_itself(stub: GeminiStub) -> None:
    stub.exhaust(KEY, retry_delay_s=0.5, times=2)
    client = client_for(stub)
    for _ in range(2):
        with pytest.raises(errors.ClientError) as caught:
            generate(client)
        assert error_details(caught.value)["RetryInfo"]["retryDelay"] == "0.5s"

    assert isinstance(generate(client).parsed, LeadAnalysis)


def test_rpm_per_key_answers_429_until_the_window_rolls_over() -> None:
    window_s = 0.5
    with GeminiStub(rpm_per_key=2, quota_window_s=window_s) as stub:
        client, other = client_for(stub), client_for(stub, OTHER_KEY)
        generate(client)
        generate(client)
        with pytest.raises(errors.ClientError) as caught:
            generate(client)
        generate(other)  # a separate budget
        time.sleep(window_s)
        generate(client)

        assert caught.value.code == 429
        # Seconds until the oldest request leaves the window, rounded up (and at least 1).
        assert error_details(caught.value)["RetryInfo"]["retryDelay"] == "1s"
        assert error_details(caught.value)["QuotaFailure"]["violations"][0]["quotaValue"] == "2"
        statuses = [(entry["key"], entry["status"]) for entry in stub.requests]
        assert statuses == [(KEY, 200), (KEY, 200), (KEY, 429), (OTHER_KEY, 200), (KEY, 200)]


def test_rpm_retry_delay_counts_down_a_real_minute() -> None:
    with GeminiStub(rpm_per_key=1) as stub:
        generate(client_for(stub))
        with pytest.raises(errors.ClientError) as caught:
            generate(client_for(stub))

    assert error_details(caught.value)["RetryInfo"]["retryDelay"] == "60s"


# --- Keys --------------------------------------------------------------------------------------


def test_unknown_key_is_rejected_without_being_echoed() -> None:
    bad_key = "not-a-real-key-123"
    with GeminiStub(keys=[KEY]) as stub:
        with pytest.raises(errors.ClientError) as caught:
            generate(client_for(stub, bad_key))
        assert isinstance(generate(client_for(stub)).parsed, LeadAnalysis)
        assert stub.count(bad_key) == 1

    exc = caught.value
    assert (exc.code, exc.status) == (400, "INVALID_ARGUMENT")
    assert exc.message == "API key not valid. Please pass a valid API key."
    assert error_details(exc)["ErrorInfo"]["reason"] == "API_KEY_INVALID"
    # The SDK types `response` as any transport's; the sync client's (httpx) has `.text`.
    assert bad_key not in str(exc) and bad_key not in exc.response.text  # type: ignore[union-attr]


def test_missing_key_and_unknown_path_over_raw_http(stub: GeminiStub) -> None:
    url = f"{stub.base_url}/v1beta/models/{MODEL}:generateContent"
    body: dict[str, Any] = {"contents": [{"parts": [{"text": "hi"}], "role": "user"}]}
    with requests.Session() as http:
        no_key = http.post(url, json=body, timeout=5)
        by_query = http.post(url, params={"key": KEY}, json=body, timeout=5)
        bad_json = http.post(url, headers={"x-goog-api-key": KEY}, data=b"{nope", timeout=5)
        unknown = http.post(f"{stub.base_url}/v1beta/models/{MODEL}:countTokens", json=body, timeout=5)
        wrong_method = http.get(url, timeout=5)

    assert no_key.status_code == 400 and no_key.json()["error"]["details"][0]["reason"] == "API_KEY_INVALID"
    assert by_query.status_code == 200
    assert bad_json.status_code == 400 and bad_json.json()["error"]["status"] == "INVALID_ARGUMENT"
    for response in (unknown, wrong_method):
        assert response.status_code == 404
        assert response.json() == {
            "error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}
        }
    # Only the three generateContent POSTs count.
    assert stub.count() == 3


# --- Injected failures -------------------------------------------------------------------------


def test_server_error_raises_server_error_once(stub: GeminiStub) -> None:
    stub.fail_next(1, "server_error")
    client = client_for(stub)

    with pytest.raises(errors.ServerError) as caught:
        generate(client)

    assert (caught.value.code, caught.value.status) == (500, "INTERNAL")
    assert isinstance(generate(client).parsed, LeadAnalysis)


def test_malformed_output_leaves_parsed_none(stub: GeminiStub) -> None:
    stub.fail_next(1, "malformed")

    response = generate(client_for(stub))

    # The SDK swallows the JSON error: no exception, parsed is None, the raw text is still there.
    assert response.parsed is None
    assert response.candidates and response.text is not None
    assert response.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_off_schema_output_leaves_parsed_none(stub: GeminiStub) -> None:
    stub.fail_next(1, "off_schema")

    response = generate(client_for(stub))

    # Also swallowed by the SDK (pydantic's ValidationError); the text is valid JSON off the schema.
    assert response.parsed is None
    assert response.text is not None
    answer = json.loads(response.text)
    assert answer["lead_score"] == "high"
    assert answer["recommended_stage"] not in get_args(Stage)
    assert "summary" not in answer and "reasoning" not in answer
    with pytest.raises(ValidationError):
        LeadAnalysis.model_validate(answer)


def test_failures_apply_in_order_to_any_key_after_the_quota_check(stub: GeminiStub) -> None:
    stub.fail_next(1, "server_error")
    stub.fail_next(2, "malformed")
    stub.exhaust(KEY, times=1)
    client, other = client_for(stub), client_for(stub, OTHER_KEY)

    with pytest.raises(errors.ClientError):
        generate(client)  # 429: the quota check comes first and uses up no failure
    with pytest.raises(errors.ServerError):
        generate(other)
    assert generate(client).parsed is None
    assert generate(other).parsed is None
    assert isinstance(generate(client).parsed, LeadAnalysis)


def test_failure_arguments_are_checked(stub: GeminiStub) -> None:
    with pytest.raises(ValueError, match="unknown failure kind"):
        stub.fail_next(1, "timeout")
    with pytest.raises(ValueError):
        stub.fail_next(0, "malformed")
    with pytest.raises(ValueError):
        stub.exhaust(KEY, times=0)


# --- Responder ---------------------------------------------------------------------------------


def test_responder_overrides_the_default_answer(stub: GeminiStub) -> None:
    seen: list[tuple[str, dict[str, Any] | None]] = []

    def hot_lead(prompt: str, schema: dict[str, Any] | None) -> dict[str, Any]:
        seen.append((prompt, schema))
        return {**default_answer(prompt, schema), "lead_score": 97, "recommended_stage": "Won"}

    stub.set_responder(hot_lead)
    parsed = generate(client_for(stub)).parsed
    stub.set_responder(None)
    restored = generate(client_for(stub)).parsed

    assert isinstance(parsed, LeadAnalysis) and isinstance(restored, LeadAnalysis)
    assert (parsed.lead_score, parsed.recommended_stage) == (97, "Won")
    assert seen[0][0] == PROMPT and seen[0][1] == stub.requests[0]["schema"]
    assert restored.recommended_stage == "Qualified"


def test_a_failing_responder_is_a_500_and_recorded() -> None:
    def broken(prompt: str, schema: dict[str, Any] | None) -> dict[str, Any]:
        raise RuntimeError("responder bug")

    with GeminiStub() as stub:
        stub.set_responder(broken)
        with pytest.raises(errors.ServerError):
            generate(client_for(stub))

        assert len(stub.errors) == 1 and "responder bug" in stub.errors[0]


# --- Standalone ----------------------------------------------------------------------------------


def test_standalone_server_prints_its_base_url() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.gemini_stub", "--port", "0", "--key", KEY],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        client = genai.Client(
            api_key=KEY,
            http_options=types.HttpOptions(base_url=base_url, retry_options=types.HttpRetryOptions(attempts=1)),
        )
        assert isinstance(generate(client).parsed, LeadAnalysis)
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0
        process.stdout.close()


# --- Quota windows, daily quota, packed requests ------------------------------------------------


def test_a_fixed_window_counts_per_aligned_window_and_says_when_it_ends() -> None:
    window_s = 1.0
    with GeminiStub(rpm_per_key=2, quota_window_s=window_s, window="fixed") as stub:
        client = client_for(stub)
        time.sleep(window_s - time.time() % window_s + 0.05)  # just after a boundary
        generate(client)
        generate(client)
        with pytest.raises(errors.ClientError) as caught:
            generate(client)
        time.sleep(window_s - time.time() % window_s + 0.05)
        generate(client)  # a new window: a fresh budget at once, however recent the last request

    assert caught.value.code == 429 and caught.value.status == "RESOURCE_EXHAUSTED"
    assert error_details(caught.value)["RetryInfo"]["retryDelay"] == "1s"
    assert [entry["status"] for entry in stub.requests] == [200, 200, 429, 200]


def test_the_daily_quota_is_named_and_may_come_without_a_retry_delay(stub: GeminiStub) -> None:
    stub.exhaust(KEY, retry_delay_s=None, daily=True)
    with pytest.raises(errors.ClientError) as caught:
        generate(client_for(stub))

    details = error_details(caught.value)
    assert details["QuotaFailure"]["violations"][0]["quotaId"] == "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
    assert "RetryInfo" not in details


class PackItem(BaseModel):
    id: str
    contact_name: str
    summary: str
    lead_score: int = Field(ge=0, le=100)


class Pack(BaseModel):
    results: list[PackItem]


PACK_DATA = "\n\n".join(
    f'<conversation>\nconversation id: "{ref}"\ncustomer name: "{name}"\n'
    f"[2026-01-10 09:1{n}] Customer: {json.dumps(said)}\n</conversation>"
    for n, (ref, name, said) in enumerate(
        [("C1", "Ann", "Do you ship to Oslo?"), ("C2", "Bob", "I paid yesterday"), ("C3", "Cy", "not interested")]
    )
)


def pack_results(stub: GeminiStub) -> list[dict[str, Any]]:
    response = generate(client_for(stub), PACK_DATA, Pack, system_instruction="One result per conversation.")
    assert response.text is not None
    return json.loads(response.text)["results"]


def test_a_packed_request_gets_one_result_per_conversation_keyed_by_its_id(stub: GeminiStub) -> None:
    results = pack_results(stub)

    assert [(r["id"], r["contact_name"]) for r in results] == [("C1", "Ann"), ("C2", "Bob"), ("C3", "Cy")]
    assert results[0]["summary"] == "Customer asked about do you ship to Oslo."  # each read on its own
    assert results[2]["summary"] == "Customer asked about not interested."


@pytest.mark.parametrize(
    "kind, ids",
    [
        ("shuffle", ["C3", "C2", "C1"]),
        ("drop", ["C2", "C3"]),
        ("duplicate", ["C1", "C2", "C3", "C1"]),
        ("wrong_key", ["not-an-id-we-were-given", "C2", "C3"]),
        ("swap_ids", ["C2", "C1", "C3"]),
        ("corrupt_item", [None, "C2", "C3"]),  # off its schema: words for numbers, required fields left out
    ],
)
def test_packed_answers_can_be_spoiled_on_demand(stub: GeminiStub, kind: str, ids: list[str]) -> None:
    stub.fail_next(1, kind)
    spoiled = pack_results(stub)

    assert [r.get("id") for r in spoiled] == ids
    if kind == "duplicate":
        assert spoiled[3]["summary"] != spoiled[0]["summary"]
    if kind == "corrupt_item":
        assert spoiled[0]["lead_score"] == "high"
    assert [r["id"] for r in pack_results(stub)] == ["C1", "C2", "C3"]  # only the next pack was spoiled
