"""An export's Slack side without Slack: the grammar of `/fbsync export`, the file's name, the progress
message's pace, and which refusals are worth trying again."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import create_autospec

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web import SlackResponse

from bot.commands import Command, CommandError, parse
from bot.export_delivery import RETRY_AFTER, ExportDM, SlackTrouble, file_name, required

WHEN = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("export fig", Command("export", page="fig")),
        ("export Fig Bakery", Command("export", page="Fig", stage="Bakery")),  # the handler tries it whole too
        ('export "Fig Bakery" qualified', Command("export", page="Fig Bakery", stage="qualified")),
        ('export fig "Qualified Lead"', Command("export", page="fig", stage="Qualified Lead")),
    ],
)
def test_export_parses(text, expected):
    assert parse(text) == expected


def test_export_needs_a_page():
    with pytest.raises(CommandError, match="Which page"):
        parse("export")


def test_the_file_is_named_after_the_page_the_stage_and_the_day():
    assert file_name("Fig Bakery", "Qualified Lead", WHEN) == "fig-bakery-qualified-lead-2026-12-07.csv"
    assert file_name('Zoë\'s "Café" / 24h', None, WHEN) == "zoë-s-café-24h-2026-12-07.csv"
    assert file_name("مخبز التين", None, WHEN) == "مخبز-التين-2026-12-07.csv"
    assert file_name("!!!", None, WHEN) == "contacts-2026-12-07.csv"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def a_dm(clock: Clock, message: tuple[str, str] | None = None):
    client = create_autospec(WebClient, instance=True)
    client.conversations_open.return_value = {"channel": {"id": "D0ADA"}}
    client.chat_postMessage.return_value = {"channel": "D0ADA", "ts": "1.1"}
    return client, ExportDM(client, "U0ADA", message, clock=clock)


def test_progress_is_posted_once_then_updated_at_most_every_two_seconds():
    clock = Clock()
    client, dm = a_dm(clock)
    assert dm.open({"text": "0 of 10"}) == ("D0ADA", "1.1")
    client.conversations_open.assert_called_once_with(users="U0ADA")

    dm.update({"text": "1 of 10"})  # at once: too soon
    clock.now += 2.5
    dm.update({"text": "5 of 10"})
    clock.now += 0.5
    dm.update({"text": "6 of 10"})
    dm.update({"text": "done"}, force=True)  # the end always shows

    assert [c.kwargs["text"] for c in client.chat_update.call_args_list] == ["5 of 10", "done"]


def test_a_retried_export_updates_the_message_it_posted_before():
    client, dm = a_dm(Clock(), message=("D0ADA", "0.9"))
    assert dm.open({"text": "0 of 10"}) == ("D0ADA", "0.9")
    client.chat_postMessage.assert_not_called()
    assert client.chat_update.call_args.kwargs == {"channel": "D0ADA", "ts": "0.9", "text": "0 of 10"}


def refusal(error: str, status: int = 200, headers: dict[str, str] | None = None) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.example/api/files.completeUploadExternal",
        req_args={},
        data={"ok": False, "error": error},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError(error, response)


@pytest.mark.parametrize(
    ("error", "expected_wait"),
    [
        (refusal("ratelimited", 429, {"Retry-After": "17"}), 17.0),
        (refusal("internal_error", 500), RETRY_AFTER),
        (refusal("fatal_error"), RETRY_AFTER),  # not known to be hopeless: worth another try
        (ConnectionResetError(), RETRY_AFTER),
        (refusal("missing_scope"), None),  # no later attempt gets past these
        (refusal("invalid_auth"), None),
        (SlackRequestError("Maximum upload file size is 1000000000 bytes"), None),  # the SDK's own refusal
    ],
)
def test_which_refusals_are_tried_again(error, expected_wait):
    def call() -> None:
        raise error

    with pytest.raises(SlackTrouble) as raised:
        required("the file", call)
    assert raised.value.retry_after == expected_wait
    assert "the file" in str(raised.value)
