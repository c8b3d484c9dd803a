"""`fbsync tokens new-key|rotate`: the keys page and bot tokens are encrypted under."""

from __future__ import annotations

import argparse

from core.cli.common import open_database, settings_from_env
from core.tokens import TokenCipher, rotate_all


def add_tokens_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tokens_parser = commands.add_parser("tokens", help="page tokens at rest")
    tokens_commands = tokens_parser.add_subparsers(dest="tokens_command", required=True)
    tokens_commands.add_parser("new-key", help="print a new encryption key for FBSYNC_ENCRYPTION_KEY").set_defaults(
        func=cmd_tokens_new_key
    )
    tokens_commands.add_parser(
        "rotate", help="re-encrypt all tokens under the first key of FBSYNC_ENCRYPTION_KEY"
    ).set_defaults(func=cmd_tokens_rotate)


def cmd_tokens_new_key(args: argparse.Namespace) -> int:
    print(TokenCipher.new_key())
    return 0


def cmd_tokens_rotate(args: argparse.Namespace) -> int:
    settings = settings_from_env()
    cipher = TokenCipher.from_settings(settings)
    with open_database(settings) as pool, pool.connection() as conn:
        rotated = rotate_all(conn, cipher)
    print(
        f"re-encrypted {rotated['facebook_pages']} page token(s) and {rotated['slack_installations']}"
        " Slack bot token(s) under the current key; older keys can now be retired"
    )
    return 0
