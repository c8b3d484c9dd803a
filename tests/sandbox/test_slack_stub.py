"""The Slack stand-in, driven by the real slack_sdk WebClient over HTTP the way production calls it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from sandbox.slack_stub import SlackStub

TOKEN = "xoxb-test-0123456789"
SALES = "C0SALES"
PRIVATE = "C0PRIVATE"
ADMIN = "U0ADMIN"
MEMBER = "U0MEMBER"
REPO_ROOT = Path(__file__).resolve().parents[2]
SECTION: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": "*Sync started*"}}


@pytest.fixture
def stub() -> Iterator[SlackStub]:
    with SlackStub(token=TOKEN, team_id="T0FBSYNC", bot_user_id="U0BOT") as server:
        server.add_channel(SALES, "sales")
        server.add_channel(PRIVATE, "private", bot_is_member=False)
        server.add_user(ADMIN, "ana", is_admin=True)
        server.add_user(MEMBER, "bruno")
        yield server
        assert server.errors == []


@pytest.fixture
def client(stub: SlackStub) -> WebClient:
    # Production's default retry handlers (connection errors only): a 429 surfaces as SlackApiError.
    return WebClient(token=TOKEN, base_url=stub.base_url)


def slack_error(excinfo: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(excinfo.value.response["error"])


# --- Identity ------------------------------------------------------------------------------------


def test_auth_test_names_the_bot(stub: SlackStub, client: WebClient) -> None:
    assert stub.base_url.startswith("http://127.0.0.1:") and stub.base_url.endswith("/api/")
    answer = client.auth_test()
    assert answer.data == {
        "ok": True,
        "url": "https://fbsync-test.slack.com/",
        "team": "fbsync test",
        "user": "fbsync",
        "team_id": "T0FBSYNC",
        "user_id": "U0BOT",
        "bot_id": "B0BOT",
        "is_enterprise_install": False,
    }
    assert stub.calls_to("auth.test")[0]["ok"] is True


def test_users_info_reports_admin_flags(client: WebClient) -> None:
    ana = client.users_info(user=ADMIN)["user"]
    assert ana["id"] == ADMIN and ana["is_admin"] is True and ana["is_bot"] is False
    assert ana["profile"]["display_name"] == "ana"
    assert client.users_info(user=MEMBER)["user"]["is_admin"] is False
    assert client.users_info(user="U0BOT")["user"]["is_bot"] is True
    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user="U0NOBODY")
    assert slack_error(excinfo) == "user_not_found"


def test_owners_are_admins_as_in_slack(stub: SlackStub, client: WebClient) -> None:
    stub.add_user("U0OWNER", "olga", is_owner=True)
    olga = client.users_info(user="U0OWNER")["user"]
    assert olga["is_owner"] is True and olga["is_admin"] is True


# --- Messages ------------------------------------------------------------------------------------


def test_post_update_and_thread_replies(stub: SlackStub, client: WebClient) -> None:
    parent = client.chat_postMessage(channel=SALES, text="Sync started", blocks=[SECTION])
    assert parent["channel"] == SALES
    assert parent["message"]["user"] == "U0BOT" and parent["message"]["blocks"] == [SECTION]
    first = client.chat_postMessage(channel=SALES, thread_ts=parent["ts"], text="50/200 contacts")
    second = client.chat_postMessage(channel=SALES, thread_ts=parent["ts"], text="200/200 contacts")
    assert first["message"]["thread_ts"] == parent["ts"]
    assert parent["ts"] < first["ts"] < second["ts"]

    client.chat_update(channel=SALES, ts=parent["ts"], text="Sync running")
    updated = client.chat_update(channel=SALES, ts=parent["ts"], text="Sync done", blocks=[])
    assert updated["text"] == "Sync done" and "blocks" not in updated["message"]

    assert [m["text"] for m in stub.messages()] == ["Sync done", "50/200 contacts", "200/200 contacts"]
    head = stub.messages(channel=SALES)[0]
    assert head["updates"] == 2 and head["history"] == ["Sync started", "Sync running"] and head["blocks"] is None
    assert [m["ts"] for m in stub.thread(SALES, parent["ts"])] == [first["ts"], second["ts"]]

    permalink = client.chat_getPermalink(channel=SALES, message_ts=first["ts"])["permalink"]
    assert permalink == (
        f"https://fbsync-test.slack.com/archives/{SALES}/p{first['ts'].replace('.', '')}"
        f"?thread_ts={parent['ts']}&cid={SALES}"
    )


def test_update_or_link_of_unknown_message_is_message_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_update(channel=SALES, ts="1700000000.000100", text="x")
    assert slack_error(excinfo) == "message_not_found"
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_getPermalink(channel=SALES, message_ts="1700000000.000100")
    assert slack_error(excinfo) == "message_not_found"


def test_not_in_channel_then_dm_to_the_user(stub: SlackStub, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel=PRIVATE, text="Sync done")
    assert slack_error(excinfo) == "not_in_channel"
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C0GONE", text="Sync done")
    assert slack_error(excinfo) == "channel_not_found"

    dm = client.chat_postMessage(channel=MEMBER, text="Sync done (I am not in #private)")
    assert dm["channel"].startswith("D")
    assert client.conversations_open(users=MEMBER)["channel"]["id"] == dm["channel"]
    assert [m["text"] for m in stub.messages(channel=dm["channel"])] == ["Sync done (I am not in #private)"]
    # Editing a DM message needs the D id Slack answered with.
    client.chat_update(channel=dm["channel"], ts=dm["ts"], text="edited")
    assert stub.messages(channel=dm["channel"])[0]["text"] == "edited"


def test_a_post_needs_text_or_blocks_and_blocks_must_be_valid(client: WebClient) -> None:
    # The SDK warns before sending a post without text; Slack then refuses it.
    with pytest.raises(SlackApiError) as excinfo, pytest.warns(UserWarning, match="text"):
        client.chat_postMessage(channel=SALES)
    assert slack_error(excinfo) == "no_text"
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel=SALES, text="summary", blocks=[too_long])
    assert slack_error(excinfo) == "invalid_blocks"
    assert "json-pointer:/blocks/0/text/text" in excinfo.value.response["response_metadata"]["messages"][0]


def _mrkdwn(text: object) -> dict:
    return {"type": "mrkdwn", "text": text}


BUTTON = {"type": "button", "text": {"type": "plain_text", "text": "Cancel"}, "action_id": "fbsync_cancel"}


@pytest.mark.parametrize(
    "block, pointer, what",
    [
        ({"type": "sectoin", "text": _mrkdwn("hi")}, "/blocks/0/type", "unsupported type: sectoin"),
        ({"text": _mrkdwn("hi")}, "/blocks/0", "missing required field: type"),
        ({"type": "section"}, "/blocks/0", "must provide either text or fields"),
        ({"type": "section", "text": {"type": "markdown", "text": "hi"}}, "/blocks/0/text/type", "must be one of"),
        ({"type": "section", "text": _mrkdwn("")}, "/blocks/0/text/text", "must be more than 0 characters"),
        ({"type": "section", "fields": [_mrkdwn("x")] * 11}, "/blocks/0/fields", "no more than 10 items"),
        ({"type": "section", "fields": [_mrkdwn("x" * 2001)]}, "/blocks/0/fields/0/text", "less than 2001"),
        ({"type": "section", "text": _mrkdwn("hi"), "block_id": "b" * 256}, "/blocks/0/block_id", "less than 256"),
        ({"type": "header", "text": _mrkdwn("Title")}, "/blocks/0/text/type", "must be one of plain_text"),
        ({"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}, "/blocks/0/text/text", "less than 151"),
        # The DM-fallback bug: a whole message where a context element's text belongs.
        (
            {"type": "context", "elements": [_mrkdwn({"text": "note", "blocks": []})]},
            "/blocks/0/elements/0/text",
            "must be a string",
        ),
        ({"type": "context", "elements": []}, "/blocks/0/elements", "at least 1 item"),
        ({"type": "context", "elements": [_mrkdwn("x")] * 11}, "/blocks/0/elements", "no more than 10 items"),
        ({"type": "actions"}, "/blocks/0/elements", "missing required field: elements"),
        (
            {"type": "actions", "elements": [{**BUTTON, "text": {"type": "plain_text", "text": "x" * 76}}]},
            "/blocks/0/elements/0/text/text",
            "less than 76",
        ),
        (
            {"type": "actions", "elements": [{**BUTTON, "style": "loud"}]},
            "/blocks/0/elements/0/style",
            "primary, danger",
        ),
        (
            {
                "type": "actions",
                "elements": [
                    {
                        **BUTTON,
                        "confirm": {
                            "title": {"type": "plain_text", "text": "Sure?"},
                            "confirm": {"type": "plain_text", "text": "Yes"},
                            "deny": {"type": "plain_text", "text": "No"},
                        },
                    }
                ],
            },
            "/blocks/0/elements/0/confirm/text",
            "missing required field: text",
        ),
        ({"type": "image", "image_url": "https://x.example/a.png"}, "/blocks/0/alt_text", "missing required field"),
    ],
)
def test_blocks_slack_would_refuse_are_refused(client: WebClient, block, pointer, what) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel=SALES, text="fallback", blocks=[block])
    assert slack_error(excinfo) == "invalid_blocks"
    [message] = excinfo.value.response["response_metadata"]["messages"]
    assert message.startswith("[ERROR] ") and what in message and message.endswith(f"[json-pointer:{pointer}]")


def test_more_than_50_blocks_or_a_text_that_is_not_a_string_is_refused(client: WebClient, stub: SlackStub) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel=SALES, text="many", blocks=[SECTION] * 51)
    assert slack_error(excinfo) == "invalid_blocks"
    assert client.chat_postMessage(channel=SALES, text="fifty", blocks=[SECTION] * 50)["ok"]
    not_text = requests.post(
        f"{stub.base_url}chat.postMessage",
        headers={"Authorization": f"Bearer {TOKEN}"},
        json={"channel": SALES, "text": {"text": "a whole message"}},
        timeout=5,
    ).json()
    assert not_text == {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": ["[ERROR] must be a string [json-pointer:/text]"]},
    }
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_update(channel=SALES, ts=stub.messages()[0]["ts"], text="x", blocks=[{"type": "context"}])
    assert slack_error(excinfo) == "invalid_blocks"


def test_a_response_slack_could_not_render_is_refused_and_not_shown(stub: SlackStub) -> None:
    url = stub.response_url()
    broken: dict[str, Any] = {"type": "context", "elements": [_mrkdwn({"text": "a whole message"})]}
    answer = requests.post(url, json={"text": "Sync queued", "blocks": [SECTION, broken]}, timeout=5)
    assert (answer.status_code, answer.text) == (400, "invalid_blocks")
    assert requests.post(url, json={"text": {"not": "a string"}}, timeout=5).status_code == 400
    assert stub.responses == []


def test_form_encoded_blocks_are_decoded(stub: SlackStub) -> None:
    # A plain form post, token in the body as Slack also accepts: blocks arrive as JSON text.
    answer = requests.post(
        f"{stub.base_url}chat.postMessage",
        data={"token": TOKEN, "channel": "#sales", "text": "hi", "blocks": json.dumps([SECTION])},
        timeout=5,
    ).json()
    assert answer["ok"] is True and answer["channel"] == SALES
    assert stub.calls_to("chat.postMessage")[0]["args"] == {"channel": "#sales", "text": "hi", "blocks": [SECTION]}
    assert stub.messages()[0]["blocks"] == [SECTION]


def test_ephemeral_messages_are_recorded_apart(stub: SlackStub, client: WebClient) -> None:
    answer = client.chat_postEphemeral(channel=SALES, user=ADMIN, text="Only admins can run /fbsync sync")
    assert answer["message_ts"]
    assert stub.ephemerals == [
        {
            "channel": SALES,
            "user": ADMIN,
            "text": "Only admins can run /fbsync sync",
            "blocks": None,
            "thread_ts": None,
            "message_ts": answer["message_ts"],
        }
    ]
    assert stub.messages() == []


def test_concurrent_posts_get_unique_increasing_ts(stub: SlackStub) -> None:
    def post(worker: int) -> None:
        client = WebClient(token=TOKEN, base_url=stub.base_url)
        for index in range(5):
            client.chat_postMessage(channel=SALES, text=f"{worker}-{index}")

    threads = [threading.Thread(target=post, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps = [message["ts"] for message in stub.messages()]
    assert len(stamps) == 30 and stamps == sorted(set(stamps))


# --- Faults --------------------------------------------------------------------------------------


def test_rate_limit_is_retried_by_the_sdk_handler(stub: SlackStub) -> None:
    stub.rate_limit("chat.postMessage", retry_after=1)
    client = WebClient(
        token=TOKEN, base_url=stub.base_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
    )
    assert client.chat_postMessage(channel=SALES, text="after a pause")["ok"] is True
    attempts = stub.calls_to("chat.postMessage")
    assert [(call["status"], call["error"]) for call in attempts] == [(429, "ratelimited"), (200, None)]
    assert attempts[1]["at"] - attempts[0]["at"] >= 1.0
    assert len(stub.messages()) == 1


def test_rate_limit_without_a_retry_handler_raises_429(stub: SlackStub, client: WebClient) -> None:
    # A large Retry-After costs nothing here: nothing retries.
    stub.rate_limit("chat.update", times=2, retry_after=30)
    ts = client.chat_postMessage(channel=SALES, text="x")["ts"]
    for _ in range(2):
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_update(channel=SALES, ts=ts, text="y")
        assert excinfo.value.response.status_code == 429
        assert excinfo.value.response.headers["Retry-After"] == "30"
        assert slack_error(excinfo) == "ratelimited"
    assert client.chat_update(channel=SALES, ts=ts, text="y")["ok"] is True


def test_fail_answers_slack_errors_then_recovers(stub: SlackStub, client: WebClient) -> None:
    stub.fail("chat.postMessage", "internal_error", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel=SALES, text="x")
        assert excinfo.value.response.status_code == 200
        assert slack_error(excinfo) == "internal_error"
    assert client.chat_postMessage(channel=SALES, text="x")["ok"] is True
    assert [call["ok"] for call in stub.calls_to("chat.postMessage")] == [False, False, True]


def test_faults_are_checked_when_set(stub: SlackStub) -> None:
    with pytest.raises(ValueError):
        stub.fail("chat.postMesage", "internal_error")
    with pytest.raises(ValueError):
        stub.rate_limit("chat.postMessage", retry_after=0.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        stub.rate_limit("chat.postMessage", times=0)


def test_reset_forgets_traffic_and_faults_but_keeps_the_workspace(stub: SlackStub, client: WebClient) -> None:
    client.chat_postMessage(channel=SALES, text="x")
    stub.fail("auth.test", "internal_error")
    stub.reset()
    assert stub.calls == [] and stub.messages() == []
    assert client.auth_test()["ok"] is True
    assert client.users_info(user=ADMIN)["user"]["is_admin"] is True
    assert client.chat_postMessage(channel=SALES, text="y")["ok"] is True


# --- Auth ----------------------------------------------------------------------------------------


def test_wrong_or_missing_token(stub: SlackStub) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        WebClient(token="xoxb-wrong", base_url=stub.base_url).auth_test()
    assert slack_error(excinfo) == "invalid_auth"
    with pytest.raises(SlackApiError) as excinfo:
        WebClient(base_url=stub.base_url).auth_test()
    assert slack_error(excinfo) == "not_authed"
    with pytest.raises(SlackApiError) as excinfo:
        WebClient(token=TOKEN, base_url=stub.base_url).api_call("chat.nonsense")
    assert slack_error(excinfo) == "unknown_method"


def test_token_is_never_logged_or_echoed(stub: SlackStub, client: WebClient) -> None:
    client.chat_postMessage(channel=SALES, text="x")
    client.users_info(user=ADMIN)
    bodies = [
        requests.post(f"{stub.base_url}users.info", data={"token": TOKEN, "user": ADMIN}, timeout=5).text,
        requests.post(f"{stub.base_url}auth.test?token=xoxb-guess", timeout=5).text,
    ]
    with pytest.raises(SlackApiError):
        WebClient(token="xoxb-leaked-wrong", base_url=stub.base_url).chat_postMessage(channel=SALES, text="x")
    logged = json.dumps(stub.calls)
    assert len(stub.calls) == 5
    for secret in (TOKEN, "xoxb-guess", "xoxb-leaked-wrong"):
        assert secret not in logged and all(secret not in body for body in bodies)
    assert all("token" not in call["args"] for call in stub.calls)


# --- response_url --------------------------------------------------------------------------------


def test_response_url_records_json_posts(stub: SlackStub) -> None:
    url = stub.response_url()
    assert url.startswith("http://127.0.0.1:") and url != stub.response_url()
    answer = requests.post(url, json={"response_type": "ephemeral", "text": "Sync queued"}, timeout=5)
    assert (answer.status_code, answer.text) == (200, "ok")
    # Bolt's respond() posts with slack_sdk's WebhookClient.
    sent = WebhookClient(url).send(text="Sync done", replace_original=True)
    assert (sent.status_code, sent.body) == (200, "ok")
    response_id = url.rsplit("/", 1)[1]
    assert stub.responses == [
        {"id": response_id, "body": {"response_type": "ephemeral", "text": "Sync queued"}},
        {"id": response_id, "body": {"text": "Sync done", "replace_original": True}},
    ]
    assert requests.post(url, data="not json", timeout=5).status_code == 400
    assert requests.post(f"{url}x", json={"text": "?"}, timeout=5).status_code == 404
    assert len(stub.responses) == 2


# --- Standalone ----------------------------------------------------------------------------------


def test_standalone_server_prints_its_base_url() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.slack_stub", "--port", "0", "--token", TOKEN, "--channel", f"{SALES}:sales"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api/")
        assert WebClient(token=TOKEN, base_url=base_url).chat_postMessage(channel=SALES, text="hi")["ok"] is True
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0
        if process.stdout is not None:
            process.stdout.close()
