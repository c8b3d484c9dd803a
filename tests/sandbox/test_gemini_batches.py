"""The Gemini stand-in's Batch API through the real google-genai SDK (`client.batches`), and its wire format
over raw HTTP where the SDK hides it (the Operation's metadata, the quota's 429)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from google import genai
from google.genai import errors, types

from sandbox.gemini_stub import GeminiStub

KEY = "AIzaSy-stub-batches-000000000000000000"
OTHER = "AIzaSy-stub-batches-other-00000000000"


@pytest.fixture
def stub() -> Iterator[GeminiStub]:
    with GeminiStub(keys=[KEY, OTHER]) as server:
        yield server
        assert server.errors == []


_CLIENTS: dict[tuple[str, str], genai.Client] = {}


def client(stub: GeminiStub, key: str = KEY) -> genai.Client:
    """One client per key and stub, kept: a client dropped mid-call closes its connection."""
    if (stub.base_url, key) not in _CLIENTS:
        options = types.HttpOptions(base_url=stub.base_url, retry_options=types.HttpRetryOptions(attempts=1))
        _CLIENTS[stub.base_url, key] = genai.Client(api_key=key, http_options=options)
    return _CLIENTS[stub.base_url, key]


def requests_of(*texts: str) -> list[types.InlinedRequest]:
    return [
        types.InlinedRequest(contents=text, metadata={"key": str(i)}, config=types.GenerateContentConfig(temperature=0))
        for i, text in enumerate(texts)
    ]


def create(stub, *texts, key=KEY):
    config = types.CreateBatchJobConfig(display_name="nightly")
    return client(stub, key).batches.create(model="gemini-2.5-flash", src=requests_of(*texts), config=config)


def test_a_batch_is_created_pending_and_answers_once_succeeded(stub):
    job = create(stub, "Customer: how much is it?", "Customer: hi")
    assert (job.state, job.display_name) == (types.JobState.JOB_STATE_PENDING, "nightly")
    assert job.model == "models/gemini-2.5-flash"
    assert client(stub).batches.get(name=job.name).dest is None
    assert stub.count() == 0  # generateContent's counter (and its quota) is not the batch's

    assert stub.batches.complete(failed_requests={1}) == 1
    done = client(stub).batches.get(name=job.name)
    assert done.state is types.JobState.JOB_STATE_SUCCEEDED and done.end_time is not None
    first, second = done.dest.inlined_responses
    assert first.metadata == {"key": "0"} and "how much" in first.response.text
    assert second.response is None and second.error is not None


def test_the_operation_is_what_google_documents(stub):
    job = create(stub, "Customer: hi")
    stub.batches.complete()
    raw = requests.get(f"{stub.base_url}/v1beta/{job.name}", headers={"x-goog-api-key": KEY}, timeout=5).json()
    assert raw["done"] is True and raw["name"] == job.name
    metadata = raw["metadata"]
    assert metadata["@type"].endswith("google.ai.generativelanguage.v1main.GenerateContentBatch")
    assert metadata["state"] == "BATCH_STATE_SUCCEEDED"
    assert metadata["batchStats"] == {"requestCount": "1", "successfulRequestCount": "1", "failedRequestCount": "0"}
    assert raw["response"]["@type"].endswith("GenerateContentBatchOutput")
    assert len(metadata["output"]["inlinedResponses"]["inlinedResponses"]) == 1


def test_list_pages_cancel_and_delete(stub):
    names = [create(stub, f"Customer: order {n}").name for n in range(3)]
    create(stub, "Customer: someone else's", key=OTHER)

    listed = [job.name for job in client(stub).batches.list(config=types.ListBatchJobsConfig(page_size=2))]
    assert listed == names  # a key sees its own batches only, over pages

    client(stub).batches.cancel(name=names[0])
    assert client(stub).batches.get(name=names[0]).state is types.JobState.JOB_STATE_CANCELLED
    client(stub).batches.delete(name=names[1])
    with pytest.raises(errors.ClientError) as lost:
        client(stub).batches.get(name=names[1])
    assert lost.value.code == 404
    with pytest.raises(errors.ClientError):
        client(stub, OTHER).batches.get(name=names[2])


@pytest.mark.parametrize(
    ("state", "sdk_state"),
    [
        ("BATCH_STATE_EXPIRED", types.JobState.JOB_STATE_EXPIRED),
        ("BATCH_STATE_FAILED", types.JobState.JOB_STATE_FAILED),
    ],
)
def test_a_batch_can_end_without_output(stub, state, sdk_state):
    job = create(stub, "Customer: hi")
    stub.batches.complete(state)
    done = client(stub).batches.get(name=job.name)
    assert done.state is sdk_state and done.dest is None


def test_the_batch_quota_is_its_own(stub):
    stub.batches.max_concurrent = 1
    create(stub, "Customer: first")
    with pytest.raises(errors.ClientError) as full:
        create(stub, "Customer: second")
    assert (full.value.code, full.value.status) == (429, "RESOURCE_EXHAUSTED")
    create(stub, "Customer: another project", key=OTHER)  # per key

    stub.batches.complete()
    stub.batches.max_concurrent, stub.batches.max_enqueued_tokens = 100, 10
    with pytest.raises(errors.ClientError) as tokens:
        create(stub, "Customer: " + "a long conversation " * 10)
    assert tokens.value.code == 429
    create(stub, "Customer: ok")  # a finished batch no longer counts


def test_what_google_refuses_is_refused(stub):
    url = f"{stub.base_url}/v1beta/models/gemini-2.5-flash:batchGenerateContent"
    headers = {"x-goog-api-key": KEY}
    inline = {"requests": {"requests": [{"request": {"contents": [{"parts": [{"text": "hi"}]}]}}]}}
    cases = [
        ({"batch": {"inputConfig": inline}}, 400),  # no displayName
        ({"batch": {"displayName": "x"}}, 400),  # no input
        ({"batch": {"displayName": "x", "inputConfig": {"fileName": "files/none"}}}, 404),  # no Files API here
        ({"batch": {"displayName": "x", "inputConfig": {"requests": {"requests": [{"request": {}}]}}}}, 400),
    ]
    for body, status in cases:
        assert requests.post(url, json=body, headers=headers, timeout=5).status_code == status
    assert requests.post(url, json={"batch": {"displayName": "x", "inputConfig": inline}}, timeout=5).status_code == 400
    assert stub.batches.jobs == []
