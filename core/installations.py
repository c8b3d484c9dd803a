"""Slack workspaces that installed the app ("Add to Slack"), each with its own bot token.

Bot tokens are stored encrypted with the page tokens' keys (core.tokens). Installing also creates
the workspace's organization, in the same transaction, so a workspace is usable the moment Slack
sends its first command.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from core import pages
from core.db import Conn
from core.tokens import TokenCipher

STATE_TTL_SECONDS = 600


@dataclass(frozen=True)
class InstalledBot:
    team_id: str
    team_name: str | None
    app_id: str | None
    bot_id: str
    bot_user_id: str
    bot_scopes: str
    bot_token: str = field(repr=False)
    installer_user_id: str | None
    installed_at: datetime | None = None


def save(conn: Conn, cipher: TokenCipher, bot: InstalledBot) -> None:
    """Install, or reinstall (new token and scopes replace the old ones)."""
    with conn.transaction():
        pages.ensure_organization(conn, bot.team_id, bot.team_name)
        conn.execute(
            "INSERT INTO slack_installations (team_id, team_name, app_id, bot_id, bot_user_id, bot_scopes,"
            " bot_token_ciphertext, installer_user_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (team_id) DO UPDATE SET team_name = EXCLUDED.team_name, app_id = EXCLUDED.app_id,"
            " bot_id = EXCLUDED.bot_id, bot_user_id = EXCLUDED.bot_user_id, bot_scopes = EXCLUDED.bot_scopes,"
            " bot_token_ciphertext = EXCLUDED.bot_token_ciphertext,"
            " installer_user_id = EXCLUDED.installer_user_id, updated_at = now()",
            (
                bot.team_id,
                bot.team_name,
                bot.app_id,
                bot.bot_id,
                bot.bot_user_id,
                bot.bot_scopes,
                cipher.encrypt(bot.bot_token),
                bot.installer_user_id,
            ),
        )


def find(conn: Conn, cipher: TokenCipher, team_id: str) -> InstalledBot | None:
    row = conn.execute(
        "SELECT team_id, team_name, app_id, bot_id, bot_user_id, bot_scopes, bot_token_ciphertext,"
        " installer_user_id, installed_at FROM slack_installations WHERE team_id = %s",
        (team_id,),
    ).fetchone()
    if row is None:
        return None
    token = cipher.decrypt(row.pop("bot_token_ciphertext"))
    return InstalledBot(**row, bot_token=token)


def bot_token_of_organization(conn: Conn, cipher: TokenCipher, organization_id: int) -> str | None:
    """The bot token of the workspace a page belongs to; None when that workspace has not installed."""
    row = conn.execute(
        "SELECT i.bot_token_ciphertext FROM slack_installations i"
        " JOIN organizations o ON o.slack_team_id = i.team_id WHERE o.id = %s",
        (organization_id,),
    ).fetchone()
    return cipher.decrypt(row["bot_token_ciphertext"]) if row else None


def delete(conn: Conn, team_id: str) -> bool:
    """The app was uninstalled or its tokens revoked: forget the token. Pages and contacts stay."""
    return conn.execute("DELETE FROM slack_installations WHERE team_id = %s", (team_id,)).rowcount > 0


def issue_state(conn: Conn) -> str:
    """A single-use install state (expired ones are cleared on the way)."""
    state = secrets.token_urlsafe(24)
    conn.execute("DELETE FROM slack_oauth_states WHERE expires_at < now()")
    conn.execute(
        "INSERT INTO slack_oauth_states (state, expires_at) VALUES (%s, now() + make_interval(secs => %s))",
        (state, STATE_TTL_SECONDS),
    )
    return state


def consume_state(conn: Conn, state: str) -> bool:
    """True once per issued, unexpired state."""
    row = conn.execute(
        "DELETE FROM slack_oauth_states WHERE state = %s RETURNING expires_at > now() AS fresh", (state,)
    ).fetchone()
    return bool(row and row["fresh"])
