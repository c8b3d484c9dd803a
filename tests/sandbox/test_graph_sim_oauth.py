"""Facebook Login and page management in the Graph API simulator, over real HTTP as our connect flow uses them."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sandbox import graph_sim
from sandbox.graph_sim import DEFAULT_SCOPES, DEMO_PAGE, GraphSimulator, SimPage, SimUser

ANCHOR = datetime(2026, 11, 24, 10, 15, 3, tzinfo=UTC)
PAGE = dataclasses.replace(DEMO_PAGE, anchor=ANCHOR)
PAGE_ID = PAGE.page_id
USER = SimUser(user_id="10229000000000001", name="Ada Owner", page_ids=[PAGE_ID])
APP_ID = "1234567890"
APP_SECRET = "sim-app-secret"
APP_TOKEN = f"{APP_ID}|{APP_SECRET}"
REDIRECT_URI = "https://fbsync.example/oauth/callback"
SCOPE = ",".join(DEFAULT_SCOPES)
ACCOUNT_FIELDS = "id,name,access_token,instagram_business_account{id,username}"
WEBHOOK_FIELDS = "messages,message_echoes,messaging_postbacks,standby"


@pytest.fixture
def sim() -> Iterator[GraphSimulator]:
    with GraphSimulator(pages=[PAGE]) as simulator:
        simulator.add_user(USER)
        yield simulator
        assert simulator.errors == []


@pytest.fixture
def http() -> Iterator[requests.Session]:
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


# --- The connect flow ----------------------------------------------------------------------------


def test_full_connect_flow(sim: GraphSimulator, http: requests.Session) -> None:
    answer = redirect_query(dialog(http, sim))
    assert set(answer) == {"code", "state"} and answer["state"] == "st-42"

    short = exchange(http, sim, answer["code"])
    assert short.status_code == 200
    body = short.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 5183944
    long_lived = http.get(
        f"{sim.base_url}/oauth/access_token",
        params={
            "grant_type": "fb_exchange_token",
            "client_id": APP_ID,
            "client_secret": APP_SECRET,
            "fb_exchange_token": body["access_token"],
        },
        timeout=5,
    ).json()
    user_token = long_lived["access_token"]
    assert user_token != body["access_token"]
    assert (long_lived["token_type"], long_lived["expires_in"]) == ("bearer", 5183944)

    me = http.get(f"{sim.base_url}/me", headers={"Authorization": f"Bearer {user_token}"}, timeout=5).json()
    assert me == {"name": "Ada Owner", "id": USER.user_id}
    listing = accounts(http, sim, user_token, fields=ACCOUNT_FIELDS).json()
    assert listing["data"] == [
        {
            "id": PAGE_ID,
            "name": PAGE.name,
            "access_token": PAGE.token,
            "instagram_business_account": {"id": "17841400000000001", "username": "bluebirdcoffee"},
        }
    ]
    assert set(listing["paging"]["cursors"]) == {"before", "after"} and "next" not in listing["paging"]

    page_token = listing["data"][0]["access_token"]
    subscribed = subscribe(http, sim, page_token)
    assert subscribed.status_code == 200 and subscribed.json() == {"success": True}
    assert sim.subscriptions(PAGE_ID) == WEBHOOK_FIELDS.split(",")
    apps = http.get(f"{sim.base_url}/{PAGE_ID}/subscribed_apps", params={"access_token": page_token}, timeout=5)
    assert apps.json() == {"data": [{"name": "fbsync", "id": APP_ID, "subscribed_fields": WEBHOOK_FIELDS.split(",")}]}

    page_info = debug(http, sim, page_token).json()["data"]
    now = int(time.time())
    assert page_info["is_valid"] is True and "error" not in page_info
    assert (page_info["type"], page_info["app_id"], page_info["application"]) == ("PAGE", APP_ID, "fbsync")
    assert (page_info["expires_at"], page_info["profile_id"], page_info["user_id"]) == (0, PAGE_ID, USER.user_id)
    assert abs(page_info["data_access_expires_at"] - (now + 90 * 86400)) < 60 and page_info["issued_at"] <= now
    assert set(page_info["scopes"]) == {"public_profile", *DEFAULT_SCOPES}
    user_info = debug(http, sim, user_token).json()["data"]
    assert (user_info["type"], user_info["user_id"], user_info["is_valid"]) == ("USER", USER.user_id, True)
    assert abs(user_info["expires_at"] - (now + 5183944)) < 60


def test_dialog_appends_to_a_redirect_uri_with_a_query_and_omits_an_absent_state(
    sim: GraphSimulator, http: requests.Session
) -> None:
    response = http.get(
        f"{sim.base_url}/dialog/oauth",
        params={
            "client_id": APP_ID,
            "redirect_uri": f"{REDIRECT_URI}?team=T1",
            "scope": SCOPE,
        },
        allow_redirects=False,
        timeout=5,
    )
    location = urlsplit(response.headers["Location"])
    assert set(parse_qs(location.query)) == {"team", "code"}


def test_denied_consent_redirects_with_meta_error(sim: GraphSimulator, http: requests.Session) -> None:
    sim.consent_as(USER.user_id, deny=True)
    answer = redirect_query(dialog(http, sim))
    assert answer == {
        "error": "access_denied",
        "error_code": "200",
        "error_description": "Permissions error",
        "error_reason": "user_denied",
        "state": "st-42",
    }
    assert "error_description=Permissions+error" in dialog(http, sim).headers["Location"]


def test_declined_scopes_show_in_permissions_and_token_scopes(sim: GraphSimulator, http: requests.Session) -> None:
    sim.add_user(
        SimUser(
            user_id="10229000000000002",
            name="Bo Partial",
            page_ids=[PAGE_ID],
            granted=[scope for scope in DEFAULT_SCOPES if scope != "instagram_manage_messages"],
        )
    )
    sim.consent_as("10229000000000002", declined=["instagram_basic"])
    user_token = connect(http, sim)

    permissions = http.get(f"{sim.base_url}/me/permissions", params={"access_token": user_token}, timeout=5).json()
    statuses = {entry["permission"]: entry["status"] for entry in permissions["data"]}
    assert statuses == {
        "public_profile": "granted",
        "pages_show_list": "granted",
        "pages_messaging": "granted",
        "pages_read_engagement": "granted",
        "pages_manage_metadata": "granted",
        "instagram_basic": "declined",  # unticked at the dialog
        "instagram_manage_messages": "declined",  # not among what this user grants
    }
    scopes = debug(http, sim, user_token).json()["data"]["scopes"]
    assert "instagram_basic" not in scopes and "pages_manage_metadata" in scopes


def test_dialog_errors_are_html_pages(sim: GraphSimulator, http: requests.Session) -> None:
    wrong_app = dialog(http, sim, client_id="999")
    assert wrong_app.status_code == 400 and wrong_app.headers["Content-Type"].startswith("text/html")
    assert "Invalid App ID" in wrong_app.text
    typo = dialog(http, sim, scope="pages_show_list,pages_messsaging")
    assert typo.status_code == 400 and "Invalid Scopes: pages_messsaging" in typo.text


# --- Code exchange errors ------------------------------------------------------------------------


def test_codes_are_single_use(sim: GraphSimulator, http: requests.Session) -> None:
    code = login(http, sim)
    assert exchange(http, sim, code).status_code == 200
    reused = exchange(http, sim, code)
    assert reused.status_code == 400
    error = error_of(reused)
    assert (error["code"], error["error_subcode"], error["type"]) == (100, 36009, "OAuthException")
    assert error["message"] == "This authorization code has been used." and error["fbtrace_id"]
    assert error_of(exchange(http, sim, "AQnever-issued"))["error_subcode"] == 36009


def test_expired_code(sim: GraphSimulator, http: requests.Session, monkeypatch: pytest.MonkeyPatch) -> None:
    code = login(http, sim)
    monkeypatch.setattr(graph_sim, "CODE_LIFETIME_SECONDS", 0)
    error = error_of(exchange(http, sim, code))
    assert (error["code"], error["error_subcode"]) == (100, 36007)
    assert error["message"] == "This authorization code has expired."


def test_wrong_client_credentials_leave_the_code_usable(sim: GraphSimulator, http: requests.Session) -> None:
    code = login(http, sim)
    wrong_secret = exchange(http, sim, code, client_secret="guess")
    assert wrong_secret.status_code == 400
    assert error_of(wrong_secret) | {"fbtrace_id": ""} == {
        "message": "Error validating client secret.",
        "type": "OAuthException",
        "code": 1,
        "fbtrace_id": "",
    }
    assert error_of(exchange(http, sim, code, client_id="999"))["code"] == 101
    assert exchange(http, sim, code).status_code == 200


def test_redirect_uri_must_match_the_dialogs(sim: GraphSimulator, http: requests.Session) -> None:
    code = login(http, sim)
    error = error_of(exchange(http, sim, code, redirect_uri="https://fbsync.example/other"))
    assert (error["code"], error["error_subcode"]) == (100, 36008)
    assert error["message"].startswith("Error validating verification code. Please make sure your redirect_uri")
    missing = exchange(http, sim, code, redirect_uri="")
    assert (error_of(missing)["code"], error_of(missing)["message"]) == (191, "Missing redirect_uri parameter.")
    assert exchange(http, sim, code).status_code == 200  # fixing the redirect_uri is enough


def test_long_lived_exchange_needs_a_valid_user_token(sim: GraphSimulator, http: requests.Session) -> None:
    response = http.get(
        f"{sim.base_url}/oauth/access_token",
        params={
            "grant_type": "fb_exchange_token",
            "client_id": APP_ID,
            "client_secret": APP_SECRET,
            "fb_exchange_token": PAGE.token,
        },
        timeout=5,
    )
    assert response.status_code == 400 and error_of(response)["code"] == 190


# --- /me/accounts and token kinds ----------------------------------------------------------------


def test_bad_tokens_on_user_and_page_endpoints(sim: GraphSimulator, http: requests.Session) -> None:
    for token in ("nope", APP_TOKEN):
        response = accounts(http, sim, token)
        assert response.status_code == 400 and error_of(response)["code"] == 190
        assert response.headers["WWW-Authenticate"].startswith('OAuth "Facebook Platform" "invalid_token"')
    with_page_token = accounts(http, sim, PAGE.token)
    assert error_of(with_page_token)["message"] == (
        "(#100) Tried accessing nonexisting field (accounts) on node type (Page)"
    )
    user_token = connect(http, sim)
    conversations = http.get(f"{sim.base_url}/{PAGE_ID}/conversations", params={"access_token": user_token}, timeout=5)
    assert error_of(conversations)["code"] == 210  # a user token where a page token belongs


def test_accounts_pages_through_thirty_pages(http: requests.Session) -> None:
    pages = [
        SimPage(page_id=f"2000000000000{n:02d}", name=f"Shop {n}", token=f"page-token-{n}", messenger_count=0)
        for n in range(30)
    ]
    with GraphSimulator(pages=pages) as sim:
        sim.add_user(SimUser(user_id="10229000000000003", name="Many Pages", page_ids=[p.page_id for p in pages]))
        user_token = connect(http, sim)

        first = accounts(http, sim, user_token).json()
        assert len(first["data"]) == 25
        assert set(first["data"][0]) == {"access_token", "category", "name", "id", "tasks"}  # Meta's defaults
        assert first["data"][0]["category"] == "Local business" and "MESSAGING" in first["data"][0]["tasks"]
        next_url = first["paging"]["next"]
        assert urlsplit(next_url).path == "/v25.0/10229000000000003/accounts" and "limit=25" in next_url
        second = http.get(next_url, timeout=5).json()
        assert len(second["data"]) == 5 and "next" not in second["paging"]
        listed = [account["id"] for account in first["data"] + second["data"]]
        assert listed == [page.page_id for page in pages]

        body = accounts(http, sim, user_token, limit=10, fields="id").json()
        walked, calls = [account["id"] for account in body["data"]], 1
        while "next" in body["paging"]:
            body = http.get(body["paging"]["next"], timeout=5).json()
            walked += [account["id"] for account in body["data"]]
            calls += 1
        assert walked == listed and calls == 3
        bad_cursor = accounts(http, sim, user_token, after="not-a-cursor")
        assert bad_cursor.status_code == 400 and error_of(bad_cursor)["code"] == 100
        assert sim.errors == []


def test_accounts_field_selection(sim: GraphSimulator, http: requests.Session) -> None:
    user_token = connect(http, sim)
    listing = accounts(http, sim, user_token, fields="name,category,instagram_business_account").json()
    assert listing["data"] == [
        {
            "name": PAGE.name,
            "category": "Coffee Shop",
            "instagram_business_account": {"id": "17841400000000001"},
            "id": PAGE_ID,
        }
    ]
    unknown = accounts(http, sim, user_token, fields="id,nope")
    assert error_of(unknown)["message"] == "(#100) Tried accessing nonexisting field (nope) on node type (Page)"


def test_accounts_is_empty_without_pages_show_list(sim: GraphSimulator, http: requests.Session) -> None:
    sim.consent_as(USER.user_id, declined=["pages_show_list"])
    assert accounts(http, sim, connect(http, sim)).json() == {"data": []}


# --- subscribed_apps -----------------------------------------------------------------------------


def test_subscribe_needs_pages_manage_metadata(sim: GraphSimulator, http: requests.Session) -> None:
    sim.consent_as(USER.user_id, declined=["pages_manage_metadata"])
    page_token = accounts(http, sim, connect(http, sim)).json()["data"][0]["access_token"]
    response = subscribe(http, sim, page_token)
    assert response.status_code == 403
    assert error_of(response) | {"fbtrace_id": ""} == {
        "message": "(#200) Permissions error",
        "type": "OAuthException",
        "code": 200,
        "fbtrace_id": "",
    }
    assert sim.subscriptions(PAGE_ID) == []


def test_subscribe_checks_fields_and_messaging_permission(sim: GraphSimulator, http: requests.Session) -> None:
    sim.consent_as(USER.user_id, declined=["pages_messaging"])
    page_token = accounts(http, sim, connect(http, sim)).json()["data"][0]["access_token"]
    url = f"{sim.base_url}/{PAGE_ID}/subscribed_apps"
    no_messaging = subscribe(http, sim, page_token)
    assert error_of(no_messaging)["message"] == (
        "(#100) To subscribe to the messages field, one of these permissions is needed: pages_messaging"
    )
    unknown = http.post(url, params={"subscribed_fields": "feed,mesages", "access_token": page_token}, timeout=5)
    assert error_of(unknown)["code"] == 100 and "subscribed_fields[1] must be one of" in error_of(unknown)["message"]
    missing = http.post(url, params={"access_token": page_token}, timeout=5)
    assert error_of(missing)["message"] == "(#100) The parameter subscribed_fields is required"
    feed_only = http.post(url, params={"subscribed_fields": "feed", "access_token": page_token}, timeout=5)
    assert feed_only.json() == {"success": True} and sim.subscriptions(PAGE_ID) == ["feed"]
    assert http.delete(url, params={"access_token": page_token}, timeout=5).json() == {"success": True}
    assert http.get(url, params={"access_token": page_token}, timeout=5).json() == {"data": []}


def test_subscribe_with_a_wrong_token_is_190_and_survives_reconnecting(
    sim: GraphSimulator, http: requests.Session
) -> None:
    wrong = subscribe(http, sim, "nope")
    assert wrong.status_code == 400 and error_of(wrong)["code"] == 190
    # A page nobody logged in for yet (as in the sync tests) carries the default scopes.
    assert subscribe(http, sim, PAGE.token).status_code == 200
    sim.add_page(dataclasses.replace(PAGE, token="fresh-token"))
    assert sim.subscriptions(PAGE_ID) == WEBHOOK_FIELDS.split(",")


# --- debug_token ---------------------------------------------------------------------------------


def test_debug_token_reports_a_revoked_page_token(sim: GraphSimulator, http: requests.Session) -> None:
    sim.inject(PAGE_ID, "token_invalid", permanent=True, error_subcode=460)
    listing = http.get(f"{sim.base_url}/{PAGE_ID}/conversations", params={"access_token": PAGE.token}, timeout=5)
    assert error_of(listing)["error_subcode"] == 460  # the call that revokes it
    response = debug(http, sim, PAGE.token)
    assert response.status_code == 200
    info = response.json()["data"]
    assert info["is_valid"] is False and info["type"] == "PAGE"
    assert info["error"]["code"] == 190 and info["error"]["subcode"] == 460
    assert info["error"]["message"].startswith("Error validating access token: The session has been invalidated")


def test_debug_token_reports_expiring_and_expired_page_tokens(sim: GraphSimulator, http: requests.Session) -> None:
    soon = int(time.time()) + 3 * 86400
    sim.expire_token(PAGE_ID, soon)
    info = debug(http, sim, PAGE.token).json()["data"]
    assert (info["is_valid"], info["expires_at"], info["data_access_expires_at"]) == (True, soon, soon)
    conversations_url = f"{sim.base_url}/{PAGE_ID}/conversations"
    assert http.get(conversations_url, params={"access_token": PAGE.token}, timeout=5).status_code == 200

    sim.expire_token(PAGE_ID, int(time.time()) - 60)
    info = debug(http, sim, PAGE.token).json()["data"]
    assert info["is_valid"] is False and (info["error"]["code"], info["error"]["subcode"]) == (190, 463)
    expired = http.get(conversations_url, params={"access_token": PAGE.token}, timeout=5)
    assert (error_of(expired)["code"], error_of(expired)["error_subcode"]) == (190, 463)
    with pytest.raises(ValueError):
        sim.expire_token("nope", soon)


def test_debug_token_needs_the_app_token(sim: GraphSimulator, http: requests.Session) -> None:
    for app_token in (f"{APP_ID}|wrong", PAGE.token):
        response = debug(http, sim, PAGE.token, app_token=app_token)
        assert response.status_code == 400 and error_of(response)["code"] == 190
    unknown = debug(http, sim, "EAAnot-a-token").json()["data"]
    assert unknown["is_valid"] is False and unknown["error"]["code"] == 190 and unknown["scopes"] == []


# --- Faults --------------------------------------------------------------------------------------


def test_fail_oauth_code_exchange_is_transient_and_keeps_the_code(sim: GraphSimulator, http: requests.Session) -> None:
    code = login(http, sim)
    sim.fail_oauth("code_exchange")
    failed = exchange(http, sim, code)
    assert failed.status_code == 500
    error = error_of(failed)
    assert (error["code"], error["is_transient"]) == (2, True)
    assert error["message"].startswith("An unexpected error has occurred")
    assert exchange(http, sim, code).status_code == 200  # once only, and the retry redeems the code


def test_fail_oauth_subscribe_fails_the_next_post_once(sim: GraphSimulator, http: requests.Session) -> None:
    sim.fail_oauth("subscribe")
    failed = subscribe(http, sim, PAGE.token)
    assert failed.status_code == 400 and error_of(failed)["code"] == 100
    assert error_of(failed)["message"].startswith("(#100) ")
    assert sim.subscriptions(PAGE_ID) == []
    assert subscribe(http, sim, PAGE.token).status_code == 200
    with pytest.raises(ValueError):
        sim.fail_oauth("meteor")


def test_clear_faults_disarms_oauth_faults(sim: GraphSimulator, http: requests.Session) -> None:
    sim.fail_oauth("subscribe")
    sim.clear_faults()
    assert subscribe(http, sim, PAGE.token).status_code == 200


# --- Log and control surface ---------------------------------------------------------------------


def test_request_log_never_holds_tokens_secrets_or_codes(sim: GraphSimulator, http: requests.Session) -> None:
    code = login(http, sim)
    short = exchange(http, sim, code).json()["access_token"]
    long_lived = http.get(
        f"{sim.base_url}/oauth/access_token",
        params={
            "grant_type": "fb_exchange_token",
            "client_id": APP_ID,
            "client_secret": APP_SECRET,
            "fb_exchange_token": short,
        },
        timeout=5,
    ).json()["access_token"]
    page_token = accounts(http, sim, long_lived, fields=ACCOUNT_FIELDS).json()["data"][0]["access_token"]
    subscribe(http, sim, page_token)
    debug(http, sim, page_token)

    recorded = sim.requests
    dumped = json.dumps(recorded)
    for secret in (code, short, long_lived, page_token, APP_SECRET):
        assert secret not in dumped
    assert [(r["path"], r["status"], r["authorized"]) for r in recorded] == [
        ("/v25.0/dialog/oauth", 302, False),
        ("/v25.0/oauth/access_token", 200, True),
        ("/v25.0/oauth/access_token", 200, True),
        ("/v25.0/me/accounts", 200, True),
        ("/v25.0/104857600000001/subscribed_apps", 200, True),
        ("/v25.0/debug_token", 200, True),
    ]
    assert recorded[1]["params"] == {
        "client_id": APP_ID,
        "redirect_uri": REDIRECT_URI,
        "client_secret": "[redacted]",
        "code": "[redacted]",
    }
    assert recorded[2]["params"]["fb_exchange_token"] == "[redacted]"
    assert recorded[4]["params"] == {"subscribed_fields": WEBHOOK_FIELDS} and recorded[4]["page_id"] == PAGE_ID
    assert recorded[5]["params"] == {"input_token": "[redacted]"} and recorded[0]["page_id"] is None


def test_control_endpoints_over_http(sim: GraphSimulator, http: requests.Session) -> None:
    control = sim.base_url.rsplit("/", 1)[0] + "/_sim"
    user = {
        "user_id": "10229000000000004",
        "name": "Cy Remote",
        "page_ids": [PAGE_ID],
        "granted": ["pages_show_list", "pages_manage_metadata"],
    }
    assert http.post(f"{control}/users", json=user).ok
    assert http.post(f"{control}/consent", json={"user_id": "10229000000000004", "declined": []}).ok
    user_token = connect(http, sim, scope="pages_show_list,pages_manage_metadata")
    assert http.get(f"{sim.base_url}/me", params={"access_token": user_token}, timeout=5).json()["name"] == "Cy Remote"
    assert http.post(f"{control}/oauth_faults", json={"kind": "subscribe"}).ok
    assert subscribe(http, sim, PAGE.token).status_code == 400
    assert http.post(f"{control}/token_expiry", json={"page_id": PAGE_ID, "expires_at": 1}).ok
    assert debug(http, sim, PAGE.token).json()["data"]["is_valid"] is False

    assert http.post(f"{control}/consent", json={"user_id": "404"}).status_code == 400
    assert http.post(f"{control}/users", json={**user, "page_ids": ["404"]}).status_code == 400
    assert http.post(f"{control}/oauth_faults", json={"kind": "meteor"}).status_code == 400


def test_users_are_validated() -> None:
    with GraphSimulator(pages=[PAGE]) as sim:
        with pytest.raises(ValueError):
            sim.add_user(SimUser(user_id="10229000000000005", name="Ghost", page_ids=["999"]))
        with pytest.raises(ValueError):
            sim.consent_as("10229000000000005")
    with pytest.raises(ValueError):
        SimUser(user_id="ada", name="Ada")
    with pytest.raises(ValueError):
        SimUser(user_id="10229000000000006", name="Ada", page_ids=PAGE_ID)  # one id, not a list


def test_dialog_without_users_says_so(http: requests.Session) -> None:
    with GraphSimulator(pages=[PAGE]) as sim:
        response = dialog(http, sim)
        assert response.status_code == 400 and "add_user()" in response.text
