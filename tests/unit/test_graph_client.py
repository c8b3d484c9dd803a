"""Graph client against `responses`, on real-shaped Graph payloads from tests/fixtures/graph."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from core.graph import (
    GraphClient,
    GraphRequestError,
    GraphUnavailableError,
    InvalidGraphId,
    MalformedResponseError,
    RateLimitedError,
    TokenInvalidError,
    TransientGraphError,
)
from core.graph.pacing import Pacer

BASE = "https://graph.facebook.com/v25.0"
PAGE = "104857600000001"
URL = f"{BASE}/{PAGE}/conversations"
TOKEN = "EAAGm0PX4ZCpsBAKrealLookingPageToken123"


class Sleeps(list):
    """Stands in for time.sleep: time is controlled by the test, never waited for."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(sleeps: Sleeps) -> GraphClient:
    return GraphClient(BASE, TOKEN, calls_per_second=1000, page_size=100, max_retries=3, sleep=sleeps)


@pytest.fixture
def graph(fixture_json: Callable[[str], Any]) -> Callable[[str], Any]:
    return lambda name: fixture_json(f"graph/{name}.json")


def _all(client: GraphClient, platform: str = "messenger") -> list[list[dict[str, Any]]]:
    return list(client.conversations(PAGE, platform))  # type: ignore[arg-type]


@responses.activate
def test_follows_next_until_absent_with_the_token_only_in_the_header(client, graph):
    responses.get(URL, json=graph("conversations_messenger_page1"))
    responses.get(URL, json=graph("conversations_messenger_page2"))

    batches = _all(client)

    assert [[c["id"] for c in batch] for batch in batches] == [
        ["t_10160795467356427", "t_10160795467300001"],
        ["t_10160795467300002"],
    ]
    first, second = responses.calls
    for call in (first, second):
        assert TOKEN not in call.request.url
        assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"
    # The second call is Meta's next link (its cursor), minus the access_token it carried.
    assert "after=QVFIUmRBcWdLd0dCbVp3" in second.request.url


@responses.activate
def test_a_short_page_with_next_is_not_the_end(client, graph):
    page1 = graph("conversations_messenger_page1")  # 2 conversations although we asked for 100
    responses.get(URL, json=page1)
    responses.get(URL, json=graph("conversations_messenger_page2"))
    assert sum(len(batch) for batch in _all(client)) == 3


@responses.activate
def test_an_empty_page_with_next_is_not_the_end(client, graph):
    empty = {"data": [], "paging": graph("conversations_messenger_page1")["paging"]}
    responses.get(URL, json=empty)
    responses.get(URL, json=graph("conversations_messenger_page2"))
    assert [len(batch) for batch in _all(client)] == [0, 1]


@responses.activate
def test_endless_empty_pages_are_a_clear_error(client, graph):
    responses.get(URL, json={"data": [], "paging": graph("conversations_messenger_page1")["paging"]})
    with pytest.raises(MalformedResponseError, match="empty pages in a row"):
        _all(client)


@responses.activate
def test_instagram_uses_the_same_edge_with_platform_instagram(client, graph):
    responses.get(
        URL,
        json=graph("conversations_instagram"),
        match=[matchers.query_param_matcher({"platform": "instagram"}, strict_match=False)],
    )
    batches = _all(client, "instagram")
    assert batches[0][0]["participants"]["data"][0]["username"] == "jane.doe_88"


@responses.activate
@pytest.mark.parametrize("fixture, subcode", [("error_token_expired", 463), ("error_token_invalid", None)])
def test_a_dead_token_stops_at_once(client, graph, fixture, subcode):
    responses.get(URL, json=graph(fixture), status=400)
    with pytest.raises(TokenInvalidError) as caught:
        _all(client)
    assert (caught.value.code, caught.value.subcode) == (190, subcode)
    assert len(responses.calls) == 1


@responses.activate
def test_rate_limit_waits_as_long_as_meta_says_then_succeeds(client, graph, sleeps):
    usage = {
        PAGE: [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 12,
                "total_time": 15,
                "estimated_time_to_regain_access": 2,
            }
        ]
    }
    responses.get(
        URL, json=graph("error_rate_limit_613"), status=400, headers={"X-Business-Use-Case-Usage": json.dumps(usage)}
    )
    responses.get(URL, json=graph("conversations_messenger_page2"))

    assert sum(len(batch) for batch in _all(client)) == 1
    assert sleeps == [120.0]  # minutes in the header, seconds here


@responses.activate
def test_rate_limit_longer_than_the_cap_fails_clearly_without_waiting(graph, sleeps):
    client = GraphClient(BASE, TOKEN, calls_per_second=1000, max_rate_limit_wait=300, sleep=sleeps)
    usage = {PAGE: [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 30}]}
    responses.get(
        URL, json=graph("error_rate_limit_80001"), status=400, headers={"X-Business-Use-Case-Usage": json.dumps(usage)}
    )

    with pytest.raises(RateLimitedError, match="wait 30 min") as caught:
        _all(client)
    assert caught.value.code == 80001  # a rate limit, although Meta also flags it is_transient
    assert sleeps == []


@responses.activate
def test_transient_errors_are_retried_with_backoff(client, graph, sleeps):
    responses.get(URL, json=graph("error_transient"), status=500)
    responses.get(URL, json=graph("error_transient"), status=500)
    responses.get(URL, json=graph("conversations_messenger_page2"))

    assert sum(len(batch) for batch in _all(client)) == 1
    assert len(sleeps) == 2 and 0 < sleeps[0] <= sleeps[1] * 2


