"""What every job function opens first: settings and logging from the environment, and a pool.

Each RQ job runs in a fresh work horse (a fork), so it opens its own resources and closes them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from core import db, logfmt
from core.config import Settings
from core.db import Pool


def job_settings() -> Settings:
    logfmt.configure(os.environ.get("FBSYNC_LOG_LEVEL", "INFO"))
    return Settings.from_env()


@contextmanager
def job_resources(*required: str, pool_size: int = 2) -> Iterator[tuple[Settings, Pool]]:
    """The job's settings (with `required` checked, the database always) and a pool, closed after."""
    settings = job_settings()
    settings.require("database_url", *required)
    assert settings.database_url
    pool = db.open_pool(settings.database_url, max_size=pool_size)
    try:
        yield settings, pool
    finally:
        pool.close()
