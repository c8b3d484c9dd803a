"""What the Slack listeners need from the rest of the service, handed to them through Bolt's context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.config import Settings
from core.db import Pool


@dataclass(frozen=True)
class BotDeps:
    settings: Settings
    pool: Pool
    # (team id, user id, channel id) -> a single-use Facebook Login link for that person.
    connect_link: Callable[[str, str, str], str]
