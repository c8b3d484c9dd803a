"""PostgreSQL access: a psycopg 3 connection pool and the SQL migrations in core/migrations."""

from __future__ import annotations

import logging
from importlib import resources

import psycopg
from psycopg import Connection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from core.config import ConfigError

log = logging.getLogger(__name__)

# Serialises concurrent `migrate` runs (two deploys starting at once) on one database.
_MIGRATION_LOCK_KEY = 0x0FB5_0001

# The pool hands out connections whose rows are dicts; these aliases tell the type checker so.
Conn = Connection[DictRow]
Pool = ConnectionPool[Conn]


class DatabaseUnavailable(RuntimeError):
    """PostgreSQL cannot be reached; the message carries no credentials."""


def open_pool(database_url: str, *, min_size: int = 1, max_size: int = 8, timeout: float = 10.0) -> Pool:
    # One direct attempt first: a dead or misconfigured database fails at once with its reason,
    # instead of after the pool's timeout.
    try:
        psycopg.connect(database_url, connect_timeout=max(1, int(timeout))).close()
    except psycopg.ProgrammingError:
        # A malformed URL; psycopg's message quotes pieces of it, which may be the password.
        raise ConfigError(
            "DATABASE_URL is not a valid PostgreSQL URL (expected postgresql://USER:PASSWORD@HOST:PORT/DBNAME)"
        ) from None
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(f"cannot connect to PostgreSQL (check DATABASE_URL): {reason}") from None
    pool = Pool(
        database_url,
        connection_class=Conn,
        min_size=min_size,
        max_size=max_size,
        # Autocommit: a statement stands alone unless wrapped in `conn.transaction()`, which is then a
        # real transaction rather than a savepoint inside an implicit one.
        kwargs={"row_factory": dict_row, "autocommit": True},
        open=False,
    )
    try:
        pool.open(wait=True, timeout=timeout)
    except PoolTimeout as exc:
        pool.close()
        raise DatabaseUnavailable("cannot connect to PostgreSQL (check DATABASE_URL)") from exc
    return pool


def _migration_files() -> list[tuple[str, str]]:
    folder = resources.files("core") / "migrations"
    files = sorted((entry for entry in folder.iterdir() if entry.name.endswith(".sql")), key=lambda entry: entry.name)
    return [(entry.name.removesuffix(".sql"), entry.read_text(encoding="utf-8")) for entry in files]


def migrate(pool: Pool) -> list[str]:
    """Apply the migrations not yet applied, each in its own transaction; return their names."""
    applied_now: list[str] = []
    with pool.connection() as conn:
        try:
            conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK_KEY,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {row["version"] for row in conn.execute("SELECT version FROM schema_migrations")}
            for version, sql in _migration_files():
                if version in done:
                    continue
                with conn.transaction():
                    conn.execute(sql)
                    conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
                log.info("migration applied version=%s", version)
                applied_now.append(version)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK_KEY,))
    return applied_now
