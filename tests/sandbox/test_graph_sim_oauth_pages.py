"""Page management in the Graph API simulator (the user's pages, webhook subscriptions, token debugging),
over real HTTP as our connect flow uses it."""

from __future__ import annotations

import dataclasses
import time
from urllib.parse import urlsplit

import pytest
import requests
from graph_sim_login import (
    APP_ID,
    APP_TOKEN,
    PAGE,
    PAGE_ID,
    USER,
    WEBHOOK_FIELDS,
    accounts,
    connect,
    debug,
    error_of,
    fixture_http,  # noqa: F401 - a fixture, requested by name
    fixture_sim,  # noqa: F401 - a fixture, requested by name
    subscribe,
)

from sandbox.graph_sim import GraphSimulator, SimPage, SimUser

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
