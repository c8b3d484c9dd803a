"""Facebook Login in the Graph API simulator over real HTTP: the fixtures and requests its tests share."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sandbox.graph_sim import DEFAULT_SCOPES, DEMO_PAGE, GraphSimulator, SimUser

ANCHOR = datetime(2026, 11, 24, 10, 15, 3, tzinfo=UTC)
PAGE = dataclasses.replace(DEMO_PAGE, anchor=ANCHOR)
PAGE_ID = PAGE.page_id
USER = SimUser(user_id="10229000000000001", name="Ada Owner", page_ids=[PAGE_ID])
APP_ID = "1234567890"
APP_SECRET = "sim-app-secret"
APP_TOKEN = f"{APP_ID}|{APP_SECRET}"
REDIRECT_URI = "https://fbsync.example/oauth/callback"
SCOPE = ",".join(DEFAULT_SCOPES)
WEBHOOK_FIELDS = "messages,message_echoes,messaging_postbacks,standby"


@pytest.fixture(name="sim")
def fixture_sim() -> Iterator[GraphSimulator]:
    with GraphSimulator(pages=[PAGE]) as simulator:
        simulator.add_user(USER)
        yield simulator
        assert simulator.errors == []


@pytest.fixture(name="http")
def fixture_http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def dialog(http: requests.Session, sim: GraphSimulator, **overrides: str) -> requests.Response:
    params = {
        "client_id": APP_ID,
        "redirect_uri": REDIRECT_URI,
        "state": "st-42",
        "scope": SCOPE,
        "response_type": "code",
        **overrides,
    }
    return http.get(f"{sim.base_url}/dialog/oauth", params=params, allow_redirects=False, timeout=5)


def redirect_query(response: requests.Response) -> dict[str, str]:
    """The parameters the dialog sent the browser back with, after checking where it sent it."""
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    assert location.fragment == "_=_"  # Meta's trailing #_=_
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def login(http: requests.Session, sim: GraphSimulator, **overrides: str) -> str:
    return redirect_query(dialog(http, sim, **overrides))["code"]


def exchange(http: requests.Session, sim: GraphSimulator, code: str, **overrides: str) -> requests.Response:
    params = {"client_id": APP_ID, "redirect_uri": REDIRECT_URI, "client_secret": APP_SECRET, "code": code, **overrides}
    return http.get(f"{sim.base_url}/oauth/access_token", params=params, timeout=5)


def connect(http: requests.Session, sim: GraphSimulator, **overrides: str) -> str:
    """The user token our connect flow ends up with: dialog, code exchange, long-lived exchange."""
    short = exchange(http, sim, login(http, sim, **overrides)).json()["access_token"]
    long_lived = http.get(
        f"{sim.base_url}/oauth/access_token",
        params={
            "grant_type": "fb_exchange_token",
            "client_id": APP_ID,
            "client_secret": APP_SECRET,
            "fb_exchange_token": short,
        },
        timeout=5,
    )
    assert long_lived.status_code == 200
    return str(long_lived.json()["access_token"])


def accounts(http: requests.Session, sim: GraphSimulator, user_token: str, **params: Any) -> requests.Response:
    return http.get(f"{sim.base_url}/me/accounts", params={"access_token": user_token, **params}, timeout=5)


def subscribe(http: requests.Session, sim: GraphSimulator, page_token: str) -> requests.Response:
    # A form body, as our client sends it; the other tests put parameters in the query string.
    return http.post(
        f"{sim.base_url}/{PAGE_ID}/subscribed_apps",
        data={
            "subscribed_fields": WEBHOOK_FIELDS,
            "access_token": page_token,
        },
        timeout=5,
    )


def debug(http: requests.Session, sim: GraphSimulator, token: str, app_token: str = APP_TOKEN) -> requests.Response:
    return http.get(f"{sim.base_url}/debug_token", params={"input_token": token, "access_token": app_token}, timeout=5)


def error_of(response: requests.Response) -> dict[str, Any]:
    return response.json()["error"]
