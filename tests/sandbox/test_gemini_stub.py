"""The Gemini stand-in, driven by the real google-genai SDK over HTTP the way production calls it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any, get_args

import pytest
import requests
from gemini_stub_client import (
    KEY,
    MODEL,
    OTHER_KEY,
    PROMPT,
    LeadAnalysis,
    LeadStatus,
    Stage,
    client_for,
    error_details,
    fixture_stub,  # noqa: F401 - a fixture, requested by name
    generate,
)
from google import genai
from google.genai import errors, types
from pydantic import BaseModel, Field

from sandbox.gemini_stub import GeminiStub, default_answer

REPO_ROOT = Path(__file__).resolve().parents[2]


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


# --- Packed requests -----------------------------------------------------------------------------


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
