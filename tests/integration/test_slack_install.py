"""Add to Slack: Bolt's OAuth flow through the Slack stand-in's authorize and oauth.v2.access,
installations in PostgreSQL with encrypted bot tokens, each workspace answered with its own token
by the web app and the workers, and the token forgotten when the app is uninstalled."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests

from conftest import ADMIN, ENCRYPTION_KEY, SALES_CHANNEL, SIGNING_SECRET, TEAM_ID, serve_app
from core.config import Settings
from sandbox.graph_sim import SimPage
from sandbox.processes import wait_for
from sandbox.slack_requests import post_signed, post_signed_event, slash_command_form
from worker import jobs as worker_jobs

CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "test-slack-client-secret-7c6b5a"
SECOND_TEAM = "T0SECOND"
SHOP = SimPage(page_id="960000000000001", name="Second Shop", token="second-shop-token-1", messenger_count=4)


@pytest.fixture
def multi_settings(service_settings: Settings) -> Settings:
    return replace(service_settings, slack_bot_token=None, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET)


@pytest.fixture
def web(multi_settings: Settings, slack: Any, pool: Any, sync_queue: Any) -> Iterator[str]:
    with serve_app(multi_settings) as url:
        slack.enable_oauth(CLIENT_ID, CLIENT_SECRET, [f"{url}/slack/oauth_redirect"])
        yield url


class Browser:
    """The three hops of "Add to Slack": fbsync's install link, Slack's consent, fbsync's callback.

    Bolt's state cookie is `Secure` (production is HTTPS); over the tests' plain HTTP it is carried
    by hand, as a browser carries it over HTTPS.
    """

    def __init__(self, web: str) -> None:
        self.web = web
        self.cookie = ""

    def start(self) -> str:
        to_slack = requests.get(f"{self.web}/slack/install", allow_redirects=False, timeout=10)
        assert to_slack.status_code == 302, to_slack.text
        self.cookie = to_slack.headers["Set-Cookie"].split(";", 1)[0]
        back = requests.get(to_slack.headers["Location"], allow_redirects=False, timeout=10)
        assert back.status_code == 302, back.text
        return back.headers["Location"]

    def finish(self, callback: str) -> requests.Response:
        return requests.get(callback, headers={"Cookie": self.cookie}, allow_redirects=False, timeout=10)


def install(web: str, slack: Any, team_id: str, team_name: str) -> requests.Response:
    slack.install_as(team_id, team_name, ADMIN)
    browser = Browser(web)
    return browser.finish(browser.start())


def installed(pool: Any) -> dict[str, dict[str, Any]]:
    with pool.connection() as conn:
        rows = conn.execute("SELECT * FROM slack_installations ORDER BY team_id").fetchall()
    return {row["team_id"]: row for row in rows}


def calls_by_team(slack: Any, method: str) -> set[str]:
    return {call["team"] for call in slack.calls_to(method) if call["ok"]}


def test_two_workspaces_install_and_each_is_served_with_its_own_token(
    web: str,
    slack: Any,
    pool: Any,
    sim: Any,
    connect_page: Callable[..., Any],
    sync_queue: Any,
    multi_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for team_id, name in ((TEAM_ID, "First Co"), (SECOND_TEAM, "Second Co")):
        done = install(web, slack, team_id, name)
        assert done.status_code == 200, done.text
    rows = installed(pool)
    assert set(rows) == {TEAM_ID, SECOND_TEAM}
    assert rows[SECOND_TEAM]["bot_scopes"] == "chat:write,commands,files:write,im:write,users:read"
    assert rows[SECOND_TEAM]["installer_user_id"] == ADMIN
    assert all(row["bot_token_ciphertext"].startswith("gAAAA") for row in rows.values())  # Fernet, not xoxb-
    with pool.connection() as conn:
        organizations = conn.execute("SELECT slack_team_id, name FROM organizations ORDER BY id").fetchall()
    assert [(o["slack_team_id"], o["name"]) for o in organizations] == [
        (TEAM_ID, "First Co"),
        (SECOND_TEAM, "Second Co"),
    ]

    # The second workspace syncs its page: the web app posts the thread's parent with its token...
    sim.add_page(SHOP)
    connect_page(SHOP, team=SECOND_TEAM)
    before = len(slack.responses)
    ack = post_signed(
        web,
        slash_command_form(
            "sync second",
            team_id=SECOND_TEAM,
            user_id=ADMIN,
            channel_id=SALES_CHANNEL,
            response_url=slack.response_url(),
        ),
        SIGNING_SECRET,
    )
    assert ack.status_code == 200
    wait_for(lambda: len(slack.responses) > before, 10, "the command's reply")
    assert calls_by_team(slack, "chat.postMessage") == {SECOND_TEAM}

    # ... and the worker reports the sync's progress with the same workspace's token.
    for name, value in {
        "DATABASE_URL": multi_settings.database_url,
        "REDIS_URL": multi_settings.redis_url,
        "FB_GRAPH_URL": multi_settings.graph_url,
        "FBSYNC_GRAPH_CALLS_PER_SECOND": "200",
        "SLACK_API_URL": multi_settings.slack_api_url,
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "FBSYNC_ENCRYPTION_KEY": ENCRYPTION_KEY,
    }.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.delenv("GEMINI_API_KEYS", raising=False)
    with pool.connection() as conn:
        job_id = conn.execute("SELECT max(id) AS id FROM sync_jobs").fetchone()["id"]
    slack.reset()
    assert worker_jobs.run_sync(job_id) == "COMPLETED"
    assert calls_by_team(slack, "chat.update") == {SECOND_TEAM}
    assert calls_by_team(slack, "chat.postMessage") == {SECOND_TEAM}

    # Uninstalled: Slack revokes the token and tells us; the token is forgotten, the pages stay.
    slack.uninstall(SECOND_TEAM)
    told = post_signed_event(web, SECOND_TEAM, {"type": "app_uninstalled"}, SIGNING_SECRET)
    assert told.status_code == 200
    # Bolt acknowledges events first and handles them just after.
    wait_for(lambda: set(installed(pool)) == {TEAM_ID}, 10, "the token to be forgotten")
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM facebook_pages").fetchone()["n"] == 1
        job = conn.execute(
            "INSERT INTO sync_jobs (facebook_page_id, status, requested_by, slack_channel, slack_thread_ts)"
            " SELECT id, 'PENDING', %s, %s, '1.000001' FROM facebook_pages RETURNING id",
            (ADMIN, SALES_CHANNEL),
        ).fetchone()
    slack.reset()
    assert worker_jobs.run_sync(job["id"]) == "COMPLETED"  # the sync runs; Slack is not called without a token
    assert slack.calls == []


def test_tokens_revoked_forgets_the_bot_token(web: str, slack: Any, pool: Any) -> None:
    install(web, slack, SECOND_TEAM, "Second Co")
    told = post_signed_event(web, SECOND_TEAM, {"type": "tokens_revoked", "tokens": {"bot": ["U0BOT"]}}, SIGNING_SECRET)
    assert told.status_code == 200
    wait_for(lambda: installed(pool) == {}, 10, "the token to be forgotten")


def test_a_forged_or_replayed_state_installs_nothing(web: str, slack: Any, pool: Any) -> None:
    slack.install_as(SECOND_TEAM, "Second Co", ADMIN)
    browser = Browser(web)
    callback = browser.start()
    forged = requests.get(callback, timeout=10)  # another browser, without the state cookie
    assert forged.status_code >= 400 and installed(pool) == {}
    assert browser.finish(callback).status_code == 200
    assert browser.finish(callback).status_code >= 400  # the state and the code work once
    assert set(installed(pool)) == {SECOND_TEAM}


def test_the_install_link_is_refused_in_single_workspace_mode(service_settings: Settings, pool: Any) -> None:
    with serve_app(service_settings) as url:
        assert requests.get(f"{url}/slack/install", timeout=10).status_code == 404
