"""`/fbsync` itself: help and typos answered in the ack, who may change things, a database that is down."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from slack_sdk.errors import SlackApiError

from bot.listeners.commands import handle_fbsync
from conftest import MEMBER
from core import jobs
from core.db import Conn, Pool
from support import assert_slack_accepts, visible_text


@pytest.mark.parametrize(
    "text, expected",
    [("help", "`/fbsync sync PAGE [full]`"), ("stauts", "Unknown command `stauts`. Did you mean `status`?")],
)
def test_help_and_typos_are_answered_in_the_ack_itself(slack, text, expected):
    handle_fbsync(**slack.command(text))

    slack.ack.assert_called_once()
    answer = slack.ack.call_args.kwargs
    assert_slack_accepts(answer)
    assert expected in visible_text(answer)
    slack.respond.assert_not_called()


def test_a_member_may_not_start_a_sync(slack, pool, page):
    handle_fbsync(**slack.command("sync bluebird", user=MEMBER))

    assert "Only workspace admins and owners" in visible_text(slack.answer())
    with pool.connection() as conn:
        assert jobs.latest_jobs(conn, page.id) == []


def test_when_slack_cannot_say_who_asks_nothing_changes(slack, pool, page):
    slack.client.users_info.side_effect = SlackApiError("user_not_found", {"ok": False, "error": "user_not_found"})

    handle_fbsync(**slack.command("sync bluebird"))

    assert "Only workspace admins and owners" in visible_text(slack.answer())  # when in doubt, read-only
    with pool.connection() as conn:
        assert jobs.latest_jobs(conn, page.id) == []


def test_a_database_that_is_down_is_logged_and_explained(slack, deps, caplog):
    nowhere = Pool(
        "postgresql://fbsync@127.0.0.1:1/fbsync", connection_class=Conn, min_size=0, max_size=1, timeout=0.5, open=True
    )
    slack.context["fbsync"] = replace(deps, pool=nowhere)
    try:
        with caplog.at_level(logging.ERROR, logger="bot.listeners.commands"):
            handle_fbsync(**slack.command("pages"))
    finally:
        nowhere.close()

    assert "fbsync cannot reach its database right now" in visible_text(slack.answer())
    assert [record.getMessage() for record in caplog.records][-1].startswith("database unavailable")
