"""What every job function opens first: settings and logging from the environment, and a pool.

Each RQ job runs in a fresh work horse (a fork), so it opens its own resources and closes them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from core import db, logfmt, work
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


class Held(NamedTuple):
    settings: Settings
    pool: Pool
    claim: work.Claim


@contextmanager
def held_work(kind: work.Kind, subject_id: int, dispatch_id: int, *, pool_size: int = 2) -> Iterator[Held | None]:
    """The job's resources and its pending_work row, held until the block ends (core/work.begin);
    None when the row is not this job's to do (done, or owed to a newer dispatch)."""
    with job_resources(pool_size=pool_size) as (settings, pool):
        assert settings.database_url
        with work.begin(settings.database_url, kind, subject_id, dispatch_id) as claim:
            yield None if claim is None else Held(settings, pool, claim)
