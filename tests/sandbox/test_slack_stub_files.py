"""The Slack stand-in's external file upload, driven by slack_sdk's real `files_upload_v2` (and its
three steps one by one where the SDK cannot go wrong), refusing what Slack refuses."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_stub_client import (
    ADMIN,
    CSV,
    MEMBER,
    PRIVATE,
    SALES,
    TEAM,
    TOKEN,
    error_messages,
    fixture_client,  # noqa: F401 - a fixture, requested by name
    fixture_stub,  # noqa: F401 - a fixture, requested by name
    png,
    slack_error,
)

from sandbox.slack_stub import DEFAULT_SCOPES, SlackStub


def image_block(slack_file: dict[str, str]) -> dict[str, Any]:
    return {"type": "image", "slack_file": slack_file, "alt_text": "Leads per stage"}


# --- files_upload_v2 -----------------------------------------------------------------------------


def test_a_csv_uploaded_to_a_channel_is_shared_there_with_its_comment(stub: SlackStub, client: WebClient) -> None:
    answer = client.files_upload_v2(
        content=CSV, filename="leads.csv", title="Leads", channel=SALES, initial_comment="The week's leads"
    )

    shared = answer["file"]
    assert (shared["name"], shared["title"], shared["mimetype"], shared["size"]) == (
        "leads.csv",
        "Leads",
        "text/csv",
        len(CSV.encode()),
    )
    assert shared["url_private"].startswith(f"https://files.slack.com/files-pri/{TEAM}-{shared['id']}/")
    assert shared["permalink"].startswith("https://fbsync-test.slack.com/files/")
    assert shared["channels"] == [SALES] and list(shared["shares"]["public"]) == [SALES]
    [uploaded] = stub.uploaded_files()
    assert uploaded["content"] == CSV.encode() and uploaded["id"] == shared["id"]
    assert (uploaded["name"], uploaded["title"], uploaded["channel"]) == ("leads.csv", "Leads", SALES)
    assert uploaded["initial_comment"] == "The week's leads" and uploaded["completed"] is True
    [message] = stub.messages(SALES)
    assert message["text"] == "The week's leads" and [f["id"] for f in message["files"]] == [shared["id"]]
    assert [call["method"] for call in stub.calls] == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    assert stub.calls[0]["args"] == {"filename": "leads.csv", "length": str(len(CSV.encode()))}


def test_a_file_goes_to_a_dm_by_its_id_or_to_a_person_by_user_id_and_into_threads(
    stub: SlackStub, client: WebClient
) -> None:
    dm = client.conversations_open(users=MEMBER)["channel"]["id"]
    client.files_upload_v2(content=png(), filename="chart.png", channel=dm, initial_comment="Your chart")
    client.files_upload_v2(content=CSV, filename="leads.csv", channels=[ADMIN])
    parent = client.chat_postMessage(channel=SALES, text="Export")["ts"]
    client.files_upload_v2(content=CSV, filename="again.csv", channel=SALES, thread_ts=parent)

    assert [m["text"] for m in stub.messages(dm)] == ["Your chart"]
    [to_admin] = stub.messages("D0ADMIN")
    assert [f["name"] for f in to_admin["files"]] == ["leads.csv"] and to_admin["text"] == ""
    [reply] = stub.thread(SALES, parent)
    assert reply["files"][0]["name"] == "again.csv"
    assert [(f["name"], f["channel"]) for f in stub.uploaded_files()] == [
        ("chart.png", dm),
        ("leads.csv", "D0ADMIN"),
        ("again.csv", SALES),
    ]
    assert stub.uploaded_files()[0]["content"] == png()


def test_a_file_is_not_shared_where_the_bot_cannot_post(stub: SlackStub, client: WebClient) -> None:
    for channel, error in (
        (PRIVATE, "not_in_channel"),
        ("C0GONE", "channel_not_found"),
        ("#sales", "channel_not_found"),
    ):
        with pytest.raises(SlackApiError) as excinfo:
            client.files_upload_v2(content=CSV, filename="leads.csv", channel=channel)
        assert slack_error(excinfo) == error
    assert stub.messages() == [] and not any(f["completed"] for f in stub.uploaded_files())


# --- A private file in an image block ------------------------------------------------------------


def test_a_private_image_is_shown_by_id_or_url_in_a_message_and_the_home_tab(
    stub: SlackStub, client: WebClient
) -> None:
    chart = client.files_upload_v2(content=png(), filename="chart.png", title="Leads per stage")["file"]
    assert stub.messages() == [] and stub.uploaded_files()[0]["channel"] is None

    for reference in ({"id": chart["id"]}, {"url": chart["url_private"]}, {"url": chart["permalink"]}):
        assert client.chat_postMessage(channel=SALES, text="chart", blocks=[image_block(reference)])["ok"]
    view = {"type": "home", "blocks": [image_block({"id": chart["id"]})]}
    assert client.views_publish(user_id=ADMIN, view=view)["ok"]


@pytest.mark.parametrize(
    "reference, what",
    [
        ({"id": "F0NOSUCHFILE"}, "no such Slack file"),
        ({"url": "https://files.slack.com/files-pri/T0FBSYNC-F0NOSUCHFILE/chart.png"}, "no such Slack file"),
        ({}, "must provide either id or url"),
    ],
)
def test_an_image_block_naming_no_file_is_refused(client: WebClient, reference: dict[str, str], what: str) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel=SALES, text="chart", blocks=[image_block(reference)])
    assert slack_error(excinfo) == "invalid_blocks"
    [message] = error_messages(excinfo)
    assert what in message and message.endswith("[json-pointer:/blocks/0/slack_file]")


def test_an_image_block_refuses_a_csv_both_references_or_a_file_never_completed(
    stub: SlackStub, client: WebClient
) -> None:
    csv = client.files_upload_v2(content=CSV, filename="leads.csv")["file"]
    chart = client.files_upload_v2(content=png(), filename="chart.png")["file"]
    started = client.files_getUploadURLExternal(filename="late.png", length=len(png()))
    assert requests.post(started["upload_url"], data=png(), timeout=5).status_code == 200

    for reference, what in (
        ({"id": csv["id"]}, "png, jpg, jpeg or gif image, not csv"),
        ({"id": chart["id"], "url": chart["url_private"]}, "not both"),
        ({"id": started["file_id"]}, "no such Slack file"),
    ):
        with pytest.raises(SlackApiError) as excinfo:
            client.views_publish(user_id=ADMIN, view={"type": "home", "blocks": [image_block(reference)]})
        assert slack_error(excinfo) == "invalid_arguments"
        [message] = error_messages(excinfo)
        assert what in message and message.endswith("[json-pointer:/view/blocks/0/slack_file]")


# --- The three steps, one by one ------------------------------------------------------------------


def test_the_upload_url_takes_the_announced_bytes_once(stub: SlackStub, client: WebClient) -> None:
    started = client.files_getUploadURLExternal(filename="leads.csv", length=5)
    url = started["upload_url"]
    assert url.startswith(f"http://127.0.0.1:{stub.port}/upload/v1/") and started["file_id"].startswith("F")

    short = requests.post(url, data=b"1234", timeout=5)
    assert short.status_code == 400 and "length_mismatch" in short.text
    ok = requests.post(url, data=b"12345", timeout=5)
    assert (ok.status_code, ok.text) == (200, "OK - 5")
    again = requests.post(url, data=b"12345", timeout=5)
    assert again.status_code == 400 and "already_uploaded" in again.text
    assert stub.uploaded_files()[0]["content"] == b"12345"
    assert requests.post(f"{url}x", data=b"12345", timeout=5).status_code == 404

    # Slack also takes the bytes as a multipart form (curl -F filename=@leads.csv).
    form = client.files_getUploadURLExternal(filename="form.csv", length=len(CSV))
    answer = requests.post(form["upload_url"], files={"filename": ("form.csv", CSV.encode(), "text/csv")}, timeout=5)
    assert (answer.status_code, answer.text) == (200, f"OK - {len(CSV)}")
    assert stub.uploaded_files()[1]["content"] == CSV.encode()


def test_completing_needs_an_uploaded_file_not_yet_completed(stub: SlackStub, client: WebClient) -> None:
    started = client.files_getUploadURLExternal(filename="leads.csv", length=len(CSV))
    unknown: list[dict[str, str | None]] = [{"id": "F0NOSUCHFILE"}]
    for files in (unknown, [{"id": started["file_id"]}]):  # unknown, then bytes never sent
        with pytest.raises(SlackApiError) as excinfo:
            client.files_completeUploadExternal(files=files, channel_id=SALES)
        assert slack_error(excinfo) == "file_not_found"

    requests.post(started["upload_url"], data=CSV.encode(), timeout=5)
    with pytest.raises(SlackApiError) as excinfo:
        client.files_completeUploadExternal(files=[{"id": started["file_id"]}], channel_id=PRIVATE)
    assert slack_error(excinfo) == "not_in_channel"  # and nothing changed: it can still be completed
    done = client.files_completeUploadExternal(files=[{"id": started["file_id"], "title": "Leads"}], channel_id=SALES)
    assert [(f["id"], f["title"]) for f in done["files"]] == [(started["file_id"], "Leads")]
    with pytest.raises(SlackApiError) as excinfo:
        client.files_completeUploadExternal(files=[{"id": started["file_id"]}], channel_id=SALES)
    assert slack_error(excinfo) == "file_not_found"
    assert len(stub.messages(SALES)) == 1


@pytest.mark.parametrize(
    "arguments, error",
    [
        ({"filename": "leads.csv", "length": 0}, "missing_argument"),
        ({"filename": "leads.csv", "length": "many"}, "invalid_arguments"),
        ({"length": 10}, "invalid_arguments"),
        ({"filename": "chart.png", "length": 10, "alt_txt": "x" * 1001}, "alt_txt_too_large"),
        ({"filename": "big.py", "length": 1024 * 1024 + 1, "snippet_type": "python"}, "snippet_too_large"),
    ],
)
def test_an_upload_url_is_refused_for_what_slack_refuses(client: WebClient, arguments: dict, error: str) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("files.getUploadURLExternal", params=arguments)
    assert slack_error(excinfo) == error


# --- Scopes --------------------------------------------------------------------------------------


def test_without_files_write_uploads_are_missing_scope() -> None:
    with SlackStub(token=TOKEN, team_id=TEAM) as stub:  # the scopes the app asks for today
        client = WebClient(token=TOKEN, base_url=stub.base_url)
        with pytest.raises(SlackApiError) as excinfo:
            client.files_upload_v2(content=CSV, filename="leads.csv", channel=SALES)
        answer = excinfo.value.response
        assert (answer["error"], answer["needed"], answer["provided"]) == (
            "missing_scope",
            "files:write",
            DEFAULT_SCOPES,
        )
        assert answer.headers["X-OAuth-Scopes"] == DEFAULT_SCOPES
        with pytest.raises(SlackApiError) as excinfo:
            client.files_completeUploadExternal(files=[{"id": "F0ANY"}], channel_id=SALES)
        assert slack_error(excinfo) == "missing_scope"
        assert stub.uploaded_files() == [] and stub.errors == []


def test_every_method_checks_its_scope() -> None:
    with SlackStub(token=TOKEN, team_id=TEAM, scopes="commands,files:write") as stub:
        stub.add_channel(SALES, "sales")
        client = WebClient(token=TOKEN, base_url=stub.base_url)
        with pytest.raises(SlackApiError) as excinfo:
            client.chat_postMessage(channel=SALES, text="hi")
        assert (excinfo.value.response["needed"], excinfo.value.response["provided"]) == (
            "chat:write",
            "commands,files:write",
        )
        with pytest.raises(SlackApiError) as excinfo:
            client.conversations_open(users=MEMBER)
        assert excinfo.value.response["needed"] == "channels:manage,groups:write,im:write,mpim:write"
        assert client.auth_test()["ok"] and client.files_upload_v2(content=CSV, filename="leads.csv")["ok"]


def test_reset_forgets_uploads(stub: SlackStub, client: WebClient) -> None:
    chart = client.files_upload_v2(content=png(), filename="chart.png")["file"]
    stub.reset()
    assert stub.uploaded_files() == []
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=SALES, text="chart", blocks=[image_block({"id": chart["id"]})])
