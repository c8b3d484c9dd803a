"""The Gemini stand-in's quota answers and injected failures, driven by the real google-genai SDK."""

from __future__ import annotations

import json
import time
from typing import get_args

import pytest
from gemini_stub_client import (
    KEY,
    MODEL,
    OTHER_KEY,
    LeadAnalysis,
    Stage,
    client_for,
    error_details,
    fixture_stub,  # noqa: F401 - a fixture, requested by name
    generate,
)
from google.genai import errors, types
from pydantic import ValidationError

from sandbox.gemini_stub import GeminiStub

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


# --- Quota windows and the daily quota ----------------------------------------------------------


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
