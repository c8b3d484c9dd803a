"""The Slack stand-in's "Add to Slack": authorize and oauth.v2.access as strict as Slack's."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.slack_stub import SlackStub

CLIENT_ID, SECRET = "1111.2222", "stub-client-secret"
REDIRECT = "https://fbsync.example.com/slack/oauth_redirect"


@pytest.fixture
def stub() -> Iterator[SlackStub]:
    with SlackStub(token="xoxb-first", team_id="T0FIRST") as server:
        server.enable_oauth(CLIENT_ID, SECRET, [REDIRECT])
        server.install_as("T0SECOND", "Second Co", "U0ADA")
        yield server


def authorize(stub: SlackStub, **params: str) -> requests.Response:
    query = {"client_id": CLIENT_ID, "scope": "chat:write,commands", "state": "s1", "redirect_uri": REDIRECT}
    return requests.get(stub.authorize_url, params={**query, **params}, allow_redirects=False, timeout=5)


def code_of(answer: requests.Response) -> str:
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert location._replace(query="").geturl() == REDIRECT
    assert parse_qs(location.query)["state"] == ["s1"]
    return parse_qs(location.query)["code"][0]


def test_a_code_becomes_a_bot_token_of_the_installing_workspace_once(stub: SlackStub) -> None:
    client = WebClient(base_url=stub.base_url)
    code = code_of(authorize(stub))
    answer = client.oauth_v2_access(client_id=CLIENT_ID, client_secret=SECRET, code=code, redirect_uri=REDIRECT)
    assert answer["token_type"] == "bot" and answer["access_token"].startswith("xoxb-")
    assert answer["team"] == {"name": "Second Co", "id": "T0SECOND"} and answer["scope"] == "chat:write,commands"
    assert answer["authed_user"] == {"id": "U0ADA"} and answer["is_enterprise_install"] is False
    assert WebClient(token=answer["access_token"], base_url=stub.base_url).auth_test()["team_id"] == "T0SECOND"
    with pytest.raises(SlackApiError, match="invalid_code"):
        client.oauth_v2_access(client_id=CLIENT_ID, client_secret=SECRET, code=code, redirect_uri=REDIRECT)
    stub.uninstall("T0SECOND")
    with pytest.raises(SlackApiError, match="invalid_auth"):
        WebClient(token=answer["access_token"], base_url=stub.base_url).auth_test()


@pytest.mark.parametrize(
    "override, error",
    [
        ({"client_secret": "wrong"}, "bad_client_secret"),
        ({"client_id": "9999.9999"}, "invalid_client_id"),
        ({"redirect_uri": "https://elsewhere.example/cb"}, "bad_redirect_uri"),
    ],
)
def test_the_exchange_checks_the_app_and_the_redirect(stub: SlackStub, override: dict[str, str], error: str) -> None:
    arguments = {
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "code": code_of(authorize(stub)),
        "redirect_uri": REDIRECT,
        **override,
    }
    with pytest.raises(SlackApiError, match=error):
        WebClient(base_url=stub.base_url).oauth_v2_access(**arguments)


def test_authorize_refuses_an_unknown_app_redirect_or_scope(stub: SlackStub) -> None:
    assert authorize(stub, client_id="9999.9999").text == "invalid_client_id"
    assert authorize(stub, redirect_uri="https://elsewhere.example/cb").text == "bad_redirect_uri"
    assert authorize(stub, scope="chat:write,Not A Scope").text == "invalid_scope"
