"""The Graph API simulator's errors and injected faults, over real HTTP as the sync client meets them."""

from __future__ import annotations

import dataclasses
import json

import pytest
import requests
from graph_sim_http import (
    FIELDS,
    PAGE,
    PAGE_ID,
    TOKEN,
    conversations_url,
    error_of,
    fixture_http,  # noqa: F401 - a fixture, requested by name
    fixture_sim,  # noqa: F401 - a fixture, requested by name
    get,
    walk,
)

from sandbox.graph_data import SimPage
from sandbox.graph_sim import GraphSimulator

# --- Auth and errors ------------------------------------------------------------------------------


def test_bad_or_missing_token_is_190(sim: GraphSimulator, http: requests.Session) -> None:
    for response in (
        http.get(conversations_url(sim), params={"access_token": "nope"}, timeout=5),
        http.get(conversations_url(sim), timeout=5),
        http.get(conversations_url(sim), headers={"Authorization": "Bearer nope"}, timeout=5),
    ):
        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == 190 and error["type"] == "OAuthException"
        assert error["message"] == "Invalid OAuth access token - Cannot parse access token"
        assert error["fbtrace_id"]
    ok = http.get(conversations_url(sim), headers={"Authorization": f"OAuth {TOKEN}"}, timeout=5)
    assert ok.status_code == 200
    assert [r["authorized"] for r in sim.requests] == [False, False, False, True]


def test_unknown_page_is_100_subcode_33(sim: GraphSimulator, http: requests.Session) -> None:
    response = http.get(conversations_url(sim, "123456789"), params={"access_token": TOKEN}, timeout=5)
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["error_subcode"], error["type"]) == (100, 33, "GraphMethodException")
    assert "Object with ID '123456789' does not exist" in error["message"]


def test_instagram_on_a_page_without_instagram_is_100(sim: GraphSimulator, http: requests.Session) -> None:
    sim.add_page(SimPage(page_id="300", name="No IG", token="t300", messenger_count=3))
    response = http.get(conversations_url(sim, "300"), params={"access_token": "t300", "platform": "instagram"})
    assert response.status_code == 400 and error_of(response)["code"] == 100


def test_requests_are_recorded_without_the_token(sim: GraphSimulator, http: requests.Session) -> None:
    get(http, sim, fields=FIELDS, limit=100)
    http.get(conversations_url(sim), params={"platform": "instagram"}, headers={"Authorization": f"Bearer {TOKEN}"})
    recorded = sim.requests
    assert recorded == [
        {
            "method": "GET",
            "path": f"/v25.0/{PAGE_ID}/conversations",
            "params": {"fields": FIELDS, "limit": "100"},
            "page_id": PAGE_ID,
            "platform": "messenger",
            "status": 200,
            "authorized": True,
        },
        {
            "method": "GET",
            "path": f"/v25.0/{PAGE_ID}/conversations",
            "params": {"platform": "instagram"},
            "page_id": PAGE_ID,
            "platform": "instagram",
            "status": 200,
            "authorized": True,
        },
    ]
    assert TOKEN not in json.dumps(recorded)
    sim.reset_requests()
    assert sim.requests == []


# --- Faults -------------------------------------------------------------------------------------


def test_token_invalid_fires_on_the_chosen_calls_then_recovers(sim: GraphSimulator, http: requests.Session) -> None:
    sim.inject(PAGE_ID, "token_invalid", on_call=2, times=2)
    statuses = [get(http, sim, limit=5).status_code for _ in range(4)]
    assert statuses == [200, 400, 400, 200]
    sim.inject(PAGE_ID, "token_invalid", error_subcode=460)
    error = error_of(get(http, sim))
    assert (error["code"], error["error_subcode"]) == (190, 460)
    assert [r["status"] for r in sim.requests] == [200, 400, 400, 200, 400]


def test_permanent_token_invalid_kills_the_token(sim: GraphSimulator, http: requests.Session) -> None:
    sim.inject(PAGE_ID, "token_invalid", permanent=True)
    for _ in range(3):
        error = error_of(get(http, sim))
        assert (error["code"], error["error_subcode"]) == (190, 463)
        assert error["message"].startswith("Error validating access token: Session has expired on ")
    assert not any(r["authorized"] for r in sim.requests)
    sim.add_page(dataclasses.replace(PAGE, token="fresh-token"))  # the user reconnects the page
    fresh = http.get(conversations_url(sim), params={"access_token": "fresh-token"}, timeout=5)
    assert fresh.status_code == 200


