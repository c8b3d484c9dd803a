"""The listeners' callbacks called directly, as Slack's Bolt starter template tests them: Bolt's `ack`,
`respond` and the WebClient are mocks; the database is the real one (the `pool` fixture)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest.mock import Mock, create_autospec

import pytest
from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.deps import BotDeps
from conftest import ADMIN, SALES_CHANNEL, TEAM_ID
from core.config import Settings
from core.db import Pool
from core.pages import Page
from sandbox.graph_sim import SimPage
from support import assert_slack_accepts

SHOP = SimPage(page_id="104857600000001", name="Bluebird Coffee", token="bluebird-token-1", messenger_count=0)


class Slack:
    """What Bolt hands a callback, as mocks that record it: `ack` and `respond` share one call record, so
    a test can see that ack came first. Slack accepts every Web API call unless a test says otherwise."""

    PARENT_TS = "1732530000.000100"

    def __init__(self, deps: BotDeps) -> None:
        self.calls = Mock()
        self.ack = Mock(spec=Ack)
        self.respond = Mock(spec=Respond)
        self.calls.attach_mock(self.ack, "ack")
        self.calls.attach_mock(self.respond, "respond")
        # Autospec: a call with an argument the real Web API method does not take fails the test.
        self.client = create_autospec(WebClient, instance=True)
        self.client.users_info.side_effect = lambda user: {"user": {"id": user, "is_admin": user == ADMIN}}
        self.client.chat_postMessage.side_effect = lambda channel, **_: {"channel": channel, "ts": self.PARENT_TS}
        self.client.conversations_open.side_effect = lambda users: {"channel": {"id": "D0" + users}}
        self.context = BoltContext({"fbsync": deps})

    def command(self, text: str, *, user: str = ADMIN, channel: str = SALES_CHANNEL) -> dict[str, Any]:
        """The arguments Bolt gives a `/fbsync <text>` callback."""
        command = {
            "command": "/fbsync",
            "text": text,
            "team_id": TEAM_ID,
            "team_domain": "fbsync-test",
            "user_id": user,
            "channel_id": channel,
        }
        return {
            "ack": self.ack,
            "command": command,
            "respond": self.respond,
            "client": self.client,
            "context": self.context,
        }

    def action(self, action_id: str, value: str | None, *, team: str = TEAM_ID, user: str = ADMIN) -> dict[str, Any]:
        """The arguments Bolt gives a button's callback when `user` of `team` clicks it."""
        clicked = {"action_id": action_id, "block_id": "b", "type": "button", "action_ts": "1732530000.1"}
        if value is not None:
            clicked["value"] = value
        body = {
            "type": "block_actions",
            "team": {"id": team, "domain": "fbsync-test"},
            "user": {"id": user, "team_id": team},
            "channel": {"id": SALES_CHANNEL},
            "actions": [clicked],
        }
        return {"ack": self.ack, "body": body, "respond": self.respond, "client": self.client, "context": self.context}

    def answers(self) -> list[dict[str, Any]]:
        """What the callback answered through `respond`, each a message Slack accepts, after one bare ack
        that came before anything else."""
        self.ack.assert_called_once_with()
        assert self.calls.mock_calls[0][0] == "ack"
        replies = [dict(reply.kwargs) for reply in self.respond.call_args_list]
        for reply in replies:
            assert_slack_accepts(reply)
        return replies

    def forget(self) -> None:
        """Drops the calls recorded so far, for the next callback of the same test."""
        for mock in (self.ack, self.respond, self.calls):
            mock.reset_mock()

    def answer(self) -> dict[str, Any]:
        [reply] = self.answers()
        return reply


@pytest.fixture
def deps(pool: Pool) -> BotDeps:
    return BotDeps(Settings(), pool, lambda team, user, channel: f"https://fbsync.test/connect/{team}/{user}")


@pytest.fixture
def slack(deps: BotDeps) -> Slack:
    return Slack(deps)


@pytest.fixture
def page(connect_page: Callable[..., Page]) -> Page:
    """Bluebird Coffee, the test workspace's only page."""
    return connect_page(SHOP, team=TEAM_ID)
