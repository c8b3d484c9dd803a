"""What every `fbsync` command shares: its settings, its database pool, and its one-line errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from core import db
from core.config import Settings
from core.db import Pool

OpenPool = Callable[[], AbstractContextManager[Pool]]


class CliError(Exception):
    """Shown to the user as one line, exit status 2."""


def settings_from_env() -> Settings:
    settings = Settings.from_env()
    if not settings.database_url:
        raise CliError("DATABASE_URL is not set (`make demo` runs everything on an embedded PostgreSQL)")
    return settings


@contextmanager
def open_database(settings: Settings) -> Iterator[Pool]:
    assert settings.database_url
    pool = db.open_pool(settings.database_url)
    try:
        yield pool
    finally:
        pool.close()


def open_pool() -> AbstractContextManager[Pool]:
    """The database of the environment's settings, for the commands that need nothing else."""
    return open_database(settings_from_env())