def test_rate_limit_headers_and_codes(sim: GraphSimulator, http: requests.Session) -> None:
    sim.inject(PAGE_ID, "rate_limit")
    response = get(http, sim)
    assert response.status_code == 400 and error_of(response)["code"] == 613
    usage = json.loads(response.headers["X-Business-Use-Case-Usage"])
    assert usage[PAGE_ID][0]["estimated_time_to_regain_access"] == 1
    assert json.loads(response.headers["X-App-Usage"])["call_count"] == 100

    sim.inject(PAGE_ID, "rate_limit", code=80001, regain_minutes=7)
    response = get(http, sim)
    assert error_of(response)["code"] == 80001
    assert error_of(response)["message"].startswith("There have been too many calls to this Page account.")
    assert json.loads(response.headers["X-Business-Use-Case-Usage"])[PAGE_ID][0]["estimated_time_to_regain_access"] == 7

    normal = get(http, sim)
    assert normal.status_code == 200 and json.loads(normal.headers["X-App-Usage"])["call_count"] < 50


def test_server_error(sim: GraphSimulator, http: requests.Session) -> None:
    sim.inject(PAGE_ID, "server_error")
    response = get(http, sim)
    assert response.status_code == 500
    error = error_of(response)
    assert (error["code"], error["is_transient"], error["type"]) == (2, True, "OAuthException")
    assert get(http, sim).status_code == 200


def test_reduce_data_only_hits_large_pages(sim: GraphSimulator, http: requests.Session) -> None:
    sim.inject(PAGE_ID, "reduce_data", times=2, max_limit=25)
    assert get(http, sim, limit=25).status_code == 200  # small enough: succeeds, fault stays armed
    response = get(http, sim, limit=100)
    assert response.status_code == 500 and error_of(response)["code"] == 1
    assert get(http, sim, limit=10).status_code == 200
    assert get(http, sim, limit=26).status_code == 500
    assert get(http, sim, limit=100).status_code == 200  # both firings used up


def test_empty_page_keeps_the_cursor_so_nothing_is_skipped(sim: GraphSimulator, http: requests.Session) -> None:
    first = get(http, sim, limit=100).json()
    sim.inject(PAGE_ID, "empty_page")
    empty = http.get(first["paging"]["next"], timeout=5).json()
    assert empty["data"] == []
    assert empty["paging"]["next"] == first["paging"]["next"]
    resumed = http.get(empty["paging"]["next"], timeout=5).json()
    assert len(resumed["data"]) == 100
    assert resumed["data"][0]["updated_time"] < first["data"][-1]["updated_time"]


def test_empty_page_on_the_first_call_has_a_next_link(sim: GraphSimulator, http: requests.Session) -> None:
    sim.inject(PAGE_ID, "empty_page")
    conversations, pages = walk(http, sim, limit=100)
    assert len({c["id"] for c in conversations}) == 347 and pages == 5


def test_malformed_json(sim: GraphSimulator, http: requests.Session) -> None:
    sim.inject(PAGE_ID, "malformed_json")
    response = get(http, sim)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    with pytest.raises(ValueError):
        response.json()
    assert sim.requests[-1]["status"] == 200


def test_faults_over_http_and_unknown_kinds(sim: GraphSimulator, http: requests.Session) -> None:
    control = sim.base_url.rsplit("/", 1)[0] + "/_sim"
    assert http.post(f"{control}/faults", json={"page_id": PAGE_ID, "kind": "server_error", "times": 3}).ok
    assert get(http, sim).status_code == 500
    assert http.delete(f"{control}/faults").ok
    assert get(http, sim).status_code == 200
    assert http.post(f"{control}/faults", json={"page_id": PAGE_ID, "kind": "meteor"}).status_code == 400
    with pytest.raises(ValueError):
        sim.inject(PAGE_ID, "rate_limit", regain_minute=3)
    with pytest.raises(ValueError):
        sim.inject("nope", "server_error")
    assert [r["path"] for r in sim.requests] == [f"/v25.0/{PAGE_ID}/conversations"] * 2  # control calls not logged
