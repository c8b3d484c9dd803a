"""The Gemini stand-in's tests: the real google-genai client they drive it with, and the schema it answers."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Any, Literal

import pytest
from google import genai
from google.genai import errors, types
from pydantic import BaseModel, Field

from sandbox.gemini_stub import GeminiStub

MODEL = "gemini-2.5-flash"
KEY = "test-key-alpha"
OTHER_KEY = "test-key-beta"

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


@pytest.fixture(name="stub")
def fixture_stub() -> Iterator[GeminiStub]:
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
    # The SDK's list of parts, not list[str]: lists are invariant, and with Pillow installed (matplotlib
    # brings it) the parts include images.
    parts: list[types.PartUnionDict] = [prompt] if isinstance(prompt, str) else [*prompt]
    return client.models.generate_content(
        model=MODEL,
        contents=parts,
        config=types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=schema, temperature=0.2, **config
        ),
    )


def error_details(exc: errors.APIError) -> dict[str, dict[str, Any]]:
    """google.rpc details by their @type suffix; the SDK keeps the whole body in `.details`."""
    return {detail["@type"].rsplit(".", 1)[-1]: detail for detail in exc.details["error"].get("details", [])}
