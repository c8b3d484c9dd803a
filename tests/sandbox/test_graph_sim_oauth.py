"""Facebook Login in the Graph API simulator, over real HTTP as our connect flow uses it."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from graph_sim_login import (
    APP_ID,
    APP_SECRET,
    PAGE,
    PAGE_ID,
    REDIRECT_URI,
    SCOPE,
    USER,
    WEBHOOK_FIELDS,
    accounts,
    connect,
    debug,
    dialog,
    error_of,
    exchange,
    fixture_http,  # noqa: F401 - a fixture, requested by name
    fixture_sim,  # noqa: F401 - a fixture, requested by name
    login,
    redirect_query,
    subscribe,
)

from sandbox import graph_sim
from sandbox.graph_sim import DEFAULT_SCOPES, GraphSimulator, SimUser

ACCOUNT_FIELDS = "id,name,access_token,instagram_business_account{id,username}"


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
