"""`python -m sandbox.slack_stub`: the stand-in as a standalone server, for the demo and by hand."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from sandbox.http_stub import serve_until_stopped
from sandbox.slack_stub.server import DEFAULT_SCOPES, SlackStub


def _pair(kind: str) -> Callable[[str], list[str]]:
    """argparse type for ID:NAME[:FLAG] options."""

    def parse(value: str) -> list[str]:
        parts = value.split(":")
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise argparse.ArgumentTypeError(f"expected {kind}")
        return parts

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.slack_stub", description="Slack Web API stand-in")
    parser.add_argument("--port", type=int, default=8767, help="0 picks a free port (default 8767)")
    parser.add_argument("--token", default="xoxb-test", help="the accepted bot token (default xoxb-test)")
    parser.add_argument("--team-id", default="T0FBSYNC")
    parser.add_argument("--bot-user-id", default="U0BOT")
    parser.add_argument("--scopes", default=DEFAULT_SCOPES, help=f"the token's scopes (default {DEFAULT_SCOPES})")
    parser.add_argument("--home-tab", action="store_true", help="the app's Home tab is on (views.publish works)")
    parser.add_argument(
        "--channel",
        action="append",
        default=[],
        type=_pair("ID:NAME[:out]"),
        help="a channel (repeatable); ':out' means the bot is not a member",
    )
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        type=_pair("ID:NAME[:admin|:owner]"),
        help="a workspace member for users.info (repeatable)",
    )
    args = parser.parse_args(argv)
    stub = SlackStub(
        token=args.token,
        team_id=args.team_id,
        bot_user_id=args.bot_user_id,
        port=args.port,
        scopes=args.scopes,
        home_tab_enabled=args.home_tab,
    )
    for channel_id, name, *flag in args.channel:
        stub.add_channel(channel_id, name, bot_is_member=flag != ["out"])
    for user_id, name, *flag in args.user:
        stub.add_user(user_id, name, is_admin=flag == ["admin"], is_owner=flag == ["owner"])
    return serve_until_stopped(stub)
