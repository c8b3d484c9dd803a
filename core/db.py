"""PostgreSQL access: a psycopg 3 connection pool and the SQL migrations in core/migrations."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Migration:
    version: str  # the file name without .sql, e.g. "008_webhook_reliability"
    sql: str
    checksum: str  # sha256 of the text, hex


class MigrationRefused(RuntimeError):
    """`migrate` found the database's record of applied migrations at odds with the files, and applied
    nothing; the message names the migration and what to do."""


class MigrationChanged(MigrationRefused):
    def __init__(self, version: str, recorded: str, current: str) -> None:
        super().__init__(
            f"migration {version} was changed after it was applied to this database"
            f" (recorded sha256 {recorded[:12]}…, file now {current[:12]}…):"
            " ship the change as a new migration instead"
        )
        self.version = version


class MigrationMissing(MigrationRefused):
    def __init__(self, version: str) -> None:
        super().__init__(
            f"migration {version} was applied to this database but its file is gone from core/migrations:"
            " restore it (a shipped migration is never removed or renamed; undo it with a new migration)"
        )
        self.version = version


def checksum(sql: str) -> str:
    # Line endings are the one normalisation: a checkout with CRLF (git autocrlf, an editor) runs the
    # same SQL, and refusing a release for it would be a false alarm. Anything else, comments and
    # whitespace included, counts as a change: telling what is insignificant in SQL means parsing it.
    return hashlib.sha256(sql.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")).hexdigest()


def migration_files() -> list[Migration]:
    """Every migration shipped with this code, in the order they apply (by file name)."""
    folder = resources.files("core") / "migrations"
    files = sorted((entry for entry in folder.iterdir() if entry.name.endswith(".sql")), key=lambda entry: entry.name)
    migrations = []
    for entry in files:
        sql = entry.read_bytes().decode("utf-8")
        migrations.append(Migration(entry.name.removesuffix(".sql"), sql, checksum(sql)))
    return migrations


def migrate(pool: Pool, *, up_to: str | None = None) -> list[str]:
    """Apply the migrations not yet applied, each in its own transaction; return their names.

    `up_to` stops after that migration (a test building an older schema). Refuses, before applying
    anything, when an applied migration's file changed or is gone (MigrationRefused)."""
    migrations = migration_files()
    pending_limit = _position(migrations, up_to) + 1 if up_to is not None else len(migrations)
    applied_now: list[str] = []
    with pool.connection() as conn:
        try:
            conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK_KEY,))
            _ensure_migrations_table(conn)
            recorded = _recorded_checksums(conn)
            _check_recorded(recorded, migrations)
            _backfill_checksums(conn, recorded, migrations)
            for migration in migrations[:pending_limit]:
                if migration.version in recorded:
                    continue
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, checksum) VALUES (%s, %s)",
                        (migration.version, migration.checksum),
                    )
                log.info("migration applied version=%s", migration.version)
                applied_now.append(migration.version)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK_KEY,))
    return applied_now


def _position(migrations: list[Migration], version: str) -> int:
    for index, migration in enumerate(migrations):
        if migration.version == version:
            return index
    raise ValueError(f"no migration named {version} in core/migrations")


def _ensure_migrations_table(conn: Conn) -> None:
    # Databases migrated before checksums have the table without the column: added here, NULL in their
    # rows until _backfill_checksums fills them.
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
    )
    conn.execute("ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text")


def _recorded_checksums(conn: Conn) -> dict[str, str | None]:
    return {row["version"]: row["checksum"] for row in conn.execute("SELECT version, checksum FROM schema_migrations")}


def _check_recorded(recorded: dict[str, str | None], migrations: list[Migration]) -> None:
    """Raise for the first applied migration whose file changed or is gone; warn of newer ones."""
    files = {migration.version: migration for migration in migrations}
    latest = migrations[-1].version if migrations else ""
    for version, recorded_checksum in sorted(recorded.items()):
        migration = files.get(version)
        if migration is None and version > latest:
            # Applied by a newer release than this code (a rollback): refusing would block the rolled-back
            # release's own start, and this code never needs those migrations undone to run.
            log.warning("migration not in this release version=%s (applied by a newer release?)", version)
        elif migration is None:
            raise MigrationMissing(version)
        elif recorded_checksum is not None and recorded_checksum != migration.checksum:
            raise MigrationChanged(version, recorded_checksum, migration.checksum)


def _backfill_checksums(conn: Conn, recorded: dict[str, str | None], migrations: list[Migration]) -> None:
    # Trust on first use: rows written by the runner before checksums have none, and what those
    # databases really ran can no longer be known, so the files as they are now are taken to be what
    # was applied. An edit made before this first run (as 008's was) goes unnoticed; every later one
    # is refused.
    unrecorded = [(m.checksum, m.version) for m in migrations if m.version in recorded and recorded[m.version] is None]
    if not unrecorded:
        return
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany("UPDATE schema_migrations SET checksum = %s WHERE version = %s", unrecorded)
    log.info("migration checksums recorded for migrations applied before checksums count=%d", len(unrecorded))