@responses.activate
def test_transient_errors_give_up_after_the_retry_budget(client, graph):
    responses.get(URL, json=graph("error_transient"), status=500)
    with pytest.raises(TransientGraphError):
        _all(client)
    assert len(responses.calls) == 4  # the call and 3 retries


@responses.activate
def test_reduce_the_amount_of_data_retries_with_a_smaller_page_and_keeps_it(client, graph):
    responses.get(
        URL,
        json=graph("error_reduce_data"),
        status=500,
        match=[matchers.query_param_matcher({"limit": "100"}, strict_match=False)],
    )
    responses.get(
        URL,
        json=graph("conversations_messenger_page1"),
        match=[matchers.query_param_matcher({"limit": "50"}, strict_match=False)],
    )
    responses.get(URL, json=graph("conversations_messenger_page2"))

    assert sum(len(batch) for batch in _all(client)) == 3
    limits = [requests.utils.urlparse(c.request.url).query for c in responses.calls]
    assert "limit=100" in limits[0] and "limit=50" in limits[1]
    assert "limit=2" in limits[2]  # Meta's own next link asked for less still; we keep the smaller


@responses.activate
@pytest.mark.parametrize("fixture, code", [("error_unsupported_get", 100), ("error_permission", 10)])
def test_request_errors_are_not_retried(client, graph, fixture, code):
    responses.get(URL, json=graph(fixture), status=400)
    with pytest.raises(GraphRequestError) as caught:
        _all(client)
    assert caught.value.code == code
    assert len(responses.calls) == 1


@responses.activate
def test_malformed_json_is_retried_then_reported(client):
    responses.get(URL, body='{"data": [', content_type="application/json")
    with pytest.raises(MalformedResponseError):
        _all(client)
    assert len(responses.calls) == 4


@responses.activate
def test_next_link_to_another_host_is_not_followed(client, graph):
    page = graph("conversations_messenger_page1")
    page["paging"]["next"] = page["paging"]["next"].replace("graph.facebook.com", "evil.example")
    responses.get(URL, json=page)
    with pytest.raises(MalformedResponseError, match="another host"):
        _all(client)
    assert len(responses.calls) == 1


@responses.activate
def test_no_token_in_errors_or_logs(client, graph, caplog):
    caplog.set_level(logging.DEBUG)
    leaky = graph("error_permission")
    leaky["error"]["message"] = f"Bad request for access_token={TOKEN}&fields=x and {TOKEN}"
    responses.get(URL, json=graph("conversations_messenger_page1"))
    responses.get(URL, body=requests.ConnectionError(f"Max retries exceeded with url: /?access_token={TOKEN}"))
    responses.get(URL, json=leaky, status=400)

    with pytest.raises(GraphRequestError) as caught:
        _all(client)

    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)
    assert "[redacted]" in str(caught.value)
    assert TOKEN not in caplog.text


def test_unreachable_graph_is_a_clear_error_without_the_token(sleeps):
    client = GraphClient("http://127.0.0.1:9/v25.0", TOKEN, calls_per_second=1000, max_retries=1, sleep=sleeps)
    with pytest.raises(GraphUnavailableError, match="unreachable") as caught:
        _all(client)
    assert TOKEN not in str(caught.value)


def test_pacer_spaces_calls_evenly():
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    pacer = Pacer(2.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        pacer.wait()
    assert waits == [0.5, 0.5, 0.5, 0.5]
    assert now[0] == 2.0


@responses.activate
@pytest.mark.parametrize("location", ["https://evil.example/v25.0/steal", f"{BASE}/{PAGE}/conversations?after=x"])
def test_a_redirect_is_never_followed(client, location):
    """Wherever it points: a Graph call does not redirect, and following one could carry the token away."""
    responses.get(URL, status=302, headers={"Location": location})
    responses.get("https://evil.example/v25.0/steal", json={"data": []})

    with pytest.raises(GraphRequestError, match="redirect") as raised:
        _all(client)

    assert len(responses.calls) == 1
    assert ("another host" in str(raised.value)) == location.startswith("https://evil")
    assert TOKEN not in str(raised.value)


@responses.activate
@pytest.mark.parametrize("page_id", ["../../me", "", "1" * 3000, "me", "104857600000001/../me", "12 34", "١٢٣"])
def test_an_id_that_is_not_a_meta_id_never_reaches_the_network(client, page_id):
    with pytest.raises(InvalidGraphId, match="page id must be a Meta id"):
        _all_of(client, page_id)
    with pytest.raises(InvalidGraphId, match="user id must be a Meta id"):
        client.profile(page_id, "messenger")
    with pytest.raises(InvalidGraphId):
        client.conversation_with(PAGE, page_id, "instagram")
    assert len(responses.calls) == 0


@responses.activate
def test_a_path_with_dot_segments_is_refused(client):
    for path in ("me/../oauth/access_token", "/me/accounts", "me//accounts"):
        with pytest.raises(InvalidGraphId, match="dot segment"):
            client.get(path, {})
    assert len(responses.calls) == 0


def _all_of(client: GraphClient, page_id: str) -> list[list[dict[str, Any]]]:
    return list(client.conversations(page_id))
