"""Bolt's installation and OAuth state stores, kept in PostgreSQL (core.installations).

fbsync installs bots only (no user tokens) and one workspace per installation: org-wide installs
are refused, so every row has a team id.
"""

from __future__ import annotations

import logging
from logging import Logger
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from core import installations
from core.db import Pool
from core.installations import InstalledBot
from core.logfmt import ContextLogger
from core.tokens import TokenCipher

logger = logging.getLogger(__name__)


class PostgresInstallationStore(InstallationStore):
    def __init__(self, pool: Pool, cipher: TokenCipher) -> None:
        self._pool = pool
        self._cipher = cipher

    @property
    def logger(self) -> Logger:
        return logger

    def save(self, installation: Installation) -> None:
        self._store(installation.to_bot(), installation.user_id)

    def save_bot(self, bot: Bot) -> None:
        self._store(bot, None)

    def _store(self, bot: Bot, installer_user_id: str | None) -> None:
        if not bot.team_id or bot.is_enterprise_install:
            raise ValueError("fbsync installs into one workspace at a time, not org-wide")
        record = InstalledBot(
            team_id=bot.team_id,
            team_name=bot.team_name,
            app_id=bot.app_id,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=",".join(bot.bot_scopes),
            bot_token=bot.bot_token,
            installer_user_id=installer_user_id,
        )
        with self._pool.connection() as conn:
            installations.save(conn, self._cipher, record)
        ContextLogger(logger, {"team_id": bot.team_id}).info("slack app installed")

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        if not team_id:
            return None
        with self._pool.connection() as conn:
            found = installations.find(conn, self._cipher, team_id)
        if found is None:
            return None
        return Bot(
            app_id=found.app_id,
            team_id=found.team_id,
            team_name=found.team_name,
            bot_token=found.bot_token,
            bot_id=found.bot_id,
            bot_user_id=found.bot_user_id,
            bot_scopes=found.bot_scopes,
            installed_at=found.installed_at.timestamp() if found.installed_at else 0.0,
        )

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        bot = self.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None or user_id is not None:  # no user tokens are kept
            return None
        return Installation(
            app_id=bot.app_id,
            team_id=bot.team_id,
            team_name=bot.team_name,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            user_id="",
            installed_at=bot.installed_at,
        )

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        if team_id:
            with self._pool.connection() as conn:
                if installations.delete(conn, team_id):
                    ContextLogger(logger, {"team_id": team_id}).info("slack app uninstalled: bot token deleted")

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:  # a user's token revoked: there is none to delete
            self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)


class PostgresOAuthStateStore(OAuthStateStore):
    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    @property
    def logger(self) -> Logger:
        return logger

    def issue(self, *args: Any, **kwargs: Any) -> str:
        with self._pool.connection() as conn:
            return installations.issue_state(conn)

    def consume(self, state: str) -> bool:
        with self._pool.connection() as conn:
            return installations.consume_state(conn, state)
